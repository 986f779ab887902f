// Softmax and log-softmax over contiguous rows (one block per row). A fully -inf row gives zeros (softmax) and
// -inf (log-softmax), never NaN, as the CPU kernels.
#include "common.cuh"

extern "C" __global__ void softmax_rows_f32(int rows, int n, const float* x, float* y) {
    __shared__ double dscratch[32];
    __shared__ float fscratch[32];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* in = x + (long long) r * n;
        float* out = y + (long long) r * n;
        float m = -INFINITY;
        for (int i = threadIdx.x; i < n; i += blockDim.x) m = fmaxf(m, in[i]);
        m = block_max(m, fscratch);
        if (m == -INFINITY) {
            for (int i = threadIdx.x; i < n; i += blockDim.x) out[i] = 0.0f;
            continue;
        }
        double s = 0.0;
        for (int i = threadIdx.x; i < n; i += blockDim.x) {
            float e = (float) exp((double) (in[i] - m));
            out[i] = e;
            s += e;
        }
        s = block_sum(s, dscratch);
        float inv = (float) (1.0 / s);
        for (int i = threadIdx.x; i < n; i += blockDim.x) out[i] *= inv;
    }
}

extern "C" __global__ void log_softmax_rows_f32(int rows, int n, const float* x, float* y) {
    __shared__ double dscratch[32];
    __shared__ float fscratch[32];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* in = x + (long long) r * n;
        float* out = y + (long long) r * n;
        float m = -INFINITY;
        for (int i = threadIdx.x; i < n; i += blockDim.x) m = fmaxf(m, in[i]);
        m = block_max(m, fscratch);
        if (m == -INFINITY) {
            for (int i = threadIdx.x; i < n; i += blockDim.x) out[i] = -INFINITY;
            continue;
        }
        double s = 0.0;
        for (int i = threadIdx.x; i < n; i += blockDim.x) s += exp((double) (in[i] - m));
        double logSum = log(block_sum(s, dscratch));
        for (int i = threadIdx.x; i < n; i += blockDim.x) out[i] = (float) ((double) (in[i] - m) - logSum);
    }
}
