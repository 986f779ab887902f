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
 * The cuBLAS functions this backend uses ({@code libcublas.so.13}, else {@code .12}), FFM-bound in jextract's
 * style. cuBLAS is column-major: a row-major C = A·B is issued as the column-major Cᵀ = Bᵀ·Aᵀ (see
 * {@code zest.kernels.device.Gemm}). Signatures from cublas_api.h (CUDA 12/13): strides are {@code long long},
 * alpha/beta are host pointers (the default CUBLAS_POINTER_MODE_HOST). cuBLASLt is not called directly.
 */
public final class Cublas {
    private Cublas() {}

    public static final int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1;
    /** cudaDataType_t (library_types.h). */
    public static final int CUDA_R_32F = 0, CUDA_R_16F = 2, CUDA_R_16BF = 14;
    /** cublasComputeType_t: CUBLAS_COMPUTE_32F (68) keeps FP32 accumulation and never uses TF32. */
    public static final int CUBLAS_COMPUTE_32F = 68;
    public static final int CUBLAS_GEMM_DEFAULT = -1;
    /** cublasMath_t: the pedantic mode forbids TF32 and reduced-precision reductions, so FP32 matches the CPU to ~1e-6. */
    public static final int CUBLAS_DEFAULT_MATH = 0, CUBLAS_PEDANTIC_MATH = 2;

    private static final class Handles {
        static final NativeLibrary LIB = CudaLibraries.cublas();
        static final MethodHandle cublasCreate = LIB.function("cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cublasDestroy = LIB.function("cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle cublasSetStream = LIB.function("cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle cublasSetMathMode = LIB.function("cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle cublasSgemm = LIB.function("cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        static final MethodHandle cublasSgemmStridedBatched = LIB.function("cublasSgemmStridedBatched", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
        static final MethodHandle cublasGemmEx = LIB.function("cublasGemmEx", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle cublasGemmStridedBatchedEx = LIB.function("cublasGemmStridedBatchedEx", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG,
                ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    /** cublasStatus_t names (cublas_api.h); cuBLAS has no error-string function before 12.x, so they are listed here. */
    static String statusName(int status) {
        return switch (status) {
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "CUBLAS_STATUS_" + status;
        };
    }

    static void check(String call, int status) {
        if (status != 0) throw new CudaException(call, status, statusName(status), null);
    }

    public static MemorySegment create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ADDRESS);
            check("cublasCreate_v2", (int) Handles.cublasCreate.invokeExact(h));
            return h.get(ADDRESS, 0);
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    public static void destroy(MemorySegment handle) {
        try { check("cublasDestroy_v2", (int) Handles.cublasDestroy.invokeExact(handle)); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    public static void setStream(MemorySegment handle, MemorySegment stream) {
        try { check("cublasSetStream_v2", (int) Handles.cublasSetStream.invokeExact(handle, stream)); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    public static void setMathMode(MemorySegment handle, int mode) {
        try { check("cublasSetMathMode", (int) Handles.cublasSetMathMode.invokeExact(handle, mode)); } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    /** Column-major C = alpha·op(A)·op(B) + beta·C in FP32. */
    public static void sgemm(MemorySegment handle, int transA, int transB, int m, int n, int k, float alpha,
                             long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        try (Arena arena = Arena.ofConfined()) {
            check("cublasSgemm_v2", (int) Handles.cublasSgemm.invokeExact(handle, transA, transB, m, n, k,
                    arena.allocateFrom(JAVA_FLOAT, alpha), a, lda, b, ldb, arena.allocateFrom(JAVA_FLOAT, beta), c, ldc));
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    public static void sgemmStridedBatched(MemorySegment handle, int transA, int transB, int m, int n, int k, float alpha,
                                           long a, int lda, long strideA, long b, int ldb, long strideB, float beta,
                                           long c, int ldc, long strideC, int batch) {
        try (Arena arena = Arena.ofConfined()) {
            check("cublasSgemmStridedBatched", (int) Handles.cublasSgemmStridedBatched.invokeExact(handle, transA, transB, m, n, k,
                    arena.allocateFrom(JAVA_FLOAT, alpha), a, lda, strideA, b, ldb, strideB,
                    arena.allocateFrom(JAVA_FLOAT, beta), c, ldc, strideC, batch));
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    /** Mixed-precision GEMM (A/B in FP16 or BF16 as stored, C in FP32), FP32 accumulation. */
    public static void gemmEx(MemorySegment handle, int transA, int transB, int m, int n, int k, float alpha,
                              long a, int aType, int lda, long b, int bType, int ldb, float beta, long c, int cType, int ldc) {
        try (Arena arena = Arena.ofConfined()) {
            check("cublasGemmEx", (int) Handles.cublasGemmEx.invokeExact(handle, transA, transB, m, n, k,
                    arena.allocateFrom(JAVA_FLOAT, alpha), a, aType, lda, b, bType, ldb,
                    arena.allocateFrom(JAVA_FLOAT, beta), c, cType, ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }

    public static void gemmStridedBatchedEx(MemorySegment handle, int transA, int transB, int m, int n, int k, float alpha,
                                            long a, int aType, int lda, long strideA, long b, int bType, int ldb, long strideB,
                                            float beta, long c, int cType, int ldc, long strideC, int batch) {
        try (Arena arena = Arena.ofConfined()) {
            check("cublasGemmStridedBatchedEx", (int) Handles.cublasGemmStridedBatchedEx.invokeExact(handle, transA, transB, m, n, k,
                    arena.allocateFrom(JAVA_FLOAT, alpha), a, aType, lda, strideA, b, bType, ldb, strideB,
                    arena.allocateFrom(JAVA_FLOAT, beta), c, cType, ldc, strideC, batch, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        } catch (Throwable t) { throw CudaDriver.rethrow(t); }
    }
}
