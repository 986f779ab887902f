package zest.nn.layers;

import java.util.Locale;
import zest.engine.Tensor;
import zest.engine.ops.Elementwise;

/** The activation functions named in diffusers / transformers configs ("act_fn", "hidden_act"). */
public enum Activation {
    SILU, GELU, GELU_TANH, QUICK_GELU, RELU;

    public Tensor apply(Tensor x) {
        return switch (this) {
            case SILU -> Elementwise.silu(x);
            case GELU -> Elementwise.gelu(x);
            case GELU_TANH -> Elementwise.geluTanh(x);
            case QUICK_GELU -> Elementwise.quickGelu(x);
            case RELU -> Elementwise.maximum(x, Tensor.scalar(0f));
        };
    }

    /** Maps a config name (silu/swish, gelu, gelu_new/gelu_pytorch_tanh, quick_gelu, relu); null if unknown. */
    public static Activation byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "silu", "swish" -> SILU;
            case "gelu" -> GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
            case "quick_gelu" -> QUICK_GELU;
            case "relu" -> RELU;
            default -> null;
        };
    }
}
