package zest.kernels.backend;

import zest.engine.device.Backends;
import zest.engine.device.Device;

/** The device the cross-backend tests use: cuda:0, or the reason there is none. */
final class CudaDevice {
    private CudaDevice() {}

    static final Device DEVICE = Device.cuda(0);

    static String unavailableReason() {
        try {
            return Backends.of(Device.Kind.CUDA).unavailableReason();
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    static void assumeAvailable() {
        String reason = unavailableReason();
        org.junit.jupiter.api.Assumptions.assumeTrue(reason == null, () -> "no CUDA device: " + reason);
    }
}
