package zest.cli;

import zest.engine.device.Backends;
import zest.engine.device.Device;

/** --device auto|cpu|cuda[:N]: resolved once per command; auto's fallback to the CPU prints one line to stderr. */
final class DeviceOption {
    private DeviceOption() {}

    static final String DESCRIPTION = "auto, cpu, cuda or cuda:N (default ${DEFAULT-VALUE}; auto = the first GPU when a CUDA driver "
            + "and device are found, else the CPU with one line saying why)";

    static Device resolve(String request) {
        try {
            Backends.Choice c = Backends.choose(request);
            if (c.note() != null) System.err.println(c.note());
            return c.device();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new UserError("--device " + request + ": " + e.getMessage());
        }
    }
}
