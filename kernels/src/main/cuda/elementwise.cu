// Broadcasting binary ops and pointwise functions, FP32. Op codes are the ordinals of the engine's
// ElementwiseKernels.Binary and .Unary enums (checked by KernelOpCodesTest); formulas follow the CPU kernels.
#include "common.cuh"

extern "C" __global__ void binary_f32(int op, int n, const float* a, int aOffset, const float* b, int bOffset,
                                      float* out, Layout l) {
    GRID_STRIDE_LOOP(i, n) {
        int ia = aOffset, ib = bOffset;
        layout_offsets(l, i, ia, ib);
        float x = a[ia], y = b[ib], r;
        switch (op) {
            case 0: r = x + y; break;                                            // ADD
            case 1: r = x - y; break;                                            // SUB
            case 2: r = x * y; break;                                            // MUL
            case 3: r = x / y; break;                                            // DIV
            case 4: r = (isnan(x) || isnan(y)) ? NAN : fmaxf(x, y); break;       // MAX (NaN propagates, as Java)
            case 5: r = (isnan(x) || isnan(y)) ? NAN : fminf(x, y); break;       // MIN
            case 6: r = x >= y ? 1.0f : 0.0f; break;                             // GE
            default: r = x > y ? 1.0f : 0.0f; break;                             // GT
        }
        out[i] = r;
    }
}

__device__ __forceinline__ float sigmoidf(float v) { return 1.0f / (1.0f + expf(-v)); }

#define INV_SQRT2 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794
#define SQRT_2_OVER_PI 0.79788456080286535588

extern "C" __global__ void unary_f32(int op, int n, const float* in, float* out, float p, float q) {
    GRID_STRIDE_LOOP(i, n) {
        float x = in[i], r;
        double v = x;
        switch (op) {
            case 0: r = x + p; break;                                                    // ADD_SCALAR
            case 1: r = x * p; break;                                                    // MUL_SCALAR
            case 2: r = (float) exp(v); break;                                           // EXP
            case 3: r = (float) log(v); break;                                           // LOG
            case 4: r = (float) sqrt(v); break;                                          // SQRT
            case 5: r = (float) (1.0 / sqrt(v)); break;                                  // RSQRT
            case 6: r = p == 2.0f ? x * x : (float) pow(v, (double) p); break;           // POW
            case 7: r = fabsf(x); break;                                                 // ABS
            case 8: r = x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x); break;                 // SIGN (keeps ±0 and NaN)
            case 9: r = sigmoidf(x); break;                                              // SIGMOID
            case 10: r = (float) tanh(v); break;                                         // TANH
            case 11: r = x * sigmoidf(x); break;                                         // SILU
            case 12: { float s = sigmoidf(x); r = s * (1.0f + x * (1.0f - s)); break; }  // SILU_GRAD
            case 13: r = (float) (0.5 * v * (1.0 + erf(v * INV_SQRT2))); break;          // GELU
            case 14: r = (float) (0.5 * (1.0 + erf(v * INV_SQRT2)) + v * exp(-0.5 * v * v) * INV_SQRT_2PI); break; // GELU_GRAD
            case 15: r = (float) (0.5 * v * (1.0 + tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)))); break;    // GELU_TANH
            case 16: {                                                                   // GELU_TANH_GRAD
                double u = SQRT_2_OVER_PI * (v + 0.044715 * v * v * v), t = tanh(u);
                double du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
                r = (float) (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
                break;
            }
            case 17: r = x * sigmoidf(1.702f * x); break;                                // QUICK_GELU
            case 18: { float s = sigmoidf(1.702f * x); r = s + 1.702f * x * s * (1.0f - s); break; } // QUICK_GELU_GRAD
            case 19: r = isnan(x) ? x : fminf(fmaxf(x, p), q); break;                    // CLAMP
            case 20: r = (x >= p && x <= q) ? 1.0f : 0.0f; break;                        // INSIDE
            default: r = x != 0.0f ? 1.0f : 0.0f; break;                                 // NONZERO
        }
        out[i] = r;
    }
}

// cond ? a : b with broadcasting: cond, a, b already expanded to the output (strides in three layouts).
extern "C" __global__ void where_f32(int n, const float* cond, int cOffset, const float* a, int aOffset,
                                     const float* b, int bOffset, float* out, Layout condAndA, Layout condAndB) {
    GRID_STRIDE_LOOP(i, n) {
        int ic = cOffset, ia = aOffset, ic2 = 0, ib = bOffset;
        layout_offsets(condAndA, i, ic, ia);
        layout_offsets(condAndB, i, ic2, ib);
        out[i] = cond[ic] != 0.0f ? a[ia] : b[ib];
    }
}

extern "C" __global__ void fill_f32(int n, float* out, float value) {
    GRID_STRIDE_LOOP(i, n) out[i] = value;
}
