package zest.kernels.backend;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * Skips a jqwik container or property, with the reason shown in the report, when no CUDA device is usable (no
 * driver, no GPU). The JUnit side uses {@link CudaDevice#assumeAvailable()}, an assumption with the same reason.
 */
public final class RequiresCuda implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        String reason = CudaDevice.unavailableReason();
        return reason == null ? SkipResult.doNotSkip() : SkipResult.skip("no CUDA device: " + reason);
    }
}
