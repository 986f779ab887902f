// Fused scaled dot-product attention for inference: out = softmax(scale·q·kᵀ + bias)·v, one block per
// (batch·head, query row). The row of scores lives in dynamic shared memory (Lk floats), so Lk is limited by the
// shared memory per block (the Java side checks it and otherwise composes GEMM + softmax). Optionally writes the
// probabilities (the maps ZestGuide's loss reads) and adds a bias broadcast over the scores (Paint-with-Words),
// given as element strides over [B·H as (b, h), Lq, Lk]. A fully -inf row gives zero probabilities and output.
//
// q [BH, Lq, D], k [BH, Lk, D], v [BH, Lk, Dv] contiguous; out [BH, Lq, Dv]; probs [BH, Lq, Lk] or 0.
#include "common.cuh"

extern "C" __global__ void attention_forward_f32(int BH, int H, int Lq, int Lk, int D, int Dv, float scale,
                                                 const float* q, const float* k, const float* v,
                                                 const float* bias, int biasOffset, int bsB, int bsH, int bsQ, int bsK,
                                                 float* out, float* probs) {
    extern __shared__ float scores[];
    __shared__ double dscratch[32];
    __shared__ float fscratch[32];
    for (int row = blockIdx.x; row < BH * Lq; row += gridDim.x) {
        int bh = row / Lq, i = row % Lq;
        const float* qi = q + ((long long) bh * Lq + i) * D;
        const float* kb = k + (long long) bh * Lk * D;
        const float* vb = v + (long long) bh * Lk * Dv;
        long long biasRow = bias ? (long long) biasOffset + (long long) (bh / H) * bsB + (long long) (bh % H) * bsH + (long long) i * bsQ : 0;
        float m = -INFINITY;
        for (int j = threadIdx.x; j < Lk; j += blockDim.x) {
            const float* kj = kb + (long long) j * D;
            float s = 0.0f;
            for (int t = 0; t < D; t++) s = fmaf(qi[t], kj[t], s);
            s *= scale;
            if (bias) s += bias[biasRow + (long long) j * bsK];
            scores[j] = s;
            m = fmaxf(m, s);
        }
        m = block_max(m, fscratch);
        float* orow = out + ((long long) bh * Lq + i) * Dv;
        float* prow = probs ? probs + ((long long) bh * Lq + i) * Lk : 0;
        if (m == -INFINITY) {
            for (int j = threadIdx.x; j < Lk; j += blockDim.x) { scores[j] = 0.0f; if (prow) prow[j] = 0.0f; }
            for (int d = threadIdx.x; d < Dv; d += blockDim.x) orow[d] = 0.0f;
            __syncthreads();
            continue;
        }
        double sum = 0.0;
        for (int j = threadIdx.x; j < Lk; j += blockDim.x) {
            float e = expf(scores[j] - m);
            scores[j] = e;
            sum += e;
        }
        float inv = (float) (1.0 / block_sum(sum, dscratch));
        for (int j = threadIdx.x; j < Lk; j += blockDim.x) {
            float p = scores[j] * inv;
            scores[j] = p;
            if (prow) prow[j] = p;
        }
        __syncthreads();
        for (int d = threadIdx.x; d < Dv; d += blockDim.x) {
            float acc = 0.0f;
            for (int j = 0; j < Lk; j++) acc = fmaf(scores[j], vb[(long long) j * Dv + d], acc);
            orow[d] = acc;
        }
        __syncthreads();
    }
}
