package zest.engine.cpu;

/**
 * Supplies the A operand of a blocked GEMM one block at a time, as a dense row-major copy. The micro-kernel
 * reads MR rows of it at once (row stride kc), and a dense block stays cache-friendly whatever A's real layout.
 */
interface GemmAPanels {
    /**
     * Copies rows [i0, i0+rows) × columns [p0, p0+kc) of A to {@code dst[r*kc + p]}. Must be safe to call
     * concurrently for different row ranges.
     */
    void pack(int i0, int rows, int p0, int kc, float[] dst);
}
