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
 * The cuDNN 9 functions this backend uses ({@code libcudnn.so.9}: the legacy convolution API, which cuDNN 9 still
 * ships in cudnn_cnn.so.9 behind the libcudnn.so.9 shim), FFM-bound in jextract's style. Signatures follow
 * cudnn_ops.h / cudnn_cnn.h of cuDNN 9 (the 8.x cudnn_ops_infer.h / cudnn_cnn_train.h declarations are the same);
 * enum values from cudnn_ops.h: CUDNN_DATA_FLOAT 0, HALF 2, BFLOAT16 9; CUDNN_TENSOR_NCHW 0;
 * CUDNN_CROSS_CORRELATION 1; CUDNN_FMA_MATH 3 (no TF32, so FP32 convolutions match the CPU within 1e-5).
 */
public final class Cudnn {
    private Cudnn() {}

    public static final int CUDNN_DATA_FLOAT = 0, CUDNN_DATA_HALF = 2, CUDNN_DATA_BFLOAT16 = 9;
    public static final int CUDNN_TENSOR_NCHW = 0;
    public static final int CUDNN_CROSS_CORRELATION = 1;
    public static final int CUDNN_DEFAULT_MATH = 0, CUDNN_TENSOR_OP_MATH = 1, CUDNN_FMA_MATH = 3;
    /** CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, CUDNN_CONVOLUTION_BWD_DATA_ALGO_1, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1: deterministic, no TF32 under FMA math. */
    public static final int FWD_ALGO_IMPLICIT_PRECOMP_GEMM = 1, BWD_DATA_ALGO_1 = 1, BWD_FILTER_ALGO_1 = 1;

    private static final class Handles {
        static final NativeLibrary LIB = CudaLibraries.cudnn();
        static final MethodHandle cudnnGetErrorString = LIB.function("cudnnGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        static final MethodHandle cudnnGetVersion = LIB.function("cudnnGetVersion", FunctionDescriptor.of(JAVA_LONG));
        static final MethodHandle cudnnCreate = LIB.function("cudnnCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cudnnDestroy = LIB.function("cudnnDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cudnnSetStream = LIB.function("cudnnSetStream", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle cudnnCreateTensorDescriptor = LIB.function("cudnnCreateTensorDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cudnnSetTensor4dDescriptor = LIB.function("cudnnSetTensor4dDescriptor",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle cudnnDestroyTensorDescriptor = LIB.function("cudnnDestroyTensorDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cudnnCreateFilterDescriptor = LIB.function("cudnnCreateFilterDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cudnnSetFilter4dDescriptor = LIB.function("cudnnSetFilter4dDescriptor",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle cudnnDestroyFilterDescriptor = LIB.function("cudnnDestroyFilterDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cudnnCreateConvolutionDescriptor = LIB.function("cudnnCreateConvolutionDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cudnnSetConvolution2dDescriptor = LIB.function("cudnnSetConvolution2dDescriptor", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle cudnnSetConvolutionGroupCount = LIB.function("cudnnSetConvolutionGroupCount", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle cudnnSetConvolutionMathType = LIB.function("cudnnSetConvolutionMathType", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle cudnnDestroyConvolutionDescriptor = LIB.function("cudnnDestroyConvolutionDescriptor", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cudnnGetConvolutionForwardWorkspaceSize = LIB.function("cudnnGetConvolutionForwardWorkspaceSize",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        static final MethodHandle cudnnGetConvolutionBackwardDataWorkspaceSize = LIB.function("cudnnGetConvolutionBackwardDataWorkspaceSize",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        static final MethodHandle cudnnGetConvolutionBackwardFilterWorkspaceSize = LIB.function("cudnnGetConvolutionBackwardFilterWorkspaceSize",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        // (handle, alpha*, xDesc, x, wDesc, w, convDesc, algo, workSpace, workSpaceSizeInBytes, beta*, yDesc, y)
        static final MethodHandle cudnnConvolutionForward = LIB.function("cudnnConvolutionForward", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        // (handle, alpha*, wDesc, w, dyDesc, dy, convDesc, algo, workSpace, workSpaceSizeInBytes, beta*, dxDesc, dx)
        static final MethodHandle cudnnConvolutionBackwardData = LIB.function("cudnnConvolutionBackwardData", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
        // (handle, alpha*, xDesc, x, dyDesc, dy, convDesc, algo, workSpace, workSpaceSizeInBytes, beta*, dwDesc, dw)
        static final MethodHandle cudnnConvolutionBackwardFilter = LIB.function("cudnnConvolutionBackwardFilter", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    }

    static void check(String call, int status) {
        if (status == 0) return;
        String text;
        try {
            text = ((MemorySegment) Handles.cudnnGetErrorString.invokeExact(status)).reinterpret(1024).getString(0);
        } catch (Throwable t) {
            text = "CUDNN_STATUS_" + status;
        }
        throw new CudaException(call, status, text, null);
    }

    /** cudnnGetVersion(): e.g. 90100 for 9.1.0. */
    public static long version() {
        try { return (long) Handles.cudnnGetVersion.invokeExact(); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    public static MemorySegment create() { return createObject("cudnnCreate", Handles.cudnnCreate); }

    public static void destroy(MemorySegment handle) { destroyObject("cudnnDestroy", Handles.cudnnDestroy, handle); }

    public static void setStream(MemorySegment handle, MemorySegment stream) {
        try { check("cudnnSetStream", (int) Handles.cudnnSetStream.invokeExact(handle, stream)); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    /** A packed NCHW tensor descriptor. */
    public static MemorySegment tensorDescriptor(int dataType, int n, int c, int h, int w) {
        MemorySegment d = createObject("cudnnCreateTensorDescriptor", Handles.cudnnCreateTensorDescriptor);
        try {
            check("cudnnSetTensor4dDescriptor", (int) Handles.cudnnSetTensor4dDescriptor.invokeExact(d, CUDNN_TENSOR_NCHW, dataType, n, c, h, w));
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
        return d;
    }

    public static void destroyTensorDescriptor(MemorySegment d) {
        destroyObject("cudnnDestroyTensorDescriptor", Handles.cudnnDestroyTensorDescriptor, d);
    }

    /** A KCRS filter descriptor (k output channels, c input channels per group, r×s kernel). */
    public static MemorySegment filterDescriptor(int dataType, int k, int c, int r, int s) {
        MemorySegment d = createObject("cudnnCreateFilterDescriptor", Handles.cudnnCreateFilterDescriptor);
        try {
            // note the argument order of cudnnSetFilter4dDescriptor: (desc, dataType, format, k, c, h, w)
            check("cudnnSetFilter4dDescriptor", (int) Handles.cudnnSetFilter4dDescriptor.invokeExact(d, dataType, CUDNN_TENSOR_NCHW, k, c, r, s));
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
        return d;
    }

    public static void destroyFilterDescriptor(MemorySegment d) {
        destroyObject("cudnnDestroyFilterDescriptor", Handles.cudnnDestroyFilterDescriptor, d);
    }

    /** A 2-D cross-correlation (PyTorch's conv2d) with FP32 compute, FMA math only, and {@code groups} groups. */
    public static MemorySegment convolutionDescriptor(int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, int groups) {
        MemorySegment d = createObject("cudnnCreateConvolutionDescriptor", Handles.cudnnCreateConvolutionDescriptor);
        try {
            check("cudnnSetConvolution2dDescriptor", (int) Handles.cudnnSetConvolution2dDescriptor.invokeExact(d,
                    padH, padW, strideH, strideW, dilationH, dilationW, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
            check("cudnnSetConvolutionGroupCount", (int) Handles.cudnnSetConvolutionGroupCount.invokeExact(d, groups));
            check("cudnnSetConvolutionMathType", (int) Handles.cudnnSetConvolutionMathType.invokeExact(d, CUDNN_FMA_MATH));
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
        return d;
    }

    public static void destroyConvolutionDescriptor(MemorySegment d) {
        destroyObject("cudnnDestroyConvolutionDescriptor", Handles.cudnnDestroyConvolutionDescriptor, d);
    }

    public static long forwardWorkspaceBytes(MemorySegment handle, MemorySegment x, MemorySegment w, MemorySegment conv, MemorySegment y, int algo) {
        return workspace("cudnnGetConvolutionForwardWorkspaceSize", Handles.cudnnGetConvolutionForwardWorkspaceSize, handle, x, w, conv, y, algo);
    }

    /** Workspace of the backward-data pass: arguments (wDesc, dyDesc, convDesc, dxDesc) as cuDNN orders them. */
    public static long backwardDataWorkspaceBytes(MemorySegment handle, MemorySegment w, MemorySegment dy, MemorySegment conv, MemorySegment dx, int algo) {
        return workspace("cudnnGetConvolutionBackwardDataWorkspaceSize", Handles.cudnnGetConvolutionBackwardDataWorkspaceSize, handle, w, dy, conv, dx, algo);
    }

    /** Workspace of the backward-filter pass: arguments (xDesc, dyDesc, convDesc, dwDesc). */
    public static long backwardFilterWorkspaceBytes(MemorySegment handle, MemorySegment x, MemorySegment dy, MemorySegment conv, MemorySegment dw, int algo) {
        return workspace("cudnnGetConvolutionBackwardFilterWorkspaceSize", Handles.cudnnGetConvolutionBackwardFilterWorkspaceSize, handle, x, dy, conv, dw, algo);
    }

    public static void convolutionForward(MemorySegment handle, MemorySegment xDesc, long x, MemorySegment wDesc, long w, MemorySegment conv,
                                          int algo, long workspace, long workspaceBytes, float beta, MemorySegment yDesc, long y) {
        try (Arena a = Arena.ofConfined()) {
            check("cudnnConvolutionForward", (int) Handles.cudnnConvolutionForward.invokeExact(handle, a.allocateFrom(JAVA_FLOAT, 1f),
                    xDesc, x, wDesc, w, conv, algo, workspace, workspaceBytes, a.allocateFrom(JAVA_FLOAT, beta), yDesc, y));
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    public static void convolutionBackwardData(MemorySegment handle, MemorySegment wDesc, long w, MemorySegment dyDesc, long dy, MemorySegment conv,
                                               int algo, long workspace, long workspaceBytes, float beta, MemorySegment dxDesc, long dx) {
        try (Arena a = Arena.ofConfined()) {
            check("cudnnConvolutionBackwardData", (int) Handles.cudnnConvolutionBackwardData.invokeExact(handle, a.allocateFrom(JAVA_FLOAT, 1f),
                    wDesc, w, dyDesc, dy, conv, algo, workspace, workspaceBytes, a.allocateFrom(JAVA_FLOAT, beta), dxDesc, dx));
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    public static void convolutionBackwardFilter(MemorySegment handle, MemorySegment xDesc, long x, MemorySegment dyDesc, long dy, MemorySegment conv,
                                                 int algo, long workspace, long workspaceBytes, float beta, MemorySegment dwDesc, long dw) {
        try (Arena a = Arena.ofConfined()) {
            check("cudnnConvolutionBackwardFilter", (int) Handles.cudnnConvolutionBackwardFilter.invokeExact(handle, a.allocateFrom(JAVA_FLOAT, 1f),
                    xDesc, x, dyDesc, dy, conv, algo, workspace, workspaceBytes, a.allocateFrom(JAVA_FLOAT, beta), dwDesc, dw));
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    private static MemorySegment createObject(String call, MethodHandle creator) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(call, (int) creator.invokeExact(out));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    private static void destroyObject(String call, MethodHandle destroyer, MemorySegment object) {
        try { check(call, (int) destroyer.invokeExact(object)); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    private static long workspace(String call, MethodHandle getter, MemorySegment handle, MemorySegment a1, MemorySegment a2,
                                  MemorySegment conv, MemorySegment a3, int algo) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment bytes = a.allocate(JAVA_LONG);
            check(call, (int) getter.invokeExact(handle, a1, a2, conv, a3, algo, bytes));
            return bytes.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }
}
