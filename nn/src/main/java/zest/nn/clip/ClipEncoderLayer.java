package zest.nn.clip;

import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.layers.LayerNorm;

/** Pre-norm transformer layer: x += self_attn(layer_norm1(x)); x += mlp(layer_norm2(x)). */
public final class ClipEncoderLayer extends Module {
    public final ClipAttention selfAttn;
    public final LayerNorm layerNorm1, layerNorm2;
    public final ClipMlp mlp;

    public ClipEncoderLayer(ClipTextConfig c) {
        this.selfAttn = register("self_attn", new ClipAttention(c.hiddenSize(), c.numAttentionHeads()));
        this.layerNorm1 = register("layer_norm1", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        this.mlp = register("mlp", new ClipMlp(c.hiddenSize(), c.intermediateSize(), c.activation()));
        this.layerNorm2 = register("layer_norm2", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
    }

    public Tensor forward(Tensor x, Tensor mask) {
        x = selfAttn.forward(layerNorm1.forward(x), mask).add(x);
        return mlp.forward(layerNorm2.forward(x)).add(x);
    }
}
