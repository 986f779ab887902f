package zest.kernels.device;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import zest.kernels.cuda.CudaDriver;

/**
 * One kernel launch: the arguments in declaration order (each written to its own slot, the void*[] the driver
 * reads pointing at them), then {@link #run}. Pointers are CUdeviceptr longs; 0 passes a null pointer.
 */
public final class KernelLaunch {
    public static final int THREADS = 256;

    private final CudaContext context;
    private final String file;
    private final String name;
    private final List<Object> args = new ArrayList<>();

    private KernelLaunch(CudaContext context, String file, String name) {
        this.context = context;
        this.file = file;
        this.name = name;
    }

    public static KernelLaunch of(CudaContext context, String file, String name) { return new KernelLaunch(context, file, name); }

    public KernelLaunch i(int v) { args.add(v); return this; }

    public KernelLaunch f(float v) { args.add(v); return this; }

    /** A device pointer (0 for null). */
    public KernelLaunch ptr(long v) { args.add(v); return this; }

    public KernelLaunch layout(KernelLayout l) { args.add(l); return this; }

    /** Grid-stride launch over n elements: enough blocks to fill the GPU, no more than needed. */
    public void runElements(int n) {
        int blocks = (int) Math.max(1, Math.min(Math.ceilDiv((long) n, THREADS), 65_535L));
        run(blocks, THREADS, 0);
    }

    /** One block per row (grid-stride over rows beyond the grid limit). */
    public void runRows(int rows, int threads, int sharedBytes) {
        run(Math.max(1, Math.min(rows, 1 << 20)), threads, sharedBytes);
    }

    public void run(int blocks, int threads, int sharedBytes) {
        context.makeCurrent();
        MemorySegment function = context.modules().function(file, name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(ADDRESS, args.size());
            for (int i = 0; i < args.size(); i++) params.setAtIndex(ADDRESS, i, slot(arena, args.get(i)));
            CudaDriver.launchKernel(name, function, blocks, 1, 1, threads, 1, 1, sharedBytes, context.stream(), params);
        }
    }

    private static MemorySegment slot(Arena arena, Object v) {
        return switch (v) {
            case Integer i -> arena.allocateFrom(JAVA_INT, i);
            case Float f -> arena.allocateFrom(JAVA_FLOAT, f);
            case Long l -> arena.allocateFrom(JAVA_LONG, l);
            case KernelLayout l -> arena.allocateFrom(JAVA_INT, l.packed());
            default -> throw new IllegalArgumentException("unsupported kernel argument " + v);
        };
    }
}
