package zest.kernels.backend;

import zest.kernels.cuda.Cublas;
import zest.kernels.device.CudaContext;

/**
 * Row-major products on column-major cuBLAS. A row-major m×n C is the column-major n×m Cᵀ, and Cᵀ = Bᵀ·Aᵀ, so
 * the call swaps the operands: cuBLAS sees B first (n×k, leading dim n, or k when B is stored transposed) and A
 * second (k×m, leading dim k, or m when stored transposed). FP32 in, FP32 out, pedantic math (no TF32).
 */
final class Gemm {
    private Gemm() {}

    /**
     * C[batch, m, n] = op(A)·op(B), A stored [batch, m, k] (or [batch, k, m] when transA), B stored [batch, k, n]
     * (or [batch, n, k] when transB), all contiguous.
     */
    static void rowMajorBatched(CudaContext ctx, long a, boolean transA, long b, boolean transB, long c, int batch, int m, int n, int k) {
        if (batch == 0 || m == 0 || n == 0) return;
        if (k == 0) {
            ctx.makeCurrent();
            zest.kernels.cuda.CudaDriver.memset32Async(c, 0, (long) batch * m * n, ctx.stream());
            return;
        }
        int opB = transB ? Cublas.CUBLAS_OP_T : Cublas.CUBLAS_OP_N, opA = transA ? Cublas.CUBLAS_OP_T : Cublas.CUBLAS_OP_N;
        int ldb = transB ? k : n, lda = transA ? m : k;
        ctx.makeCurrent();
        if (batch == 1) {
            Cublas.sgemm(ctx.cublas(), opB, opA, n, m, k, 1f, b, ldb, a, lda, 0f, c, n);
        } else {
            Cublas.sgemmStridedBatched(ctx.cublas(), opB, opA, n, m, k, 1f, b, ldb, (long) k * n, a, lda, (long) m * k,
                    0f, c, n, (long) m * n, batch);
        }
    }
}
