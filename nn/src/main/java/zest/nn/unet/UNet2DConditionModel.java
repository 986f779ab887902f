package zest.nn.unet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import zest.engine.Tensor;
import zest.nn.CheckpointPolicy;
import zest.nn.Module;
import zest.nn.ModuleList;
import zest.nn.attention.Attention;
import zest.nn.attention.AttentionHook;
import zest.nn.blocks.Downsample2D;
import zest.nn.blocks.ResnetBlock2D;
import zest.nn.blocks.TimestepEmbedding;
import zest.nn.blocks.Timesteps;
import zest.nn.blocks.Upsample2D;
import zest.nn.layers.Activation;
import zest.nn.layers.Conv2d;
import zest.nn.layers.GroupNorm;

/**
 * diffusers' UNet2DConditionModel for SD 1.x / 2.x: predicts the noise (or v) of latents [B, 4, h, w] at the given
 * timesteps, conditioned on text embeddings [B, 77, D]. Building it declares every parameter (with diffusers'
 * names) but allocates none; load weights with {@link #loadStateDict}.
 *
 * <p>Latent sizes need not be square or powers of two: each upsampler targets the size of the skip tensor it is
 * joined with, as diffusers does when a size is not divisible by 2^(number of upsamplers).
 */
public final class UNet2DConditionModel extends Module {
    public final UNetConfig config;
    private final Activation act;
    public final Conv2d convIn;
    public final Timesteps timeProj;
    public final TimestepEmbedding timeEmbedding;
    public final ModuleList<UNetDownBlock> downBlocks;
    public final UNetMidBlock2DCrossAttn midBlock;
    public final ModuleList<UNetUpBlock> upBlocks;
    public final GroupNorm convNormOut;
    public final Conv2d convOut;
    private AttentionHook attentionHook;

    public UNet2DConditionModel(UNetConfig c) {
        this.config = c;
        this.act = c.activation();
        int n = c.numBlocks();
        int[] boc = c.blockOutChannels();
        int temb = c.timeEmbeddingDim();
        float eps = c.normEps();
        int groups = c.normNumGroups();

        this.convIn = register("conv_in", new Conv2d(c.inChannels(), boc[0], c.convInKernel()));
        this.timeProj = register("time_proj", new Timesteps(boc[0], c.flipSinToCos(), c.freqShift()));
        this.timeEmbedding = register("time_embedding", new TimestepEmbedding(boc[0], temb, act));

        this.downBlocks = register("down_blocks", new ModuleList<>());
        int out = boc[0];
        for (int i = 0; i < n; i++) {
            int in = out;
            out = boc[i];
            boolean last = i == n - 1;
            List<ResnetBlock2D> resnets = new ArrayList<>();
            List<Transformer2DModel> attns = new ArrayList<>();
            boolean cross = c.downBlockTypes().get(i).equals("CrossAttnDownBlock2D");
            for (int j = 0; j < c.layersPerBlock()[i]; j++) {
                resnets.add(new ResnetBlock2D(j == 0 ? in : out, out, temb, groups, eps, act, c.resnetOutScaleFactor()));
                if (cross) attns.add(transformer(c, out, c.numAttentionHeads(i), c.transformerLayersPerBlock()[i], c.crossAttentionDim()[i], c.onlyCrossAttention()[i]));
            }
            Downsample2D ds = last ? null : new Downsample2D(out, out, c.downsamplePadding());
            downBlocks.add(cross ? new CrossAttnDownBlock2D(resnets, attns, ds) : new DownBlock2D(resnets, ds));
        }

        if (c.midBlockType() != null) {
            int ch = boc[n - 1];
            List<ResnetBlock2D> resnets = new ArrayList<>();
            List<Transformer2DModel> attns = new ArrayList<>();
            resnets.add(new ResnetBlock2D(ch, ch, temb, groups, eps, act, c.midBlockScaleFactor()));
            attns.add(transformer(c, ch, c.numAttentionHeads(n - 1), c.transformerLayersPerBlock()[n - 1], c.crossAttentionDim()[n - 1], false));
            resnets.add(new ResnetBlock2D(ch, ch, temb, groups, eps, act, c.midBlockScaleFactor()));
            this.midBlock = register("mid_block", new UNetMidBlock2DCrossAttn(resnets, attns));
        } else {
            this.midBlock = null;
        }

        this.upBlocks = register("up_blocks", new ModuleList<>());
        int[] rev = reversed(boc);
        int[] revHeads = reversed(c.attentionHeadDim());
        int[] revLayers = reversed(c.layersPerBlock());
        int[] revCross = reversed(c.crossAttentionDim());
        int[] revTl = c.reverseTransformerLayersPerBlock() != null ? c.reverseTransformerLayersPerBlock() : reversed(c.transformerLayersPerBlock());
        boolean[] revOnlyCross = new boolean[n];
        for (int i = 0; i < n; i++) revOnlyCross[i] = c.onlyCrossAttention()[n - 1 - i];
        out = rev[0];
        for (int i = 0; i < n; i++) {
            boolean last = i == n - 1;
            int prevOut = out;
            out = rev[i];
            int in = rev[Math.min(i + 1, n - 1)];
            List<ResnetBlock2D> resnets = new ArrayList<>();
            List<Transformer2DModel> attns = new ArrayList<>();
            int layers = revLayers[i] + 1;
            boolean cross = c.upBlockTypes().get(i).equals("CrossAttnUpBlock2D");
            for (int j = 0; j < layers; j++) {
                int skip = j == layers - 1 ? in : out;
                int resIn = j == 0 ? prevOut : out;
                resnets.add(new ResnetBlock2D(resIn + skip, out, temb, groups, eps, act, c.resnetOutScaleFactor()));
                if (cross) attns.add(transformer(c, out, revHeads[i], revTl[i], revCross[i], revOnlyCross[i]));
            }
            Upsample2D us = last ? null : new Upsample2D(out, out);
            upBlocks.add(cross ? new CrossAttnUpBlock2D(resnets, attns, us) : new UpBlock2D(resnets, us));
        }

        this.convNormOut = register("conv_norm_out", new GroupNorm(groups, boc[0], eps));
        this.convOut = register("conv_out", new Conv2d(boc[0], c.outChannels(), c.convOutKernel()));
    }

    private static Transformer2DModel transformer(UNetConfig c, int channels, int heads, int layers, int crossDim, boolean onlyCross) {
        return new Transformer2DModel(heads, channels / heads, channels, layers, crossDim, c.normNumGroups(),
                c.useLinearProjection(), onlyCross, c.upcastAttention());
    }

    /** The hook consulted by every attention layer that has none of its own (null to clear). */
    public void setAttentionHook(AttentionHook hook) { this.attentionHook = hook; }

    public AttentionHook attentionHook() { return attentionHook; }

    /**
     * Gradient checkpointing for recorded forwards (a guided step's gradient to the latent): resnets, transformers
     * whose attention probabilities no hook reads, and the self-attentions and feed-forwards of the others keep only
     * their inputs and recompute the rest in the backward. Gradients stay bit-identical; one more forward of those parts buys
     * gigabytes at SD 1.5 size. Off by default. On, it spares grids under 32×32 ({@link CheckpointPolicy}).
     */
    public void setGradientCheckpointing(boolean on) {
        setGradientCheckpointing(on ? CheckpointPolicy.MIN_CELLS : CheckpointPolicy.OFF);
    }

    /** Checkpointing of the segments on grids of at least {@code minCells} cells (0: all; {@link CheckpointPolicy#OFF}: none). */
    public void setGradientCheckpointing(int minCells) {
        if (minCells < 0) throw new IllegalArgumentException("minCells < 0: " + minCells);
        for (Module m : modules()) {
            if (m instanceof ResnetBlock2D r) r.setGradientCheckpointing(minCells);
            else if (m instanceof Transformer2DModel t) t.setGradientCheckpointing(minCells);
            else if (m instanceof BasicTransformerBlock blk) blk.setGradientCheckpointing(minCells);
        }
    }

    /** Every attention layer by its dotted name, in forward order (attn1 before attn2 in each block). */
    public List<Attention> attentionLayers() {
        List<Attention> out = new ArrayList<>();
        for (Module m : modules()) if (m instanceof Attention a) out.add(a);
        return out;
    }

    /** Noise prediction with the model-wide hook (if any). */
    public Tensor forward(Tensor sample, Tensor timesteps, Tensor encoderHiddenStates) {
        return forward(sample, timesteps, encoderHiddenStates, attentionHook);
    }

    /**
     * sample [B, in, h, w]; timesteps [B], [1] or 0-d (one value for the whole batch; integer or fractional);
     * encoderHiddenStates [B, L, cross_attention_dim]. Returns [B, out, h, w].
     */
    public Tensor forward(Tensor sample, Tensor timesteps, Tensor encoderHiddenStates, AttentionHook hook) {
        if (sample.dim() != 4 || sample.size(1) != config.inChannels())
            throw new IllegalArgumentException("UNet sample must be [B, " + config.inChannels() + ", h, w], got " + Arrays.toString(sample.shape()));
        int b = sample.size(0);
        int crossDim = config.crossAttentionDim()[0];
        if (encoderHiddenStates.dim() != 3 || encoderHiddenStates.size(0) != b || encoderHiddenStates.size(2) != crossDim)
            throw new IllegalArgumentException("UNet encoder_hidden_states must be [" + b + ", L, " + crossDim + "], got "
                    + Arrays.toString(encoderHiddenStates.shape()));

        Tensor temb = timeEmbedding.forward(timeProj.forward(batchTimesteps(timesteps, b)));

        Tensor x = sample;
        if (config.centerInputSample()) x = x.mul(2f).sub(1f);
        x = convIn.forward(x);
        List<Tensor> skips = new ArrayList<>();
        skips.add(x);
        for (UNetDownBlock block : downBlocks) {
            UNetDownBlock.Output o = block.forward(x, temb, encoderHiddenStates, hook);
            x = o.hidden();
            skips.addAll(o.skips());
        }
        if (midBlock != null) x = midBlock.forward(x, temb, encoderHiddenStates, hook);
        for (UNetUpBlock block : upBlocks) {
            int k = block.resnets.size();
            List<Tensor> mine = new ArrayList<>(skips.subList(skips.size() - k, skips.size()));
            skips.subList(skips.size() - k, skips.size()).clear();
            int upH = 0, upW = 0;
            if (block.upsamplers != null && !skips.isEmpty()) {
                Tensor next = skips.getLast();
                upH = next.size(2);
                upW = next.size(3);
            }
            x = block.forward(x, mine, temb, encoderHiddenStates, hook, upH, upW);
        }
        x = act.apply(convNormOut.forward(x));
        return convOut.forward(x);
    }

    /** One timestep per sample: a single value is repeated over the batch. */
    private static Tensor batchTimesteps(Tensor t, int b) {
        if (t.numel() == b) return t.reshape(b);
        if (t.numel() == 1) return Tensor.full(t.toF32().reshape(1).floats()[0], b);
        throw new IllegalArgumentException("timesteps must hold 1 or " + b + " values, got shape " + Arrays.toString(t.shape()));
    }

    private static int[] reversed(int[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[a.length - 1 - i];
        return r;
    }
}
