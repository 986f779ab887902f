// Shared by every kernel file: the strided-layout parameter block and block-wide reductions.
// Conventions: element counts and offsets are int (the engine indexes tensors with int), one thread per output
// element in grid-stride loops, 256 threads per block for row kernels, FP32 storage with double accumulation
// where the CPU kernels accumulate in double (sums, softmax denominators, norm statistics).
#pragma once

#define ZEST_MAX_RANK 8
#define ZEST_ROW_THREADS 256

// Shape of the output and the element strides of up to two inputs over it (0 where an input is broadcast).
// Passed by value; the Java side packs it as 1 + 3 * ZEST_MAX_RANK little-endian ints (see KernelLayout).
struct Layout {
    int rank;
    int shape[ZEST_MAX_RANK];
    int stridesA[ZEST_MAX_RANK];
    int stridesB[ZEST_MAX_RANK];
};

// Offsets of output element i in inputs A and B.
__device__ __forceinline__ void layout_offsets(const Layout& l, int i, int& a, int& b) {
    int rem = i;
    for (int d = l.rank - 1; d >= 0; --d) {
        int c = rem % l.shape[d];
        rem /= l.shape[d];
        a += c * l.stridesA[d];
        b += c * l.stridesB[d];
    }
}

#define GRID_STRIDE_LOOP(i, n) for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

__device__ __forceinline__ double warp_sum(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, o));
    return v;
}

// Sum over the block, returned to every thread. `scratch` holds 32 doubles; blockDim.x is a multiple of 32.
__device__ __forceinline__ double block_sum(double v, double* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = threadIdx.x < warps ? scratch[threadIdx.x] : 0.0;
    if (warp == 0) v = warp_sum(v);
    if (threadIdx.x == 0) scratch[0] = v;
    __syncthreads();
    double r = scratch[0];
    __syncthreads();
    return r;
}

// Maximum over the block (NaN-free inputs assumed; -inf for an all -inf row), returned to every thread.
__device__ __forceinline__ float block_max(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = threadIdx.x < warps ? scratch[threadIdx.x] : -INFINITY;
    if (warp == 0) v = warp_max(v);
    if (threadIdx.x == 0) scratch[0] = v;
    __syncthreads();
    float r = scratch[0];
    __syncthreads();
    return r;
}
