package zest.kernels.device;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;
import zest.kernels.cuda.Cublas;
import zest.kernels.cuda.CudaDriver;
import zest.kernels.cuda.Cudnn;

/**
 * One GPU as the backend uses it: its primary context, one stream that every launch, copy, cuBLAS and cuDNN call
 * goes to (so work is ordered without events), the caching allocator, the loaded PTX modules, and the cuBLAS
 * (pedantic FP32 math: no TF32) and cuDNN handles, created on first use.
 */
public final class CudaContext {
    private static final ConcurrentHashMap<Integer, CudaContext> BY_ORDINAL = new ConcurrentHashMap<>();
    private static final ThreadLocal<CudaContext> CURRENT = new ThreadLocal<>();

    private final int ordinal;
    private final int device;
    private final MemorySegment context;
    private final MemorySegment stream;
    private final String name;
    private final long totalMemory;
    private final int computeCapability;
    private final CachingAllocator allocator;
    private final PtxModules modules;
    private MemorySegment cublas;
    private MemorySegment cudnn;

    private CudaContext(int ordinal) {
        CudaDriver.init();
        this.ordinal = ordinal;
        this.device = CudaDriver.device(ordinal);
        this.context = CudaDriver.primaryContextRetain(device);
        CudaDriver.setCurrentContext(context);
        CURRENT.set(this);
        this.stream = CudaDriver.streamCreate(0); // a blocking stream: ordered with the legacy default stream too
        this.name = CudaDriver.deviceName(device);
        this.totalMemory = CudaDriver.deviceTotalMemory(device);
        this.computeCapability = 10 * CudaDriver.deviceAttribute(CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device)
                + CudaDriver.deviceAttribute(CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
        this.allocator = new CachingAllocator(this);
        this.modules = new PtxModules(this, PtxModules.archFor(computeCapability));
    }

    /** The context of GPU {@code ordinal}, created on first use. */
    public static CudaContext of(int ordinal) {
        CudaContext c = BY_ORDINAL.computeIfAbsent(ordinal, CudaContext::new);
        c.makeCurrent();
        return c;
    }

    /** Binds this context to the calling thread if it is not already. */
    public void makeCurrent() {
        if (CURRENT.get() == this) return;
        CudaDriver.setCurrentContext(context);
        CURRENT.set(this);
    }

    public int ordinal() { return ordinal; }

    public MemorySegment stream() { return stream; }

    public CachingAllocator allocator() { return allocator; }

    public PtxModules modules() { return modules; }

    /** 10·major + minor, e.g. 90 for an H100. */
    public int computeCapability() { return computeCapability; }

    public long totalMemory() { return totalMemory; }

    public String name() { return name; }

    public void synchronize() {
        makeCurrent();
        CudaDriver.streamSynchronize(stream);
    }

    public synchronized MemorySegment cublas() {
        if (cublas == null) {
            makeCurrent();
            MemorySegment h = Cublas.create();
            Cublas.setStream(h, stream);
            Cublas.setMathMode(h, Cublas.CUBLAS_PEDANTIC_MATH);
            cublas = h;
        }
        return cublas;
    }

    public synchronized MemorySegment cudnn() {
        if (cudnn == null) {
            makeCurrent();
            MemorySegment h = Cudnn.create();
            Cudnn.setStream(h, stream);
            cudnn = h;
        }
        return cudnn;
    }

    @Override
    public String toString() {
        return "cuda:" + ordinal + " (" + name + ", " + String.format("%.1f GiB", totalMemory / (double) (1L << 30))
                + ", sm_" + computeCapability + ")";
    }
}
