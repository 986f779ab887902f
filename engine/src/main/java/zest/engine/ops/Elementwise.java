package zest.engine.ops;

import java.util.Arrays;
import zest.engine.Shapes;
import zest.engine.Tensor;
import zest.engine.cpu.ElementwiseKernels;
import zest.engine.cpu.ElementwiseKernels.Binary;
import zest.engine.cpu.ElementwiseKernels.Unary;

/** Broadcasting arithmetic and pointwise functions, each with its gradient rule. */
public final class Elementwise {
    private Elementwise() {}

    // ---------------------------------------------------------------- binary, broadcasting

    public static Tensor add(Tensor a, Tensor b) {
        Tensor out = binary(Binary.ADD, a, b);
        return out.recordIfNeeded("add", g -> new Tensor[] {
                a.requiresGrad() ? Reductions.sumToShape(g, a.shape()) : null,
                b.requiresGrad() ? Reductions.sumToShape(g, b.shape()) : null}, a, b);
    }

    public static Tensor sub(Tensor a, Tensor b) {
        Tensor out = binary(Binary.SUB, a, b);
        return out.recordIfNeeded("sub", g -> new Tensor[] {
                a.requiresGrad() ? Reductions.sumToShape(g, a.shape()) : null,
                b.requiresGrad() ? Reductions.sumToShape(mulScalar(g, -1f), b.shape()) : null}, a, b);
    }

    public static Tensor mul(Tensor a, Tensor b) {
        Tensor out = binary(Binary.MUL, a, b);
        return out.recordIfNeeded("mul", g -> new Tensor[] {
                a.requiresGrad() ? Reductions.sumToShape(mul(g, b.detach()), a.shape()) : null,
                b.requiresGrad() ? Reductions.sumToShape(mul(g, a.detach()), b.shape()) : null}, a, b);
    }

    public static Tensor div(Tensor a, Tensor b) {
        Tensor out = binary(Binary.DIV, a, b);
        return out.recordIfNeeded("div", g -> {
            Tensor bd = b.detach();
            Tensor ga = a.requiresGrad() ? Reductions.sumToShape(div(g, bd), a.shape()) : null;
            Tensor gb = b.requiresGrad()
                    ? Reductions.sumToShape(mulScalar(div(mul(g, out.detach()), bd), -1f), b.shape()) : null;
            return new Tensor[] {ga, gb};
        }, a, b);
    }

    /** Element-wise maximum; the gradient goes to the larger operand, split evenly where they tie (as torch.maximum). */
    public static Tensor maximum(Tensor a, Tensor b) {
        Tensor out = binary(Binary.MAX, a, b);
        return out.recordIfNeeded("maximum", g -> extremumGrads(g, a, b, a, b), a, b);
    }

    /** Element-wise minimum; the gradient goes to the smaller operand, split evenly where they tie (as torch.minimum). */
    public static Tensor minimum(Tensor a, Tensor b) {
        Tensor out = binary(Binary.MIN, a, b);
        return out.recordIfNeeded("minimum", g -> extremumGrads(g, a, b, b, a), a, b);
    }

    /** Gradients of max/min: share of a is 1 where hi &gt; lo, ½ where they tie, 0 elsewhere; b gets the rest. */
    private static Tensor[] extremumGrads(Tensor g, Tensor a, Tensor b, Tensor hi, Tensor lo) {
        Tensor h = hi.detach(), l = lo.detach();
        Tensor shareA = mulScalar(add(binary(Binary.GE, h, l), binary(Binary.GT, h, l)), 0.5f);
        Tensor ga = a.requiresGrad() ? Reductions.sumToShape(mul(g, shareA), a.shape()) : null;
        Tensor gb = b.requiresGrad() ? Reductions.sumToShape(mul(g, addScalar(mulScalar(shareA, -1f), 1f)), b.shape()) : null;
        return new Tensor[] {ga, gb};
    }

    /** Runs a broadcasting binary kernel (no graph). */
    static Tensor binary(Binary op, Tensor a, Tensor b) {
        if (OnDevice.any(a, b)) return OnDevice.binary(op, a, b);
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        float[] out = new float[Shapes.numelInt(shape)];
        Tensor ea = a.dtype().isFloating() ? a : a.toF32();
        Tensor eb = b.dtype().isFloating() ? b : b.toF32();
        if (Arrays.equals(a.shape(), shape) && Arrays.equals(b.shape(), shape) && ea.isContiguous() && eb.isContiguous()) {
            ElementwiseKernels.binaryContiguous(op, ea.floats(), eb.floats(), out);
        } else {
            ElementwiseKernels.binaryStrided(op, ea.expand(shape).detach(), eb.expand(shape).detach(), out);
        }
        return Tensor.of(out, shape);
    }

    // ---------------------------------------------------------------- with a scalar

    public static Tensor addScalar(Tensor a, float c) {
        Tensor out = unary(Unary.ADD_SCALAR, a, c, 0);
        return out.recordIfNeeded("addScalar", g -> new Tensor[] {g}, a);
    }

    public static Tensor mulScalar(Tensor a, float c) {
        Tensor out = unary(Unary.MUL_SCALAR, a, c, 0);
        return out.recordIfNeeded("mulScalar", g -> new Tensor[] {mulScalar(g, c)}, a);
    }

    /** c / a. */
    public static Tensor rdivScalar(float c, Tensor a) {
        return mulScalar(pow(a, -1f), c);
    }

    // ---------------------------------------------------------------- pointwise functions

    public static Tensor exp(Tensor a) {
        Tensor out = unary(Unary.EXP, a, 0, 0);
        return out.recordIfNeeded("exp", g -> new Tensor[] {mul(g, out.detach())}, a);
    }

    public static Tensor log(Tensor a) {
        Tensor out = unary(Unary.LOG, a, 0, 0);
        return out.recordIfNeeded("log", g -> new Tensor[] {div(g, a.detach())}, a);
    }

    public static Tensor sqrt(Tensor a) {
        Tensor out = unary(Unary.SQRT, a, 0, 0);
        return out.recordIfNeeded("sqrt", g -> new Tensor[] {div(mulScalar(g, 0.5f), out.detach())}, a);
    }

    public static Tensor rsqrt(Tensor a) {
        Tensor out = unary(Unary.RSQRT, a, 0, 0);
        // d/dx x^-1/2 = -1/2 x^-3/2 = -1/2 out^3
        return out.recordIfNeeded("rsqrt", g -> new Tensor[] {mul(g, mulScalar(pow(out.detach(), 3f), -0.5f))}, a);
    }

    public static Tensor pow(Tensor a, float p) {
        Tensor out = unary(Unary.POW, a, p, 0);
        // p = 0: the gradient is 0 everywhere (not 0·x⁻¹, which is NaN at x = 0), as torch.pow
        return out.recordIfNeeded("pow", g -> new Tensor[] {
                p == 0f ? Tensor.zeros(a.shape()) : mul(g, mulScalar(pow(a.detach(), p - 1f), p))}, a);
    }

    public static Tensor abs(Tensor a) {
        Tensor out = unary(Unary.ABS, a, 0, 0);
        return out.recordIfNeeded("abs", g -> new Tensor[] {mul(g, unary(Unary.SIGN, a.detach(), 0, 0))}, a);
    }

    public static Tensor sigmoid(Tensor a) {
        Tensor out = unary(Unary.SIGMOID, a, 0, 0);
        return out.recordIfNeeded("sigmoid", g -> {
            Tensor s = out.detach();
            return new Tensor[] {mul(g, mul(s, addScalar(mulScalar(s, -1f), 1f)))};
        }, a);
    }

    public static Tensor tanh(Tensor a) {
        Tensor out = unary(Unary.TANH, a, 0, 0);
        return out.recordIfNeeded("tanh", g -> {
            Tensor t = out.detach();
            return new Tensor[] {mul(g, addScalar(mulScalar(mul(t, t), -1f), 1f))};
        }, a);
    }

    /** x · sigmoid(x). */
    public static Tensor silu(Tensor a) {
        Tensor out = unary(Unary.SILU, a, 0, 0);
        return out.recordIfNeeded("silu", g -> new Tensor[] {mul(g, unary(Unary.SILU_GRAD, a.detach(), 0, 0))}, a);
    }

    /** Exact GELU, 0.5·x·(1 + erf(x/√2)). */
    public static Tensor gelu(Tensor a) {
        Tensor out = unary(Unary.GELU, a, 0, 0);
        return out.recordIfNeeded("gelu", g -> new Tensor[] {mul(g, unary(Unary.GELU_GRAD, a.detach(), 0, 0))}, a);
    }

    /**
     * GEGLU: h = [value | gate] along the last dimension (2·inner wide) → value · gelu(gate), [..., inner], in one
     * pass, with the same bits as {@code mul(chunk 0, gelu(chunk 1))} and the same gradient.
     */
    public static Tensor geglu(Tensor h) {
        int[] shape = h.shape();
        if (shape.length == 0 || shape[shape.length - 1] % 2 != 0)
            throw new IllegalArgumentException("geglu needs an even last dimension, got shape " + Arrays.toString(shape));
        int inner = shape[shape.length - 1] / 2;
        if (OnDevice.any(h) || !h.dtype().isFloating()) {
            java.util.List<Tensor> halves = ShapeOps.chunk(h, 2, -1);
            return mul(halves.get(0), gelu(halves.get(1)));
        }
        int[] outShape = shape.clone();
        outShape[shape.length - 1] = inner;
        Tensor hc = h.detach().contiguous();
        float[] hv = hc.floats();
        int rows = inner == 0 ? 0 : hv.length / (2 * inner);
        float[] out = new float[rows * inner];
        zest.engine.cpu.GegluKernels.forward(hv, 0, rows, inner, out);
        return Tensor.of(out, outShape).recordIfNeeded("geglu", g -> {
            float[] grad = new float[hv.length];
            zest.engine.cpu.GegluKernels.backward(hv, 0, g.detach().contiguous().floats(), rows, inner, grad);
            return new Tensor[] {Tensor.of(grad, shape)};
        }, h);
    }

    /** GELU with the tanh approximation (PyTorch approximate="tanh"). */
    public static Tensor geluTanh(Tensor a) {
        Tensor out = unary(Unary.GELU_TANH, a, 0, 0);
        return out.recordIfNeeded("geluTanh", g -> new Tensor[] {mul(g, unary(Unary.GELU_TANH_GRAD, a.detach(), 0, 0))}, a);
    }

    /** CLIP's quick_gelu, x · sigmoid(1.702 x). */
    public static Tensor quickGelu(Tensor a) {
        Tensor out = unary(Unary.QUICK_GELU, a, 0, 0);
        return out.recordIfNeeded("quickGelu", g -> new Tensor[] {mul(g, unary(Unary.QUICK_GELU_GRAD, a.detach(), 0, 0))}, a);
    }

    /** Limits values to [min, max]; the gradient passes where min ≤ x ≤ max (as PyTorch). */
    public static Tensor clamp(Tensor a, float min, float max) {
        Tensor out = unary(Unary.CLAMP, a, min, max);
        return out.recordIfNeeded("clamp", g -> new Tensor[] {mul(g, unary(Unary.INSIDE, a.detach(), min, max))}, a);
    }

    /** cond ? a : b, element-wise with broadcasting; cond is read as (value != 0). */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Tensor c = unary(Unary.NONZERO, cond.dtype().isFloating() ? cond : cond.toF32(), 0, 0);
        // a·c + b·(1-c) would turn inf·0 into NaN, so select explicitly
        int[] shape = Shapes.broadcast(Shapes.broadcast(c.shape(), a.shape()), b.shape());
        Tensor res;
        if (OnDevice.any(c, a, b)) {
            res = OnDevice.where(c, a, b, shape);
        } else {
            float[] cv = c.expand(shape).floats(), av = a.detach().expand(shape).floats(), bv = b.detach().expand(shape).floats();
            float[] out = new float[cv.length];
            for (int i = 0; i < out.length; i++) out[i] = cv[i] != 0 ? av[i] : bv[i];
            res = Tensor.of(out, shape);
        }
        return res.recordIfNeeded("where", g -> new Tensor[] {null,
                a.requiresGrad() ? Reductions.sumToShape(mul(g, c), a.shape()) : null,
                b.requiresGrad() ? Reductions.sumToShape(mul(g, addScalar(mulScalar(c, -1f), 1f)), b.shape()) : null}, null, a, b);
    }

    /** a with {@code value} wherever mask != 0 (mask broadcasts to a). */
    public static Tensor maskedFill(Tensor a, Tensor mask, float value) {
        return where(mask, Tensor.scalar(value), a);
    }

    /** 1 where a &gt; b else 0 (no gradient). */
    public static Tensor greater(Tensor a, Tensor b) {
        Tensor ge = binary(Binary.GT, a.detach(), b.detach());
        return ge;
    }

    static Tensor unary(Unary op, Tensor a, float p, float q) {
        if (OnDevice.any(a)) return OnDevice.unary(op, a, p, q);
        Tensor src = a.dtype().isFloating() ? a : a.toF32();
        float[] in = src.floats();
        float[] out = new float[in.length];
        ElementwiseKernels.unary(op, in, out, p, q);
        return Tensor.of(out, a.shape());
    }
}
