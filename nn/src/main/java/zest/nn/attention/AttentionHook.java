package zest.nn.attention;

import java.util.function.DoubleSupplier;
import zest.engine.Tensor;

/**
 * Observes and steers attention layers during a forward pass: Paint-with-Words adds a bias to the logits,
 * ZestGuide reads the (differentiable) cross-attention probabilities and back-propagates a loss on them.
 * Probabilities are only materialised for calls where {@link #wantsProbabilities} says so, so every other layer
 * keeps the fast fused attention path. With gradient checkpointing (guided steps), layers whose probabilities no
 * hook wants are run again in the backward and consult {@link #logitBias} again: it must give the same bias for
 * the same context ({@link zest.engine.autograd.Checkpoint#recomputing()} tells a counting hook the second time).
 */
public interface AttentionHook {
    /**
     * An additive bias for this call's scaled logits (softmax(scale·QKᵀ + bias)), broadcastable to
     * [batch, heads, queries, keys] or shaped [batch*heads, queries, keys]; null for none.
     */
    default Tensor logitBias(AttentionContext context) { return null; }

    /**
     * The same, for biases that scale with the layer's own scores (Paint-with-Words multiplies its mask by
     * max(scale·QKᵀ)): {@code maxScaledScore} computes that maximum over batch, heads, queries and keys on first use
     * (so it costs nothing when not called), without gradient. Attention layers call this form; by default it
     * defers to {@link #logitBias(AttentionContext)}.
     */
    default Tensor logitBias(AttentionContext context, DoubleSupplier maxScaledScore) { return logitBias(context); }

    /** Whether {@link #onProbabilities} should receive this call's probabilities. */
    default boolean wantsProbabilities(AttentionContext context) { return false; }

    /**
     * The softmax probabilities [batch*heads, queries, keys] of a call for which {@link #wantsProbabilities} was
     * true. When the autograd graph is being recorded, the tensor is part of it: a loss computed from it
     * back-propagates through the UNet.
     */
    default void onProbabilities(AttentionContext context, Tensor probabilities) {}

    /** A hook that consults {@code first} then {@code second} (biases are added). Either may be null. */
    static AttentionHook both(AttentionHook first, AttentionHook second) {
        if (first == null) return second;
        if (second == null) return first;
        return new AttentionHook() {
            @Override public Tensor logitBias(AttentionContext c) {
                return logitBias(c, () -> { throw new IllegalStateException("no scores available"); });
            }

            @Override public Tensor logitBias(AttentionContext c, DoubleSupplier maxScaledScore) {
                Tensor a = first.logitBias(c, maxScaledScore), b = second.logitBias(c, maxScaledScore);
                if (a == null) return b;
                if (b == null) return a;
                return Attention.biasAs4d(a, c).add(Attention.biasAs4d(b, c));
            }

            @Override public boolean wantsProbabilities(AttentionContext c) {
                return first.wantsProbabilities(c) || second.wantsProbabilities(c);
            }

            @Override public void onProbabilities(AttentionContext c, Tensor p) {
                if (first.wantsProbabilities(c)) first.onProbabilities(c, p);
                if (second.wantsProbabilities(c)) second.onProbabilities(c, p);
            }
        };
    }
}
