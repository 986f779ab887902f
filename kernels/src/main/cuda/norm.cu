// Group norm over [N, C, S] (S = trailing dims) and layer norm over the last dim of [rows, D], PyTorch semantics:
// biased variance, eps inside the square root. The forward saves mean and rstd per group/row for the backward,
// which uses the closed form dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·w.
// weight/bias pointers may be 0 (no affine); statistics in double with two passes (mean, then centred squares).
#include "common.cuh"

// One block per (n, group); the group's elements are contiguous: (C/G)·S values from (n·C + g·C/G)·S.
extern "C" __global__ void group_norm_forward_f32(int N, int C, int S, int G, float eps, const float* x,
                                                  const float* w, const float* b, float* y, float* mean, float* rstd) {
    __shared__ double scratch[32];
    int cpg = C / G, count = cpg * S;
    for (int ng = blockIdx.x; ng < N * G; ng += gridDim.x) {
        long long base = (long long) ng * count;
        const float* xg = x + base;
        double s = 0.0;
        for (int i = threadIdx.x; i < count; i += blockDim.x) s += xg[i];
        double mu = block_sum(s, scratch) / count;
        double q = 0.0;
        for (int i = threadIdx.x; i < count; i += blockDim.x) { double d = xg[i] - mu; q += d * d; }
        double var = block_sum(q, scratch) / count;
        float r = (float) (1.0 / sqrt(var + (double) eps));
        float m = (float) mu;
        int c0 = (ng % G) * cpg;
        for (int i = threadIdx.x; i < count; i += blockDim.x) {
            int c = c0 + i / S;
            float v = (xg[i] - m) * r;
            if (w) v *= w[c];
            if (b) v += b[c];
            y[base + i] = v;
        }
        if (threadIdx.x == 0) { mean[ng] = m; rstd[ng] = r; }
    }
}

extern "C" __global__ void group_norm_backward_input_f32(int N, int C, int S, int G, const float* dy, const float* x,
                                                         const float* w, const float* mean, const float* rstd, float* dx) {
    __shared__ double scratch[32];
    int cpg = C / G, count = cpg * S;
    for (int ng = blockIdx.x; ng < N * G; ng += gridDim.x) {
        long long base = (long long) ng * count;
        float m = mean[ng], r = rstd[ng];
        int c0 = (ng % G) * cpg;
        double sd = 0.0, sdx = 0.0;
        for (int i = threadIdx.x; i < count; i += blockDim.x) {
            float g = dy[base + i] * (w ? w[c0 + i / S] : 1.0f);
            float xh = (x[base + i] - m) * r;
            sd += g;
            sdx += (double) g * xh;
        }
        double meanD = block_sum(sd, scratch) / count;
        double meanDX = block_sum(sdx, scratch) / count;
        for (int i = threadIdx.x; i < count; i += blockDim.x) {
            float g = dy[base + i] * (w ? w[c0 + i / S] : 1.0f);
            float xh = (x[base + i] - m) * r;
            dx[base + i] = (float) (r * (g - meanD - xh * meanDX));
        }
    }
}

// One block per channel: dw[c] = Σ_n,s dy·x̂, db[c] = Σ_n,s dy (either output pointer may be 0).
extern "C" __global__ void group_norm_backward_affine_f32(int N, int C, int S, int G, const float* dy, const float* x,
                                                          const float* mean, const float* rstd, float* dw, float* db) {
    __shared__ double scratch[32];
    int cpg = C / G;
    for (int c = blockIdx.x; c < C; c += gridDim.x) {
        double sw = 0.0, sb = 0.0;
        for (int n = 0; n < N; n++) {
            int ng = n * G + c / cpg;
            float m = mean[ng], r = rstd[ng];
            long long base = ((long long) n * C + c) * S;
            for (int i = threadIdx.x; i < S; i += blockDim.x) {
                float g = dy[base + i];
                sw += (double) g * ((x[base + i] - m) * r);
                sb += g;
            }
        }
        sw = block_sum(sw, scratch);
        sb = block_sum(sb, scratch);
        if (threadIdx.x == 0) {
            if (dw) dw[c] = (float) sw;
            if (db) db[c] = (float) sb;
        }
    }
}

// One block per row of D values.
extern "C" __global__ void layer_norm_forward_f32(int rows, int D, float eps, const float* x, const float* w,
                                                  const float* b, float* y, float* mean, float* rstd) {
    __shared__ double scratch[32];
    for (int row = blockIdx.x; row < rows; row += gridDim.x) {
        long long base = (long long) row * D;
        double s = 0.0;
        for (int i = threadIdx.x; i < D; i += blockDim.x) s += x[base + i];
        double mu = block_sum(s, scratch) / D;
        double q = 0.0;
        for (int i = threadIdx.x; i < D; i += blockDim.x) { double d = x[base + i] - mu; q += d * d; }
        double var = block_sum(q, scratch) / D;
        float r = (float) (1.0 / sqrt(var + (double) eps));
        float m = (float) mu;
        for (int i = threadIdx.x; i < D; i += blockDim.x) {
            float v = (x[base + i] - m) * r;
            if (w) v *= w[i];
            if (b) v += b[i];
            y[base + i] = v;
        }
        if (threadIdx.x == 0) { mean[row] = m; rstd[row] = r; }
    }
}

extern "C" __global__ void layer_norm_backward_input_f32(int rows, int D, const float* dy, const float* x, const float* w,
                                                         const float* mean, const float* rstd, float* dx) {
    __shared__ double scratch[32];
    for (int row = blockIdx.x; row < rows; row += gridDim.x) {
        long long base = (long long) row * D;
        float m = mean[row], r = rstd[row];
        double sd = 0.0, sdx = 0.0;
        for (int i = threadIdx.x; i < D; i += blockDim.x) {
            float g = dy[base + i] * (w ? w[i] : 1.0f);
            sd += g;
            sdx += (double) g * ((x[base + i] - m) * r);
        }
        double meanD = block_sum(sd, scratch) / D;
        double meanDX = block_sum(sdx, scratch) / D;
        for (int i = threadIdx.x; i < D; i += blockDim.x) {
            float g = dy[base + i] * (w ? w[i] : 1.0f);
            float xh = (x[base + i] - m) * r;
            dx[base + i] = (float) (r * (g - meanD - xh * meanDX));
        }
    }
}

// One thread per column: dw[d] = Σ_rows dy·x̂, db[d] = Σ_rows dy (reads are coalesced across the columns).
extern "C" __global__ void layer_norm_backward_affine_f32(int rows, int D, const float* dy, const float* x,
                                                          const float* mean, const float* rstd, float* dw, float* db) {
    GRID_STRIDE_LOOP(d, D) {
        double sw = 0.0, sb = 0.0;
        for (int row = 0; row < rows; row++) {
            long long at = (long long) row * D + d;
            float g = dy[at];
            sw += (double) g * ((x[at] - mean[row]) * rstd[row]);
            sb += g;
        }
        if (dw) dw[d] = (float) sw;
        if (db) db[d] = (float) sb;
    }
}
