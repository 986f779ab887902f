package zest.engine.cpu;

import zest.engine.Tensor;

/**
 * Loops for pointwise maths on float arrays. The op is chosen outside the loop so each loop body stays
 * monomorphic and the JIT can vectorise it.
 */
public final class ElementwiseKernels {
    private ElementwiseKernels() {}

    public enum Binary { ADD, SUB, MUL, DIV, MAX, MIN, GE, GT }

    public enum Unary {
        ADD_SCALAR, MUL_SCALAR, EXP, LOG, SQRT, RSQRT, POW, ABS, SIGN, SIGMOID, TANH, SILU, SILU_GRAD, GELU, GELU_GRAD,
        GELU_TANH, GELU_TANH_GRAD, QUICK_GELU, QUICK_GELU_GRAD, CLAMP, INSIDE, NONZERO
    }

    private static final int PARALLEL_THRESHOLD = 1 << 16;

    public static void binaryContiguous(Binary op, float[] a, float[] b, float[] out) {
        Parallel.forRange(out.length, PARALLEL_THRESHOLD, (from, to) -> binaryRun(op, a, from, 1, b, from, 1, out, from, to - from));
    }

    /** a and b are already expanded to out's shape (strides may be 0). */
    public static void binaryStrided(Binary op, Tensor a, Tensor b, float[] out) {
        if (out.length == 0) return; // an empty result (a 0-size dim would make the inner run 0 long)
        int[] shape = a.shape();
        int[] sa = a.strides(), sb = b.strides();
        // merge adjacent dims that both operands walk uniformly, so inner loops run long
        int rank = shape.length;
        int[] cs = new int[rank], ca = new int[rank], cb = new int[rank];
        int r = 0;
        for (int d = 0; d < rank; d++) {
            if (shape[d] == 1) continue;
            if (r > 0 && ca[r - 1] == sa[d] * shape[d] && cb[r - 1] == sb[d] * shape[d]) {
                cs[r - 1] *= shape[d];
                ca[r - 1] = sa[d];
                cb[r - 1] = sb[d];
            } else {
                cs[r] = shape[d];
                ca[r] = sa[d];
                cb[r] = sb[d];
                r++;
            }
        }
        float[] av = storageArray(a), bv = storageArray(b);
        if (r == 0) { out[0] = apply(op, av[a.offset()], bv[b.offset()]); return; }
        int inner = cs[r - 1], ia = ca[r - 1], ib = cb[r - 1];
        int outer = out.length / inner;
        final int rr = r;
        Parallel.forRange(outer, Math.max(1, PARALLEL_THRESHOLD / Math.max(inner, 1)), (from, to) -> {
            for (int o = from; o < to; o++) {
                // decompose o into the outer coordinates
                int rem = o, offA = a.offset(), offB = b.offset();
                for (int d = rr - 2; d >= 0; d--) {
                    int i = rem % cs[d];
                    rem /= cs[d];
                    offA += i * ca[d];
                    offB += i * cb[d];
                }
                binaryRun(op, av, offA, ia, bv, offB, ib, out, o * inner, inner);
            }
        });
    }

    private static float[] storageArray(Tensor t) {
        if (t.storage() instanceof zest.engine.Storage.Floats f) return f.array();
        // memory-mapped weights: the segment's cached widened copy, not a fresh widening of the whole file per op
        if (t.storage() instanceof zest.engine.Storage.Segment s && s.dtype().isFloating()) return s.widenAll();
        // rare: other storage; materialise the whole storage once
        int n = (int) t.storage().length();
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = t.storage().getFloat(i);
        return v;
    }

    private static void binaryRun(Binary op, float[] a, int oa, int sa, float[] b, int ob, int sb, float[] out, int oo, int n) {
        if (sa == 1 && sb == 1) {
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) out[oo + i] = a[oa + i] + b[ob + i]; }
                case SUB -> { for (int i = 0; i < n; i++) out[oo + i] = a[oa + i] - b[ob + i]; }
                case MUL -> { for (int i = 0; i < n; i++) out[oo + i] = a[oa + i] * b[ob + i]; }
                case DIV -> { for (int i = 0; i < n; i++) out[oo + i] = a[oa + i] / b[ob + i]; }
                default -> { for (int i = 0; i < n; i++) out[oo + i] = apply(op, a[oa + i], b[ob + i]); }
            }
        } else if (sa == 1 && sb == 0) {
            float c = b[ob];
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) out[oo + i] = a[oa + i] + c; }
                case SUB -> { for (int i = 0; i < n; i++) out[oo + i] = a[oa + i] - c; }
                case MUL -> { for (int i = 0; i < n; i++) out[oo + i] = a[oa + i] * c; }
                case DIV -> { for (int i = 0; i < n; i++) out[oo + i] = a[oa + i] / c; }
                default -> { for (int i = 0; i < n; i++) out[oo + i] = apply(op, a[oa + i], c); }
            }
        } else {
            for (int i = 0; i < n; i++) out[oo + i] = apply(op, a[oa + i * sa], b[ob + i * sb]);
        }
    }

    private static float apply(Binary op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case MAX -> Float.isNaN(x) || Float.isNaN(y) ? Float.NaN : Math.max(x, y);
            case MIN -> Float.isNaN(x) || Float.isNaN(y) ? Float.NaN : Math.min(x, y);
            case GE -> x >= y ? 1f : 0f;
            case GT -> x > y ? 1f : 0f;
        };
    }

    public static void unary(Unary op, float[] in, float[] out, float p, float q) {
        Parallel.forRange(in.length, PARALLEL_THRESHOLD, (from, to) -> unaryRun(op, in, out, from, to, p, q));
    }

    private static void unaryRun(Unary op, float[] x, float[] y, int from, int to, float p, float q) {
        switch (op) {
            case ADD_SCALAR -> { for (int i = from; i < to; i++) y[i] = x[i] + p; }
            case MUL_SCALAR -> { for (int i = from; i < to; i++) y[i] = x[i] * p; }
            case EXP -> { for (int i = from; i < to; i++) y[i] = (float) Math.exp(x[i]); }
            case LOG -> { for (int i = from; i < to; i++) y[i] = (float) Math.log(x[i]); }
            case SQRT -> { for (int i = from; i < to; i++) y[i] = (float) Math.sqrt(x[i]); }
            case RSQRT -> { for (int i = from; i < to; i++) y[i] = (float) (1.0 / Math.sqrt(x[i])); }
            case POW -> {
                if (p == 2f) for (int i = from; i < to; i++) y[i] = x[i] * x[i];
                else for (int i = from; i < to; i++) y[i] = (float) Math.pow(x[i], p);
            }
            case ABS -> { for (int i = from; i < to; i++) y[i] = Math.abs(x[i]); }
            case SIGN -> { for (int i = from; i < to; i++) y[i] = Math.signum(x[i]); }
            case SIGMOID -> { int i = SigmoidFamily.sigmoid(x, y, from, to); for (; i < to; i++) y[i] = sigmoidTail(x[i]); }
            case TANH -> { for (int i = from; i < to; i++) y[i] = (float) Math.tanh(x[i]); }
            case SILU -> { int i = SigmoidFamily.silu(x, y, from, to); for (; i < to; i++) y[i] = x[i] * sigmoidTail(x[i]); }
            case SILU_GRAD -> {
                for (int i = SigmoidFamily.siluGrad(x, y, from, to); i < to; i++) {
                    float s = sigmoidTail(x[i]);
                    y[i] = s * (1f + x[i] * (1f - s));
                }
            }
            case GELU -> { for (int i = GeluVectors.gelu(x, y, from, to); i < to; i++) y[i] = MathFunctions.gelu(x[i]); }
            case GELU_GRAD -> { for (int i = GeluVectors.geluGrad(x, y, from, to); i < to; i++) y[i] = MathFunctions.geluGrad(x[i]); }
            case GELU_TANH -> {
                for (int i = from; i < to; i++) {
                    double v = x[i];
                    y[i] = (float) (0.5 * v * (1.0 + Math.tanh(MathFunctions.SQRT_2_OVER_PI * (v + 0.044715 * v * v * v))));
                }
            }
            case GELU_TANH_GRAD -> {
                for (int i = from; i < to; i++) {
                    double v = x[i];
                    double u = MathFunctions.SQRT_2_OVER_PI * (v + 0.044715 * v * v * v);
                    double t = Math.tanh(u);
                    double du = MathFunctions.SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
                    y[i] = (float) (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
                }
            }
            case QUICK_GELU -> { int i = SigmoidFamily.quickGelu(x, y, from, to); for (; i < to; i++) y[i] = x[i] * sigmoidTail(1.702f * x[i]); }
            case QUICK_GELU_GRAD -> {
                for (int i = SigmoidFamily.quickGeluGrad(x, y, from, to); i < to; i++) {
                    float s = sigmoidTail(1.702f * x[i]);
                    y[i] = s + 1.702f * x[i] * s * (1f - s);
                }
            }
            case CLAMP -> { for (int i = from; i < to; i++) y[i] = Float.isNaN(x[i]) ? x[i] : Math.min(Math.max(x[i], p), q); }
            case INSIDE -> { for (int i = from; i < to; i++) y[i] = x[i] >= p && x[i] <= q ? 1f : 0f; }
            case NONZERO -> { for (int i = from; i < to; i++) y[i] = x[i] != 0f ? 1f : 0f; }
        }
    }

    /** The scalar twin of {@link SigmoidFamily}'s vector sigmoid, for loop tails: same formula, same bits. */
    static float sigmoidTail(float v) {
        return 1f / (1f + VectorMath.exp(-v));
    }
}
