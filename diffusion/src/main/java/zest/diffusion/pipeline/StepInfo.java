package zest.diffusion.pipeline;

import zest.engine.Tensor;

/**
 * What happened in one denoising step: the timestep, the latents after it, the predicted clean latents (x0, for
 * previews), and — on guided steps — the ZestGuide loss and the per-segment attention maps Ŝ.
 */
public record StepInfo(int timestep, Tensor latents, Tensor predictedOriginal, Float zestLoss, Tensor segmentMaps,
                       double secondsThisStep) {}
