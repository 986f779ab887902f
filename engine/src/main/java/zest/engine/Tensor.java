package zest.engine;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import zest.engine.autograd.Backprop;
import zest.engine.autograd.Node;
import zest.engine.device.Backends;
import zest.engine.device.Device;
import zest.engine.ops.Elementwise;
import zest.engine.ops.LinearAlgebra;
import zest.engine.ops.Reductions;
import zest.engine.ops.Softmax;

/**
 * An n-dimensional array: shape, strides and offset (in elements) over a {@link Storage}, plus the autograd
 * state. Views (reshape of contiguous data, permute, transpose, narrow, expand, squeeze, unsqueeze) share the
 * storage; every op returns a new tensor and, when grad mode is on and an input requires grad, records a
 * {@link Node} so {@link #backward()} can differentiate it.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    private boolean requiresGrad;
    private boolean retainGrad;
    private Tensor grad;
    private Node node;
    /** True once backward dropped this tensor's node: backpropagating through it again is an error, not a leaf. */
    private boolean graphReleased;

    private Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    // ---------------------------------------------------------------- creation

    /** Wraps {@code data} (not copied: the tensor owns it from now on) as a contiguous F32 tensor. */
    public static Tensor of(float[] data, int... shape) {
        int[] s = shape.clone();
        long n = Shapes.numel(s);
        if (n != data.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " needs " + n + " values, got " + data.length);
        return new Tensor(new Storage.Floats(data), s, Shapes.contiguousStrides(s), 0);
    }

    /** A 0-dimensional tensor holding one value. */
    public static Tensor scalar(float value) { return of(new float[] {value}); }

    public static Tensor zeros(int... shape) { return of(new float[Shapes.numelInt(shape)], shape); }

    public static Tensor ones(int... shape) { return full(1f, shape); }

    public static Tensor full(float value, int... shape) {
        float[] d = new float[Shapes.numelInt(shape)];
        Arrays.fill(d, value);
        return of(d, shape);
    }

    public static Tensor zerosLike(Tensor t) { return zeros(t.shape); }

    public static Tensor onesLike(Tensor t) { return ones(t.shape); }

    /** 0, 1, ..., n-1 as F32. */
    public static Tensor arange(int n) { return arange(0, n, 1); }

    /** start, start+step, ... below end, as F32. */
    public static Tensor arange(float start, float end, float step) {
        if (step == 0) throw new IllegalArgumentException("arange step must not be 0");
        int n = Math.max(0, (int) Math.ceil((end - start) / step));
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = start + i * step;
        return of(d, n);
    }

    /** Integer ids (I64). */
    public static Tensor ofLongs(long[] data, int... shape) {
        int[] s = shape.clone();
        if (Shapes.numel(s) != data.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " needs " + Shapes.numel(s) + " values, got " + data.length);
        return new Tensor(new Storage.Longs(data, DType.I64), s, Shapes.contiguousStrides(s), 0);
    }

    /** A contiguous tensor over raw little-endian data of the given dtype (e.g. a memory-mapped file region). */
    public static Tensor ofSegment(MemorySegment segment, DType dtype, int... shape) {
        int[] s = shape.clone();
        Storage.Segment st = new Storage.Segment(segment, dtype);
        if (Shapes.numel(s) != st.length())
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " needs " + Shapes.numel(s)
                    + " elements, the segment holds " + st.length() + " of " + dtype);
        return new Tensor(st, s, Shapes.contiguousStrides(s), 0);
    }

    /** A view with explicit shape/strides/offset over a storage (no checks beyond bounds). */
    public static Tensor view(Storage storage, int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length) throw new IllegalArgumentException("shape and strides differ in rank");
        long maxIndex = offset;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0) throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
            if (shape[d] == 0) { maxIndex = -1; break; }
            maxIndex += (long) (shape[d] - 1) * strides[d];
        }
        if (offset < 0 || maxIndex >= storage.length())
            throw new IllegalArgumentException("view " + Arrays.toString(shape) + " strides " + Arrays.toString(strides)
                    + " offset " + offset + " reaches past a storage of " + storage.length() + " elements");
        return new Tensor(storage, shape.clone(), strides.clone(), offset);
    }

    // ---------------------------------------------------------------- metadata

    public int[] shape() { return shape.clone(); }

    public int dim() { return shape.length; }

    /** Size of dimension d (negative d counts from the end). */
    public int size(int d) { return shape[Shapes.normDim(d, shape.length)]; }

    public int[] strides() { return strides.clone(); }

    public int stride(int d) { return strides[Shapes.normDim(d, shape.length)]; }

    public int offset() { return offset; }

    public Storage storage() { return storage; }

    public DType dtype() { return storage.dtype(); }

    public int numel() { return Shapes.numelInt(shape); }

    public boolean isContiguous() { return Shapes.isContiguous(shape, strides); }

    /** Where the storage lives: {@link Device#CPU}, or the accelerator of a {@link Storage.OnDevice}. */
    public Device device() {
        return storage instanceof Storage.OnDevice d ? d.memory().device() : Device.CPU;
    }

    /**
     * This tensor on {@code target}: itself when already there, else a contiguous copy (16-bit weights keep their
     * dtype on an accelerator; the CPU receives F32). Differentiable: the gradient moves back to this tensor's device.
     */
    public Tensor to(Device target) {
        Device here = device();
        if (here.equals(target)) return this;
        Tensor moved = target.isCpu() ? Tensor.of(floats(), shape)
                : Backends.of(target.kind()).upload(here.isCpu() ? this : to(Device.CPU), target);
        return moved.recordIfNeeded("to(" + target + ")", g -> new Tensor[] {g.to(here)}, this);
    }

    // ---------------------------------------------------------------- data access

    /**
     * The values in row-major order as F32. Returns the backing array itself when this tensor is a contiguous
     * F32 tensor covering all of it (callers must not modify it), otherwise a fresh (widened) copy.
     */
    public float[] floats() {
        if (storage instanceof Storage.OnDevice) return Backends.of(this).download(this);
        if (storage instanceof Storage.Floats f && isContiguous() && offset == 0 && f.data.length == numel())
            return f.data;
        if (storage instanceof Storage.Segment s && isContiguous() && offset == 0 && s.length() == numel())
            return s.widenAll();
        return Strided.gather(this);
    }

    /** A fresh row-major copy of the values as F32. */
    public float[] toFloatArray() {
        boolean shared = isContiguous() && offset == 0 && storage.length() == numel()
                && (storage instanceof Storage.Floats || storage instanceof Storage.Segment);
        float[] f = floats();
        return shared ? f.clone() : f;
    }

    /** A fresh row-major copy of the values as longs. */
    public long[] toLongArray() {
        long[] out = new long[numel()];
        Strided.forEachIndex(this, (i, at) -> out[i] = storage.getLong(at));
        return out;
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalStateException("item() needs one element, shape is " + Arrays.toString(shape));
        return storage.getFloat(offset);
    }

    /** The element at the given indices. */
    public float get(int... index) {
        if (index.length != shape.length)
            throw new IllegalArgumentException("index of rank " + index.length + " for a tensor of rank " + shape.length);
        long at = offset;
        for (int d = 0; d < index.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d])
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside shape " + Arrays.toString(shape));
            at += (long) index[d] * strides[d];
        }
        return storage.getFloat((int) at);
    }

    /** This tensor as contiguous F32 (a copy only when needed). Differentiable. */
    public Tensor toF32() {
        if (dtype() == DType.F32) return this;
        if (storage instanceof Storage.OnDevice) return contiguous();
        Tensor out = Tensor.of(floats().clone(), shape);
        return out.recordIfNeeded("toF32", g -> new Tensor[] {g}, this);
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks a leaf as needing its gradient; returns this. */
    public Tensor requiresGrad(boolean value) {
        if (node != null && !value) throw new IllegalStateException("cannot turn off requiresGrad on a non-leaf; use detach()");
        if (value && !dtype().isFloating()) throw new IllegalStateException("only floating tensors can require grad, this is " + dtype());
        this.requiresGrad = value;
        return this;
    }

    /** Keeps this non-leaf tensor's gradient in {@link #grad()} after backward. */
    public Tensor retainGrad() { this.retainGrad = true; return this; }

    public boolean retainsGrad() { return retainGrad; }

    /** The accumulated gradient, or null. */
    public Tensor grad() { return grad; }

    public void zeroGrad() { grad = null; }

    /** The op that produced this tensor, or null for leaves and tensors made without grad. */
    public Node gradNode() { return node; }

    /** Adds g to the stored gradient (called by backprop). */
    public void accumulateGrad(Tensor g) {
        Tensor c = g.contiguous();
        // a gradient computed elsewhere (a CPU operand's branch) is kept where this tensor lives
        if (!c.device().equals(device())) c = c.detach().to(device());
        grad = grad == null ? c : Elementwise.add(grad, c);
    }

    /** Drops the recorded op so saved activations can be collected. */
    public void releaseGraph() {
        if (node != null) graphReleased = true;
        node = null;
    }

    /** Whether a backward pass already released the op that produced this tensor (so its history is gone). */
    public boolean graphReleased() { return graphReleased; }

    /** The same data without history. */
    public Tensor detach() { return new Tensor(storage, shape, strides, offset); }

    /** Back-propagates from this one-element tensor (gradient 1). */
    public void backward() {
        if (numel() != 1)
            throw new IllegalStateException("backward() without a gradient needs a one-element tensor, shape is " + Arrays.toString(shape));
        backward(Tensor.full(1f, shape).to(device()), false);
    }

    /** Back-propagates the given upstream gradient (same shape as this). */
    public void backward(Tensor gradient) { backward(gradient, false); }

    public void backward(Tensor gradient, boolean retainGraph) {
        if (!requiresGrad) throw new IllegalStateException("backward() on a tensor that does not require grad (no graph was recorded)");
        if (!Arrays.equals(gradient.shape, shape))
            throw new IllegalArgumentException("gradient shape " + Arrays.toString(gradient.shape) + " differs from " + Arrays.toString(shape));
        Backprop.run(this, gradient.device().equals(device()) ? gradient : gradient.detach().to(device()), retainGraph);
    }

    /**
     * Makes the result of an op: a contiguous F32 tensor over {@code data} that records {@code backward} when grad
     * mode is on and one of {@code inputs} requires grad.
     */
    public static Tensor fromOp(float[] data, int[] shape, String op, Node.Backward backward, Tensor... inputs) {
        Tensor out = Tensor.of(data, shape);
        return out.recordIfNeeded(op, backward, inputs);
    }

    /** Attaches the op to this fresh result if the graph must be recorded; returns this. */
    public Tensor recordIfNeeded(String op, Node.Backward backward, Tensor... inputs) {
        if (!GradMode.isEnabled()) return this;
        for (Tensor in : inputs) {
            if (in != null && in.requiresGrad) {
                this.requiresGrad = true;
                this.node = new Node(op, inputs, backward);
                return this;
            }
        }
        return this;
    }

    // ---------------------------------------------------------------- views

    /** Same data, new shape (one dimension may be -1). A view when contiguous, else a copy. */
    public Tensor reshape(int... newShape) {
        int[] s = Shapes.inferShape(newShape, numel(), shape);
        if (Arrays.equals(s, shape)) return this;
        Tensor src = contiguous();
        Tensor out = new Tensor(src.storage, s, Shapes.contiguousStrides(s), src.offset);
        int[] old = shape;
        return out.recordIfNeeded("reshape", g -> new Tensor[] {g.reshape(old)}, src);
    }

    /** Alias of {@link #reshape} (a view for contiguous tensors). */
    public Tensor view(int... newShape) { return reshape(newShape); }

    /** Merges dimensions start..end (inclusive) into one. */
    public Tensor flatten(int start, int end) {
        start = Shapes.normDim(start, shape.length);
        end = Shapes.normDim(end, shape.length);
        int[] s = new int[shape.length - (end - start)];
        int k = 0, merged = 1;
        for (int d = 0; d < shape.length; d++) {
            if (d < start || d > end) s[k++] = shape[d];
            else { merged *= shape[d]; if (d == end) s[k++] = merged; }
        }
        return reshape(s);
    }

    public Tensor permute(int... order) {
        if (order.length != shape.length) throw new IllegalArgumentException("permute needs " + shape.length + " dims, got " + Arrays.toString(order));
        int[] s = new int[order.length], st = new int[order.length], inverse = new int[order.length];
        boolean[] seen = new boolean[order.length];
        for (int i = 0; i < order.length; i++) {
            int d = Shapes.normDim(order[i], shape.length);
            if (seen[d]) throw new IllegalArgumentException("permute order repeats dim " + d + ": " + Arrays.toString(order));
            seen[d] = true;
            s[i] = shape[d];
            st[i] = strides[d];
            inverse[d] = i;
        }
        Tensor out = new Tensor(storage, s, st, offset);
        return out.recordIfNeeded("permute", g -> new Tensor[] {g.permute(inverse)}, this);
    }

    public Tensor transpose(int a, int b) {
        a = Shapes.normDim(a, shape.length);
        b = Shapes.normDim(b, shape.length);
        int[] order = new int[shape.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    /** Elements start..start+length-1 along dim (a view). */
    public Tensor narrow(int dim, int start, int length) {
        int d = Shapes.normDim(dim, shape.length);
        if (start < 0 || length < 0 || start + length > shape[d])
            throw new IndexOutOfBoundsException("narrow(" + dim + ", " + start + ", " + length + ") outside size " + shape[d]);
        int[] s = shape.clone();
        s[d] = length;
        Tensor out = new Tensor(storage, s, strides, offset + start * strides[d]);
        int[] full = shape;
        return out.recordIfNeeded("narrow", g -> new Tensor[] {zest.engine.ops.ShapeOps.padAlong(g, d, start, full[d] - start - length)}, this);
    }

    /** Python-style slice [start, end) along dim; negative indices count from the end. */
    public Tensor slice(int dim, int start, int end) {
        int d = Shapes.normDim(dim, shape.length);
        int n = shape[d];
        if (start < 0) start += n;
        if (end < 0) end += n;
        start = Math.clamp(start, 0, n);
        end = Math.clamp(end, start, n);
        return narrow(d, start, end - start);
    }

    /** Index i along dim, removing that dim (a view). */
    public Tensor select(int dim, int index) {
        int d = Shapes.normDim(dim, shape.length);
        if (index < 0) index += shape[d];
        return narrow(d, index, 1).squeeze(d);
    }

    /** Broadcasts size-1 dims (and new leading dims) to the given shape without copying (stride 0). */
    public Tensor expand(int... newShape) {
        if (newShape.length < shape.length)
            throw new IllegalArgumentException("cannot expand " + Arrays.toString(shape) + " to fewer dims " + Arrays.toString(newShape));
        int lead = newShape.length - shape.length;
        int[] s = new int[newShape.length], st = new int[newShape.length];
        for (int i = 0; i < newShape.length; i++) {
            int want = newShape[i];
            if (i < lead) {
                if (want < 0) throw new IllegalArgumentException("expand: -1 not allowed for a new dim");
                s[i] = want;
                st[i] = 0;
            } else {
                int have = shape[i - lead];
                if (want == -1 || want == have) { s[i] = have; st[i] = strides[i - lead]; }
                else if (have == 1) { s[i] = want; st[i] = 0; }
                else throw new IllegalArgumentException("cannot expand " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
            }
        }
        if (Arrays.equals(s, shape)) return this;
        Tensor out = new Tensor(storage, s, st, offset);
        int[] original = shape;
        return out.recordIfNeeded("expand", g -> new Tensor[] {Reductions.sumToShape(g, original)}, this);
    }

    /** Removes dim d, which must have size 1. */
    public Tensor squeeze(int dim) {
        int d = Shapes.normDim(dim, shape.length);
        if (shape[d] != 1) throw new IllegalArgumentException("squeeze(" + dim + ") of size " + shape[d] + " in " + Arrays.toString(shape));
        int[] s = new int[shape.length - 1], st = new int[shape.length - 1];
        for (int i = 0, k = 0; i < shape.length; i++) if (i != d) { s[k] = shape[i]; st[k++] = strides[i]; }
        Tensor out = new Tensor(storage, s, st, offset);
        return out.recordIfNeeded("squeeze", g -> new Tensor[] {g.unsqueeze(d)}, this);
    }

    /** Inserts a size-1 dim at position d (0..dim()). */
    public Tensor unsqueeze(int dim) {
        int d = dim < 0 ? dim + shape.length + 1 : dim;
        if (d < 0 || d > shape.length) throw new IllegalArgumentException("unsqueeze(" + dim + ") for rank " + shape.length);
        int[] s = new int[shape.length + 1], st = new int[shape.length + 1];
        for (int i = 0, k = 0; i <= shape.length; i++) {
            if (i == d) { s[i] = 1; st[i] = d < shape.length ? strides[d] * shape[d] : 1; }
            else { s[i] = shape[k]; st[i] = strides[k++]; }
        }
        Tensor out = new Tensor(storage, s, st, offset);
        return out.recordIfNeeded("unsqueeze", g -> new Tensor[] {g.squeeze(d)}, this);
    }

    /** This tensor if already contiguous F32, else a contiguous F32 copy. Differentiable. */
    public Tensor contiguous() {
        if (isContiguous() && dtype() == DType.F32 && storage instanceof Storage.Floats) return this;
        if (storage instanceof Storage.OnDevice) {
            if (isContiguous() && offset == 0 && dtype() == DType.F32 && storage.length() == numel()) return this;
            Tensor copy = Backends.of(this).contiguous(this);
            return copy.recordIfNeeded("contiguous", g -> new Tensor[] {g}, this);
        }
        // a whole 16-bit (or mapped) weight reuses the storage's cached widened copy instead of widening on every use
        float[] data = storage instanceof Storage.Segment s && isContiguous() && offset == 0 && s.length() == numel()
                ? s.widenAll() : Strided.gather(this);
        Tensor out = Tensor.of(data, shape);
        return out.recordIfNeeded("contiguous", g -> new Tensor[] {g}, this);
    }

    // ---------------------------------------------------------------- common ops (see zest.engine.ops for all)

    public Tensor add(Tensor o) { return Elementwise.add(this, o); }
    public Tensor sub(Tensor o) { return Elementwise.sub(this, o); }
    public Tensor mul(Tensor o) { return Elementwise.mul(this, o); }
    public Tensor div(Tensor o) { return Elementwise.div(this, o); }
    public Tensor add(float c) { return Elementwise.addScalar(this, c); }
    public Tensor sub(float c) { return Elementwise.addScalar(this, -c); }
    public Tensor mul(float c) { return Elementwise.mulScalar(this, c); }
    public Tensor div(float c) { return Elementwise.mulScalar(this, 1f / c); }
    public Tensor neg() { return Elementwise.mulScalar(this, -1f); }
    public Tensor exp() { return Elementwise.exp(this); }
    public Tensor log() { return Elementwise.log(this); }
    public Tensor sqrt() { return Elementwise.sqrt(this); }
    public Tensor rsqrt() { return Elementwise.rsqrt(this); }
    public Tensor pow(float p) { return Elementwise.pow(this, p); }
    public Tensor abs() { return Elementwise.abs(this); }
    public Tensor sigmoid() { return Elementwise.sigmoid(this); }
    public Tensor tanh() { return Elementwise.tanh(this); }
    public Tensor silu() { return Elementwise.silu(this); }
    public Tensor gelu() { return Elementwise.gelu(this); }
    public Tensor clamp(float min, float max) { return Elementwise.clamp(this, min, max); }

    public Tensor sum() { return Reductions.sum(this); }
    public Tensor sum(int dim, boolean keepDim) { return Reductions.sum(this, new int[] {dim}, keepDim); }
    public Tensor mean() { return Reductions.mean(this); }
    public Tensor mean(int dim, boolean keepDim) { return Reductions.mean(this, new int[] {dim}, keepDim); }
    public Tensor max() { return Reductions.max(this); }
    public Tensor max(int dim, boolean keepDim) { return Reductions.max(this, dim, keepDim); }
    public Tensor min(int dim, boolean keepDim) { return Reductions.min(this, dim, keepDim); }

    public Tensor softmax(int dim) { return Softmax.softmax(this, dim); }
    public Tensor matmul(Tensor o) { return LinearAlgebra.matmul(this, o); }

    // ---------------------------------------------------------------- printing

    @Override
    public String toString() { return TensorFormat.format(this); }
}
