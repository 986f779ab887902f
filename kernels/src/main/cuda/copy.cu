// Strided gathers into contiguous FP32: makes views contiguous and widens FP16/BF16 weights kept as stored.
// Only the A half of the layout is read (shape and stridesA).
#include "common.cuh"
#include <cuda_fp16.h>
#include <cuda_bf16.h>

extern "C" __global__ void gather_f32(int n, const float* src, int offset, float* out, Layout l) {
    GRID_STRIDE_LOOP(i, n) {
        int a = offset, unused = 0;
        layout_offsets(l, i, a, unused);
        out[i] = src[a];
    }
}

extern "C" __global__ void gather_f16(int n, const __half* src, int offset, float* out, Layout l) {
    GRID_STRIDE_LOOP(i, n) {
        int a = offset, unused = 0;
        layout_offsets(l, i, a, unused);
        out[i] = __half2float(src[a]);
    }
}

extern "C" __global__ void gather_bf16(int n, const __nv_bfloat16* src, int offset, float* out, Layout l) {
    GRID_STRIDE_LOOP(i, n) {
        int a = offset, unused = 0;
        layout_offsets(l, i, a, unused);
        out[i] = __bfloat162float(src[a]);
    }
}
