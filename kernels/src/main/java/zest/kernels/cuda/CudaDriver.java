package zest.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The CUDA driver API functions this backend uses ({@code libcuda.so.1}), bound with the FFM API in the style
 * jextract generates: one downcall handle per function, created when first needed. Signatures are those of
 * CUDA 13's {@code cuda.h} (checked against /usr/local/cuda-13.0/include/cuda.h): the {@code _v2} entry points
 * the header's macros select (cuMemAlloc_v2, cuMemcpyHtoD_v2, ...) are bound by their real symbol names, and
 * CUdeviceptr and size_t are 64-bit. Every call returning an error throws a {@link CudaException} naming it.
 */
public final class CudaDriver {
    private CudaDriver() {}

    public static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    public static final int CU_STREAM_NON_BLOCKING = 1;
    public static final int CU_EVENT_DEFAULT = 0;

    private static final class Handles {
        static final NativeLibrary LIB = CudaLibraries.driver();
        static final MethodHandle cuInit = LIB.function("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle cuDriverGetVersion = LIB.function("cuDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cuGetErrorName = LIB.function("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        static final MethodHandle cuGetErrorString = LIB.function("cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        static final MethodHandle cuDeviceGetCount = LIB.function("cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cuDeviceGet = LIB.function("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle cuDeviceGetName = LIB.function("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle cuDeviceTotalMem = LIB.function("cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle cuDeviceGetAttribute = LIB.function("cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle cuDevicePrimaryCtxRetain = LIB.function("cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle cuDevicePrimaryCtxRelease = LIB.function("cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle cuCtxSetCurrent = LIB.function("cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cuCtxSynchronize = LIB.function("cuCtxSynchronize", FunctionDescriptor.of(JAVA_INT));
        static final MethodHandle cuMemGetInfo = LIB.function("cuMemGetInfo_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle cuMemAlloc = LIB.function("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle cuMemFree = LIB.function("cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        static final MethodHandle cuMemcpyHtoD = LIB.function("cuMemcpyHtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG));
        static final MethodHandle cuMemcpyDtoH = LIB.function("cuMemcpyDtoH_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        static final MethodHandle cuMemcpyDtoD = LIB.function("cuMemcpyDtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        static final MethodHandle cuMemcpyHtoDAsync = LIB.function("cuMemcpyHtoDAsync_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
        static final MethodHandle cuMemcpyDtoHAsync = LIB.function("cuMemcpyDtoHAsync_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        static final MethodHandle cuMemcpyDtoDAsync = LIB.function("cuMemcpyDtoDAsync_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        static final MethodHandle cuMemsetD32 = LIB.function("cuMemsetD32_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
        static final MethodHandle cuMemsetD32Async = LIB.function("cuMemsetD32Async", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS));
        static final MethodHandle cuModuleLoadData = LIB.function("cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle cuModuleUnload = LIB.function("cuModuleUnload", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cuModuleGetFunction = LIB.function("cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle cuLaunchKernel = LIB.function("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle cuStreamCreate = LIB.function("cuStreamCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle cuStreamSynchronize = LIB.function("cuStreamSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cuStreamDestroy = LIB.function("cuStreamDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cuEventCreate = LIB.function("cuEventCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle cuEventRecord = LIB.function("cuEventRecord", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle cuEventSynchronize = LIB.function("cuEventSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cuEventDestroy = LIB.function("cuEventDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // CUDA 13's header maps cuEventElapsedTime to _v2 (added in 12.8); older drivers only have the original
        static final MethodHandle cuEventElapsedTime = LIB.function(LIB.has("cuEventElapsedTime_v2") ? "cuEventElapsedTime_v2" : "cuEventElapsedTime",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    }

    // ---------------------------------------------------------------- errors

    /** Throws a CudaException naming {@code call} unless {@code result} is CUDA_SUCCESS. */
    static void check(String call, int result) {
        if (result == 0) return;
        throw new CudaException(call, result, errorText(Handles.cuGetErrorName, result, "CUDA_ERROR_" + result),
                errorText(Handles.cuGetErrorString, result, ""));
    }

    private static String errorText(MethodHandle getter, int result, String fallback) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            if ((int) getter.invokeExact(result, out) != 0) return fallback;
            return out.get(ADDRESS, 0).reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return fallback;
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        // a library that failed to load surfaces here as the handle holder's initialization error
        if (t instanceof ExceptionInInitializerError e && e.getCause() instanceof CudaException c) return new CudaException(c.getMessage(), c);
        if (t instanceof NoClassDefFoundError e) return earlierFailure(e);
        if (t instanceof Error e) throw e;
        return new CudaException("native call failed: " + t, t);
    }

    /**
     * A binding whose handles failed to initialize throws NoClassDefFoundError on every later use; report the
     * library's original failure again (the loaders keep it) rather than the JVM's "could not initialize class".
     */
    private static CudaException earlierFailure(NoClassDefFoundError e) {
        String m = String.valueOf(e.getMessage());
        try {
            if (m.contains("Cublas")) CudaLibraries.cublas();
            else if (m.contains("Cudnn")) CudaLibraries.cudnn();
            else CudaLibraries.driver();
        } catch (CudaException original) {
            return original;
        }
        return new CudaException("a CUDA binding failed to initialize earlier in this process (see the first error): " + m, e);
    }

    // ---------------------------------------------------------------- initialization and devices

    public static void init() {
        try { check("cuInit", (int) Handles.cuInit.invokeExact(0)); } catch (Throwable t) { throw rethrow(t); }
    }

    /** The driver's CUDA version as 1000·major + 10·minor (13000 = CUDA 13.0). */
    public static int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDriverGetVersion", (int) Handles.cuDriverGetVersion.invokeExact(v));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            check("cuDeviceGetCount", (int) Handles.cuDeviceGetCount.invokeExact(n));
            return n.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** The CUdevice handle of ordinal {@code ordinal}. */
    public static int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment d = a.allocate(JAVA_INT);
            check("cuDeviceGet(" + ordinal + ")", (int) Handles.cuDeviceGet.invokeExact(d, ordinal));
            return d.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocate(256);
            check("cuDeviceGetName", (int) Handles.cuDeviceGetName.invokeExact(name, 256, device));
            return name.getString(0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static long deviceTotalMemory(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment bytes = a.allocate(JAVA_LONG);
            check("cuDeviceTotalMem_v2", (int) Handles.cuDeviceTotalMem.invokeExact(bytes, device));
            return bytes.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int deviceAttribute(int attribute, int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check("cuDeviceGetAttribute(" + attribute + ")", (int) Handles.cuDeviceGetAttribute.invokeExact(v, attribute, device));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---------------------------------------------------------------- contexts

    public static MemorySegment primaryContextRetain(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ctx = a.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain", (int) Handles.cuDevicePrimaryCtxRetain.invokeExact(ctx, device));
            return ctx.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void primaryContextRelease(int device) {
        try { check("cuDevicePrimaryCtxRelease_v2", (int) Handles.cuDevicePrimaryCtxRelease.invokeExact(device)); } catch (Throwable t) { throw rethrow(t); }
    }

    /** Binds the context to the calling thread (each thread that launches work must call it once). */
    public static void setCurrentContext(MemorySegment context) {
        try { check("cuCtxSetCurrent", (int) Handles.cuCtxSetCurrent.invokeExact(context)); } catch (Throwable t) { throw rethrow(t); }
    }

    public static void synchronizeContext() {
        try { check("cuCtxSynchronize", (int) Handles.cuCtxSynchronize.invokeExact()); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---------------------------------------------------------------- memory

    /** {free, total} bytes of the current context's device. */
    public static long[] memoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG), total = a.allocate(JAVA_LONG);
            check("cuMemGetInfo_v2", (int) Handles.cuMemGetInfo.invokeExact(free, total));
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** A device allocation of {@code bytes}; returns its CUdeviceptr. */
    public static long memAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ptr = a.allocate(JAVA_LONG);
            check("cuMemAlloc_v2(" + bytes + " bytes)", (int) Handles.cuMemAlloc.invokeExact(ptr, bytes));
            return ptr.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void memFree(long devicePointer) {
        try { check("cuMemFree_v2", (int) Handles.cuMemFree.invokeExact(devicePointer)); } catch (Throwable t) { throw rethrow(t); }
    }

    public static void copyHostToDevice(long dst, MemorySegment src, long bytes) {
        try { check("cuMemcpyHtoD_v2", (int) Handles.cuMemcpyHtoD.invokeExact(dst, src, bytes)); } catch (Throwable t) { throw rethrow(t); }
    }

    public static void copyDeviceToHost(MemorySegment dst, long src, long bytes) {
        try { check("cuMemcpyDtoH_v2", (int) Handles.cuMemcpyDtoH.invokeExact(dst, src, bytes)); } catch (Throwable t) { throw rethrow(t); }
    }

    public static void copyDeviceToDevice(long dst, long src, long bytes) {
        try { check("cuMemcpyDtoD_v2", (int) Handles.cuMemcpyDtoD.invokeExact(dst, src, bytes)); } catch (Throwable t) { throw rethrow(t); }
    }

    /** Asynchronous on {@code stream}; {@code src} must stay alive (and, to overlap, be page-locked) until the stream passes it. */
    public static void copyHostToDeviceAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try { check("cuMemcpyHtoDAsync_v2", (int) Handles.cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    public static void copyDeviceToHostAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try { check("cuMemcpyDtoHAsync_v2", (int) Handles.cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    public static void copyDeviceToDeviceAsync(long dst, long src, long bytes, MemorySegment stream) {
        try { check("cuMemcpyDtoDAsync_v2", (int) Handles.cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    /** Sets {@code count} 32-bit words to {@code value}. */
    public static void memset32(long dst, int value, long count) {
        try { check("cuMemsetD32_v2", (int) Handles.cuMemsetD32.invokeExact(dst, value, count)); } catch (Throwable t) { throw rethrow(t); }
    }

    public static void memset32Async(long dst, int value, long count, MemorySegment stream) {
        try { check("cuMemsetD32Async", (int) Handles.cuMemsetD32Async.invokeExact(dst, value, count, stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    // ---------------------------------------------------------------- modules and launches

    /** Loads a module from a NUL-terminated PTX image (JIT-compiled by the driver for the current device). */
    public static MemorySegment moduleLoadData(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment module = a.allocate(ADDRESS);
            check("cuModuleLoadData", (int) Handles.cuModuleLoadData.invokeExact(module, image));
            return module.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void moduleUnload(MemorySegment module) {
        try { check("cuModuleUnload", (int) Handles.cuModuleUnload.invokeExact(module)); } catch (Throwable t) { throw rethrow(t); }
    }

    public static MemorySegment moduleFunction(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fn = a.allocate(ADDRESS);
            check("cuModuleGetFunction(" + name + ")", (int) Handles.cuModuleGetFunction.invokeExact(fn, module, a.allocateFrom(name)));
            return fn.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Launches {@code function}; {@code params} is a void*[] whose entries point at each argument's value. */
    public static void launchKernel(String name, MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                    int sharedBytes, MemorySegment stream, MemorySegment params) {
        try {
            check("cuLaunchKernel(" + name + ")", (int) Handles.cuLaunchKernel.invokeExact(function, gridX, gridY, gridZ,
                    blockX, blockY, blockZ, sharedBytes, stream, params, MemorySegment.NULL));
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---------------------------------------------------------------- streams and events

    public static MemorySegment streamCreate(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(ADDRESS);
            check("cuStreamCreate", (int) Handles.cuStreamCreate.invokeExact(s, flags));
            return s.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void streamSynchronize(MemorySegment stream) {
        try { check("cuStreamSynchronize", (int) Handles.cuStreamSynchronize.invokeExact(stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    public static void streamDestroy(MemorySegment stream) {
        try { check("cuStreamDestroy_v2", (int) Handles.cuStreamDestroy.invokeExact(stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    public static MemorySegment eventCreate(int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = a.allocate(ADDRESS);
            check("cuEventCreate", (int) Handles.cuEventCreate.invokeExact(e, flags));
            return e.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void eventRecord(MemorySegment event, MemorySegment stream) {
        try { check("cuEventRecord", (int) Handles.cuEventRecord.invokeExact(event, stream)); } catch (Throwable t) { throw rethrow(t); }
    }

    public static void eventSynchronize(MemorySegment event) {
        try { check("cuEventSynchronize", (int) Handles.cuEventSynchronize.invokeExact(event)); } catch (Throwable t) { throw rethrow(t); }
    }

    public static void eventDestroy(MemorySegment event) {
        try { check("cuEventDestroy_v2", (int) Handles.cuEventDestroy.invokeExact(event)); } catch (Throwable t) { throw rethrow(t); }
    }

    /** Milliseconds between two recorded, completed events. */
    public static float eventElapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ms = a.allocate(JAVA_FLOAT);
            check("cuEventElapsedTime", (int) Handles.cuEventElapsedTime.invokeExact(ms, start, end));
            return ms.get(JAVA_FLOAT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }
}
