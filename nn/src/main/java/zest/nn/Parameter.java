package zest.nn;

import java.util.Arrays;
import zest.engine.DType;
import zest.engine.Storage;
import zest.engine.Tensor;

/**
 * A named, shaped slot for a weight tensor. The slot exists as soon as its module is built, but its value may be
 * unset: a full-size UNet can be constructed (to count parameters or check key lists) without allocating gigabytes.
 * Loaded values keep their stored dtype (an F16 file stays 16-bit and memory-mapped); ops widen on use.
 */
public final class Parameter {
    private final Module owner;
    private final String localName;
    private final int[] shape;
    private Tensor value;

    Parameter(Module owner, String localName, int[] shape) {
        this.owner = owner;
        this.localName = localName;
        this.shape = shape.clone();
    }

    /** The dotted name from the root module, e.g. {@code down_blocks.0.resnets.1.conv1.weight}. */
    public String name() {
        String prefix = owner.path();
        return prefix.isEmpty() ? localName : prefix + "." + localName;
    }

    /** The name inside its own module, e.g. {@code weight}. */
    public String localName() { return localName; }

    public int[] shape() { return shape.clone(); }

    public long numel() {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    public boolean isSet() { return value != null; }

    /** The value, or a {@link WeightsException} naming this parameter when none was loaded. */
    public Tensor value() {
        if (value == null)
            throw new WeightsException("parameter '" + name() + "' " + Arrays.toString(shape)
                    + " has no value: load weights (loadStateDict) or initialize the model before running it");
        return value;
    }

    /**
     * The value as layers hand it to the ops. Half-precision weights mapped from a file are widened through the
     * storage's cached float copy: the ops' own {@code contiguous()} would widen the whole tensor again on every call
     * (for SD 1.5 fp16 that is ~860M conversions and 3.4 GB of garbage per UNet step). Tensors that require grad
     * are returned as they are so training keeps its graph.
     */
    public Tensor forCompute() {
        Tensor v = value();
        if (v.dtype() == DType.F32 || v.requiresGrad() || !(v.storage() instanceof Storage.Segment)
                || !v.isContiguous() || v.offset() != 0 || v.storage().length() != v.numel())
            return v;
        return Tensor.of(v.floats(), v.shape()); // floats() returns the storage's cached widened array
    }

    /** The value or null. */
    public Tensor valueOrNull() { return value; }

    /** Sets the value; its shape must equal the declared one. */
    public void set(Tensor t) {
        if (t != null && !Arrays.equals(t.shape(), shape))
            throw new WeightsException("parameter '" + name() + "': expected shape " + Arrays.toString(shape)
                    + ", got " + Arrays.toString(t.shape()));
        this.value = t;
    }

    @Override
    public String toString() {
        return name() + " " + Arrays.toString(shape) + (value == null ? " (unset)" : " " + value.dtype());
    }
}
