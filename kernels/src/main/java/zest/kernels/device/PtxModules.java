package zest.kernels.device;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import zest.kernels.cuda.CudaDriver;
import zest.kernels.cuda.CudaException;

/**
 * The committed PTX (resources {@code zest/kernels/ptx/<arch>/<file>.ptx}, made by kernels/scripts/build-ptx.sh)
 * loaded with cuModuleLoadData on first use of a file, and its functions looked up once each. sm_90 PTX serves
 * compute capability 9.0 and newer (PTX is forward compatible: the driver JIT-compiles it), sm_80 serves 8.x.
 */
public final class PtxModules {
    public static final String RESOURCE_ROOT = "zest/kernels/ptx/";

    private final CudaContext context;
    private final String arch;
    private final Map<String, MemorySegment> modules = new HashMap<>();
    private final Map<String, MemorySegment> functions = new HashMap<>();

    PtxModules(CudaContext context, String arch) {
        this.context = context;
        this.arch = arch;
    }

    /** The PTX folder for a compute capability (10·major + minor). */
    public static String archFor(int computeCapability) {
        if (computeCapability >= 90) return "sm_90";
        if (computeCapability >= 80) return "sm_80";
        throw new CudaException("compute capability " + computeCapability / 10 + "." + computeCapability % 10
                + " is below 8.0; the committed kernels are built for sm_80 and sm_90 (Ampere and newer)");
    }

    /** The kernel {@code name} of {@code file}.cu. */
    public synchronized MemorySegment function(String file, String name) {
        String key = file + "/" + name;
        MemorySegment f = functions.get(key);
        if (f == null) {
            MemorySegment module = modules.computeIfAbsent(file, this::load);
            f = CudaDriver.moduleFunction(module, name);
            functions.put(key, f);
        }
        return f;
    }

    private MemorySegment load(String file) {
        byte[] ptx = read(RESOURCE_ROOT + arch + "/" + file + ".ptx");
        context.makeCurrent();
        // NUL-terminated, in memory that outlives the call (the driver may keep pointers while JIT-compiling)
        MemorySegment image = Arena.global().allocate(ptx.length + 1L);
        MemorySegment.copy(ptx, 0, image, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, ptx.length);
        image.set(java.lang.foreign.ValueLayout.JAVA_BYTE, ptx.length, (byte) 0);
        return CudaDriver.moduleLoadData(image);
    }

    static byte[] read(String resource) {
        try (InputStream in = PtxModules.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new CudaException("kernel resource " + resource + " is missing from the class path (run kernels/scripts/build-ptx.sh)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new CudaException("reading " + resource + " failed: " + e.getMessage(), e);
        }
    }
}
