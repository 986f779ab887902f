package zest.engine.ops;

import java.util.Arrays;
import zest.engine.Tensor;
import zest.engine.cpu.InterpolationTaps;
import zest.engine.cpu.ResizeKernels;

/** Spatial resizing of [N, C, H, W] tensors, as torch.nn.functional.interpolate, with gradients. */
public final class Resize {
    private Resize() {}

    /** Nearest-neighbour 2× upsampling, [N, C, H, W] → [N, C, 2H, 2W] (the UNet/VAE upsampler). */
    public static Tensor upsampleNearest2x(Tensor x) {
        int[] s = checkInput("upsampleNearest2x", x);
        if (OnDevice.any(x)) return OnDevice.upsampleNearest2x(x);
        int planes = s[0] * s[1], h = s[2], w = s[3];
        float[] y = new float[planes * 4 * h * w];
        ResizeKernels.upsample2x(values(x), planes, h, w, y);
        return Tensor.of(y, s[0], s[1], 2 * h, 2 * w).recordIfNeeded("upsampleNearest2x", g -> {
            float[] gx = new float[planes * h * w];
            ResizeKernels.upsample2xBackward(values(g), planes, h, w, gx);
            return new Tensor[] {Tensor.of(gx, s)};
        }, x);
    }

    /** mode="nearest": output pixel i reads input floor(i·in/out) per axis. */
    public static Tensor nearest(Tensor x, int outH, int outW) {
        return separable("nearest", x, outH, outW, InterpolationTaps::nearest);
    }

    /** mode="bilinear", align_corners=False, antialias=False (up- or downsampling). */
    public static Tensor bilinear(Tensor x, int outH, int outW) {
        return separable("bilinear", x, outH, outW, InterpolationTaps::linear);
    }

    /** mode="area", i.e. adaptive average pooling to the output size. */
    public static Tensor area(Tensor x, int outH, int outW) {
        return separable("area", x, outH, outW, InterpolationTaps::area);
    }

    private interface TapsFactory { InterpolationTaps make(int in, int out); }

    private static Tensor separable(String op, Tensor x, int outH, int outW, TapsFactory taps) {
        if (OnDevice.any(x)) return OnDevice.viaCpu(host -> separable(op, host[0], outH, outW, taps), x);
        int[] s = checkInput(op, x);
        if (outH <= 0 || outW <= 0)
            throw new IllegalArgumentException(op + ": output size must be positive, got " + outH + "x" + outW);
        int planes = s[0] * s[1];
        InterpolationTaps th = taps.make(s[2], outH), tw = taps.make(s[3], outW);
        float[] y = new float[planes * outH * outW];
        ResizeKernels.forward(values(x), planes, th, tw, y);
        return Tensor.of(y, s[0], s[1], outH, outW).recordIfNeeded(op, g -> {
            float[] gx = new float[planes * s[2] * s[3]];
            ResizeKernels.backward(values(g), planes, th, tw, gx);
            return new Tensor[] {Tensor.of(gx, s)};
        }, x);
    }

    private static int[] checkInput(String op, Tensor x) {
        int[] s = x.shape();
        if (s.length != 4) throw new IllegalArgumentException(op + " expects x of shape [N, C, H, W], got " + Arrays.toString(s));
        if (s[2] == 0 || s[3] == 0) throw new IllegalArgumentException(op + ": input has an empty spatial size " + Arrays.toString(s));
        return s;
    }

    private static float[] values(Tensor t) {
        return t.detach().contiguous().floats();
    }
}
