// Row reductions over contiguous [rows, n] data (the engine moves reduced dims last first). One block per row;
// sums accumulate in double as the CPU does.
#include "common.cuh"

extern "C" __global__ void sum_rows_f32(int rows, int n, const float* x, float* out) {
    __shared__ double scratch[32];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* row = x + (long long) r * n;
        double s = 0.0;
        for (int i = threadIdx.x; i < n; i += blockDim.x) s += row[i];
        s = block_sum(s, scratch);
        if (threadIdx.x == 0) out[r] = (float) s;
    }
}

// kind 0 = max, 1 = min; NaN wins (as the CPU's argExtreme), ties keep the first.
extern "C" __global__ void extreme_rows_f32(int kind, int rows, int n, const float* x, float* out) {
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        if (threadIdx.x != 0) continue;
        const float* row = x + (long long) r * n;
        float best = row[0];
        for (int i = 1; i < n && !isnan(best); i++) {
            float v = row[i];
            if (isnan(v) || (kind == 0 ? v > best : v < best)) best = v;
        }
        out[r] = best;
    }
}
