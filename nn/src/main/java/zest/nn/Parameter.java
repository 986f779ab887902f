package zest.nn;

import java.util.Arrays;
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
     * The value as layers hand it to the ops: as stored. Half-precision weights mapped from a file stay 16-bit — the
     * GEMM and convolution kernels widen them while packing, so no float copy of a large weight exists (an SD 1.5
     * UNet costs its 1.7 GB of F16 weights, not 3.4 GB more); the other ops (norm scales, biases) widen through the
     * storage's cached float copy. Tensors that require grad are F32 and keep their graph.
     */
    public Tensor forCompute() {
        return value();
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
