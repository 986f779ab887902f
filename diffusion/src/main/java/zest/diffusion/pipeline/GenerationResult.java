package zest.diffusion.pipeline;

import java.util.List;
import zest.engine.Tensor;

/**
 * The outcome of one run.
 *
 * @param prompt          the prompt actually encoded (segment texts appended where missing)
 * @param segmentTokens   per segment, its token positions in that prompt
 * @param latents         final latents [B, C, h, w]
 * @param images          [B, H, W, 3] in [0, 1]
 * @param losses          ZestGuide loss per guided step (mean over the batch)
 * @param segmentMaps     per step where they were computed (guided steps; every step when maps are recorded), Ŝ [B, K, h, w]
 */
public record GenerationResult(String prompt, int[][] segmentTokens, Tensor latents, Tensor images, List<Float> losses,
                               List<Tensor> segmentMaps) {}
