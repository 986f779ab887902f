package zest.diffusion.zestguide;

import java.util.Arrays;
import zest.engine.Tensor;
import zest.engine.ops.Elementwise;
import zest.engine.ops.Losses;
import zest.engine.ops.Reductions;
import zest.engine.ops.ShapeOps;

/**
 * ZestGuide's segmentation loss (paper Eq. 3–4): for segment i, Ŝ_i = Σ over its tokens of the mean attention
 * map; L = Σ_i BCE(Ŝ_i, S_i) + BCE(Ŝ_i / max Ŝ_i, S_i), probabilities clamped to [1e-3, 1 − 1e-3] before the
 * BCE. The gradient flows through the max.
 */
public final class ZestGuideLoss {
    public static final float CLAMP = 1e-3f;

    private ZestGuideLoss() {}

    /** Loss, its per-segment terms [K, 2], and the predicted segment maps Ŝ [K, h, w]. */
    public record Result(Tensor loss, Tensor lossTerms, Tensor sHat) {}

    /**
     * @param meanMaps [tokens, h, w] averaged attention maps
     * @param masks [K, h, w] target masks (soft values allowed) at the same resolution
     * @param tokenIndices per segment, its token positions in the prompt (BOS = 0)
     */
    public static Result compute(Tensor meanMaps, Tensor masks, int[][] tokenIndices) {
        int k = masks.size(0);
        if (tokenIndices.length != k)
            throw new IllegalArgumentException(k + " masks but " + tokenIndices.length + " token lists");
        if (meanMaps.size(1) != masks.size(1) || meanMaps.size(2) != masks.size(2))
            throw new IllegalArgumentException("attention maps " + Arrays.toString(meanMaps.shape()) + " and masks "
                    + Arrays.toString(masks.shape()) + " differ in resolution");
        Tensor[] sHat = new Tensor[k];
        Tensor[] terms = new Tensor[2 * k];
        Tensor loss = null;
        for (int i = 0; i < k; i++) {
            if (tokenIndices[i].length == 0)
                throw new IllegalArgumentException("segment " + i + " has no prompt tokens to guide");
            Tensor s = null;
            for (int t : tokenIndices[i]) {
                Tensor map = meanMaps.select(0, t);
                s = s == null ? map : Elementwise.add(s, map);
            }
            sHat[i] = s;
            Tensor target = masks.select(0, i);
            Tensor direct = Losses.bce(Elementwise.clamp(s, CLAMP, 1 - CLAMP), target);
            Tensor normalised = Losses.bce(Elementwise.clamp(Elementwise.div(s, Reductions.max(s)), CLAMP, 1 - CLAMP), target);
            terms[2 * i] = direct;
            terms[2 * i + 1] = normalised;
            Tensor segment = Elementwise.add(direct, normalised);
            loss = loss == null ? segment : Elementwise.add(loss, segment);
        }
        Tensor[] stacked = new Tensor[k];
        for (int i = 0; i < k; i++) stacked[i] = sHat[i].unsqueeze(0);
        Tensor[] termRows = new Tensor[k];
        for (int i = 0; i < k; i++)
            termRows[i] = ShapeOps.concat(0, terms[2 * i].detach().reshape(1), terms[2 * i + 1].detach().reshape(1)).unsqueeze(0);
        return new Result(loss, ShapeOps.concat(0, termRows), ShapeOps.concat(0, stacked));
    }
}
