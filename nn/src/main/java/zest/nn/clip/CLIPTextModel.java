package zest.nn.clip;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import zest.engine.Tensor;
import zest.engine.ops.ShapeOps;
import zest.nn.Module;

/**
 * transformers' CLIPTextModel: token ids [B, L] → hidden states, with the causal attention mask CLIP was trained
 * with and no padding mask (as the SD pipelines call it). Parameter names are transformers' ({@code text_model.*}).
 */
public final class CLIPTextModel extends Module {
    public final ClipTextConfig config;
    public final ClipTextTransformer textModel;

    public CLIPTextModel(ClipTextConfig config) {
        this.config = config;
        this.textModel = register("text_model", new ClipTextTransformer(config));
    }

    /** ids [B, L] (integer dtype, or floats holding integers). */
    public ClipTextOutput forward(Tensor ids) {
        if (ids.dim() != 2) throw new IllegalArgumentException("CLIP input ids must be [B, L], got " + Arrays.toString(ids.shape()));
        int b = ids.size(0), l = ids.size(1);
        long[] idv = ids.dtype().isFloating() ? toLongs(ids.floats()) : ids.toLongArray();
        for (long id : idv)
            if (id < 0 || id >= config.vocabSize())
                throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + config.vocabSize());

        List<Tensor> hidden = new ArrayList<>();
        Tensor x = textModel.embeddings.forward(ids);
        hidden.add(x);
        Tensor mask = causalMask(l);
        for (ClipEncoderLayer layer : textModel.encoder.layers) {
            x = layer.forward(x, mask);
            hidden.add(x);
        }
        Tensor last = textModel.finalLayerNorm.forward(x);
        return new ClipTextOutput(last, pool(last, idv, b, l), hidden);
    }

    /**
     * The conditioning SD uses: with clipSkip 0 the last hidden state; with clipSkip k the output of the (k+1)-th
     * layer from the end, passed through final_layer_norm (diffusers' clip_skip rule).
     */
    public Tensor encode(Tensor ids, int clipSkip) {
        ClipTextOutput out = forward(ids);
        if (clipSkip == 0) return out.lastHiddenState();
        List<Tensor> hs = out.hiddenStates();
        if (clipSkip < 0 || clipSkip >= hs.size()) throw new IllegalArgumentException("clip skip " + clipSkip + " outside 0.." + (hs.size() - 1));
        return textModel.finalLayerNorm.forward(hs.get(hs.size() - 1 - clipSkip));
    }

    /**
     * transformers' pooling rule: the hidden state at the first position holding eos_token_id; for configs that
     * still carry the legacy eos_token_id 2 (SD 1.5's), the position of the largest id (the first 49407).
     */
    private Tensor pool(Tensor last, long[] ids, int b, int l) {
        Tensor[] rows = new Tensor[b];
        for (int r = 0; r < b; r++) {
            int at = 0;
            if (config.eosTokenId() == 2) {
                for (int i = 1; i < l; i++) if (ids[r * l + i] > ids[r * l + at]) at = i;
            } else {
                for (int i = 0; i < l; i++) if (ids[r * l + i] == config.eosTokenId()) { at = i; break; }
            }
            rows[r] = last.select(0, r).narrow(0, at, 1);
        }
        return ShapeOps.concat(0, rows);
    }

    /** [1, 1, L, L] additive bias: 0 on and below the diagonal, the most negative float above (as transformers). */
    private static Tensor causalMask(int l) {
        float[] m = new float[l * l];
        for (int i = 0; i < l; i++) for (int j = i + 1; j < l; j++) m[i * l + j] = -Float.MAX_VALUE;
        return Tensor.of(m, 1, 1, l, l);
    }

    private static long[] toLongs(float[] f) {
        long[] out = new long[f.length];
        for (int i = 0; i < f.length; i++) out[i] = (long) f[i];
        return out;
    }
}
