package zest.engine.device;

import java.util.EnumMap;
import java.util.Map;
import java.util.ServiceLoader;
import zest.engine.Storage;
import zest.engine.Tensor;

/**
 * The accelerator backends on the class path (ServiceLoader), loaded once on first use, and the choice of a device
 * from a user's {@code auto|cpu|cuda[:N]}. Nothing here touches native code until a backend is asked for.
 */
public final class Backends {
    private Backends() {}

    private static final class Loaded {
        static final Map<Device.Kind, Backend> BY_KIND = load();

        private static Map<Device.Kind, Backend> load() {
            Map<Device.Kind, Backend> m = new EnumMap<>(Device.Kind.class);
            for (Backend b : ServiceLoader.load(Backend.class)) m.putIfAbsent(b.kind(), b);
            return m;
        }
    }

    /** The backend of a non-CPU device kind, or an error saying why there is none. */
    public static Backend of(Device.Kind kind) {
        Backend b = Loaded.BY_KIND.get(kind);
        if (b == null)
            throw new IllegalStateException("no " + kind + " backend on the class path (the zest-kernels jar provides CUDA)");
        return b;
    }

    /** The backend holding a device tensor's storage. */
    public static Backend of(Tensor deviceTensor) {
        return of(((Storage.OnDevice) deviceTensor.storage()).memory().device().kind());
    }

    /** The chosen device and, when the choice was not the literal request (auto fell back), the one line saying why. */
    public record Choice(Device device, String note) {}

    /**
     * Resolves {@code auto} (the first CUDA device when a backend reports one usable, else the CPU with a note),
     * {@code cpu}, {@code cuda} or {@code cuda:N} (an error with the reason when not usable).
     */
    public static Choice choose(String request) {
        if (request.trim().equalsIgnoreCase("auto")) {
            Backend cuda = Loaded.BY_KIND.get(Device.Kind.CUDA);
            String reason = cuda == null ? "no CUDA backend on the class path" : cuda.unavailableReason();
            if (reason == null) return new Choice(Device.cuda(0), null);
            return new Choice(Device.CPU, "--device auto: using the CPU (" + reason + ")");
        }
        Device d = Device.parse(request);
        if (d.isCpu()) return new Choice(d, null);
        Backend b = of(d.kind());
        String reason = b.unavailableReason();
        if (reason != null) throw new IllegalStateException("device " + d + " is not usable: " + reason);
        if (d.index() >= b.deviceCount())
            throw new IllegalStateException("device " + d + " does not exist: " + b.deviceCount() + " " + d.kind() + " device(s) found");
        return new Choice(d, null);
    }
}
