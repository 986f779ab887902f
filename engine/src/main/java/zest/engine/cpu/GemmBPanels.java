package zest.engine.cpu;

/**
 * Supplies the B operand of a blocked GEMM one block at a time, already packed into micro-panels of
 * {@link GemmMicroKernel#NR} columns. Plain matrices implement it with a copy; convolutions implement it by
 * reading the input image directly (implicit im2col), so no full im2col matrix ever exists.
 */
interface GemmBPanels {
    /**
     * Packs rows [p0, p0+kc) × columns [j0, j0+nc) of B into ceil(nc/NR) consecutive micro-panels: element
     * (p, j) goes to {@code dst[dstOff + (j/NR)*kc*NR + p*NR + j%NR]}; columns past nc in the last panel are zero.
     * Must be safe to call concurrently for disjoint column ranges.
     */
    void pack(int p0, int kc, int j0, int nc, float[] dst, int dstOff);
}
