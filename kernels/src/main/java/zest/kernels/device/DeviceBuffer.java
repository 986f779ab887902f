package zest.kernels.device;

/**
 * A block of device memory: its CUdeviceptr and requested size. Closing it (or its owner becoming unreachable)
 * hands the block back to the context's {@link CachingAllocator}; closing twice is harmless.
 */
public final class DeviceBuffer implements AutoCloseable {
    private final CudaContext context;
    private final long address;
    private final long bytes;
    private Runnable release = () -> {};

    DeviceBuffer(CudaContext context, long address, long bytes) {
        this.context = context;
        this.address = address;
        this.bytes = bytes;
    }

    void onClose(Runnable release) { this.release = release; }

    public CudaContext context() { return context; }

    /** The CUdeviceptr. */
    public long address() { return address; }

    public long bytes() { return bytes; }

    @Override
    public void close() { release.run(); }
}
