package zest.nn.attention;

import java.util.function.DoubleSupplier;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.engine.ops.LinearAlgebra;
import zest.nn.Module;
import zest.nn.ModuleList;
import zest.nn.layers.GroupNorm;
import zest.nn.layers.Linear;

/**
 * diffusers' Attention with the classic processor: to_q / to_k / to_v, multi-head softmax(scale·QKᵀ)·V,
 * to_out.0. Self-attention when no context is given, cross-attention otherwise. The VAE's mid-block variant adds
 * group_norm, a residual connection and 4-D (image) input.
 *
 * <p>An {@link AttentionHook} can add a logit bias and receive the probabilities; the layer's own hook (set with
 * {@link #setHook}) takes precedence over the model-wide one passed to {@code forward}.
 */
public final class Attention extends Module {
    public final int queryDim, heads, dimHead, innerDim, keyDim;
    public final float scale;
    /** Computing in float32 already, so diffusers' upcast_attention / upcast_softmax change nothing here. */
    public final boolean upcast;
    public final boolean residualConnection;
    public final float rescaleOutputFactor;
    public final GroupNorm groupNorm;
    public final Linear toQ, toK, toV;
    public final ModuleList<Linear> toOut;
    private AttentionHook hook;

    private Attention(int queryDim, Integer crossAttentionDim, int heads, int dimHead, boolean qkvBias, boolean outBias,
                      GroupNorm groupNorm, boolean residualConnection, float rescaleOutputFactor, boolean upcast) {
        if (heads <= 0 || dimHead <= 0) throw new IllegalArgumentException("attention needs positive heads and head dim, got " + heads + " x " + dimHead);
        this.queryDim = queryDim;
        this.heads = heads;
        this.dimHead = dimHead;
        this.innerDim = heads * dimHead;
        this.keyDim = crossAttentionDim == null ? queryDim : crossAttentionDim;
        this.scale = (float) (1 / Math.sqrt(dimHead));
        this.upcast = upcast;
        this.residualConnection = residualConnection;
        this.rescaleOutputFactor = rescaleOutputFactor;
        this.groupNorm = groupNorm == null ? null : register("group_norm", groupNorm);
        this.toQ = register("to_q", new Linear(queryDim, innerDim, qkvBias));
        this.toK = register("to_k", new Linear(keyDim, innerDim, qkvBias));
        this.toV = register("to_v", new Linear(keyDim, innerDim, qkvBias));
        this.toOut = register("to_out", new ModuleList<>());
        toOut.add(new Linear(innerDim, queryDim, outBias)); // to_out.1 is dropout: no weights
    }

    /** The UNet transformer blocks' attention: no q/k/v bias, biased output projection. */
    public static Attention transformer(int queryDim, Integer crossAttentionDim, int heads, int dimHead, boolean upcast) {
        return new Attention(queryDim, crossAttentionDim, heads, dimHead, false, true, null, false, 1f, upcast);
    }

    /** The VAE mid-block attention: one head over all channels, group norm, biases everywhere, residual. */
    public static Attention vaeMidBlock(int channels, int groups, float eps, float rescaleOutputFactor) {
        return new Attention(channels, null, 1, channels, true, true, new GroupNorm(groups, channels, eps), true,
                rescaleOutputFactor, true);
    }

    /** A hook for this layer only (null to clear); it replaces the model-wide hook for this layer. */
    public void setHook(AttentionHook hook) { this.hook = hook; }

    public AttentionHook hook() { return hook; }

    /**
     * Attention over token sequences: x [B, Lq, queryDim], context [B, Lk, keyDim] or null (self-attention).
     * {@code height × width = Lq} describe the query grid for hooks (pass 1 × Lq for non-spatial input).
     */
    public Tensor forward(Tensor x, Tensor context, int height, int width, AttentionHook modelHook) {
        if (x.dim() != 3 || x.size(2) != queryDim)
            throw new IllegalArgumentException(describe() + ": expected input [B, L, " + queryDim + "], got " + java.util.Arrays.toString(x.shape()));
        int b = x.size(0), lq = x.size(1);
        if (height * width != lq)
            throw new IllegalArgumentException(describe() + ": grid " + height + "x" + width + " does not match " + lq + " queries");
        Tensor kv = context == null ? x : context;
        if (kv.dim() != 3 || kv.size(0) != b || kv.size(2) != keyDim)
            throw new IllegalArgumentException(describe() + ": expected context [" + b + ", L, " + keyDim + "], got " + java.util.Arrays.toString(kv.shape()));
        int lk = kv.size(1);

        Tensor q = splitHeads(toQ.forward(x), b, lq);
        Tensor k = splitHeads(toK.forward(kv), b, lk);
        Tensor v = splitHeads(toV.forward(kv), b, lk);

        AttentionHook h = hook != null ? hook : modelHook;
        AttentionContext ctx = h == null ? null : new AttentionContext(path(), context != null, heads, height, width, b, lk);
        Tensor bias = h == null ? null : h.logitBias(ctx, maxScaledScore(q, k));
        if (bias != null) bias = biasAs4d(bias, ctx);
        boolean wantProbs = h != null && h.wantsProbabilities(ctx);

        var r = zest.engine.ops.Attention.sdpa(q, k, v, bias, scale, wantProbs);
        if (wantProbs) h.onProbabilities(ctx, r.probs().reshape(b * heads, lq, lk));
        Tensor merged = r.output().permute(0, 2, 1, 3).reshape(b, lq, innerDim);
        return toOut.get(0).forward(merged);
    }

    /**
     * Whether the hook in effect for this layer (its own, else {@code modelHook}) asks for the probabilities of a
     * forward with this input size, context null for self-attention.
     */
    public boolean probabilitiesWanted(AttentionHook modelHook, int batch, int height, int width, Tensor context) {
        AttentionHook h = hook != null ? hook : modelHook;
        if (h == null) return false;
        int keys = context == null ? height * width : context.size(1);
        return h.wantsProbabilities(new AttentionContext(path(), context != null, heads, height, width, batch, keys));
    }

    /** Image input [B, C, H, W] (the VAE mid-block): group norm, attention over the H·W positions, residual. */
    public Tensor forwardSpatial(Tensor x, AttentionHook modelHook) {
        if (x.dim() != 4 || x.size(1) != queryDim)
            throw new IllegalArgumentException(describe() + ": expected input [B, " + queryDim + ", H, W], got " + java.util.Arrays.toString(x.shape()));
        int b = x.size(0), c = x.size(1), hh = x.size(2), ww = x.size(3);
        Tensor h = groupNorm == null ? x : groupNorm.forward(x);
        h = h.reshape(b, c, hh * ww).transpose(1, 2);
        h = forward(h, null, hh, ww, modelHook);
        h = h.transpose(1, 2).reshape(b, c, hh, ww);
        if (residualConnection) h = h.add(x);
        if (rescaleOutputFactor != 1f) h = h.div(rescaleOutputFactor);
        return h;
    }

    /** max(scale·QKᵀ) over everything, computed once on first request, outside the autograd graph. */
    private DoubleSupplier maxScaledScore(Tensor q, Tensor k) {
        return new DoubleSupplier() {
            private double max = Double.NaN;

            @Override public double getAsDouble() {
                if (Double.isNaN(max)) {
                    try (var ignored = GradMode.noGrad()) {
                        // scale > 0, so the max of the scaled scores is scale times the max of the raw ones
                        max = scale * LinearAlgebra.matmul(q.detach(), k.detach().transpose(-1, -2)).max().item();
                    }
                }
                return max;
            }
        };
    }

    /** [B, L, heads·d] → [B, heads, L, d] (a view). */
    private Tensor splitHeads(Tensor t, int b, int len) {
        return t.reshape(b, len, heads, dimHead).permute(0, 2, 1, 3);
    }

    /** Accepts a hook bias shaped [B*heads, Lq, Lk] by viewing it as [B, heads, Lq, Lk]; other shapes pass as given. */
    static Tensor biasAs4d(Tensor bias, AttentionContext c) {
        if (bias.dim() == 3 && bias.size(0) == c.batch() * c.heads() && c.batch() * c.heads() > 1)
            return bias.reshape(c.batch(), c.heads(), bias.size(1), bias.size(2));
        return bias;
    }
}
