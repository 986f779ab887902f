package zest.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Whole-plane helpers for the convolution kernels: bias add and plane sums. */
final class ConvPlanes {
    private static final VectorSpecies<Float> SPECIES = GemmMicroKernel.SPECIES;

    private ConvPlanes() {}

    /** out[img][o][*] += bias[o] for every image and output channel. */
    static void addBias(float[] out, int off, int n, int oc, int plane, float[] bias) {
        Parallel.parallelFor(n * oc, t -> {
            int base = off + t * plane;
            FloatVector b = FloatVector.broadcast(SPECIES, bias[t % oc]);
            int i = 0;
            for (int bound = SPECIES.loopBound(plane); i < bound; i += SPECIES.length()) {
                FloatVector.fromArray(SPECIES, out, base + i).add(b).intoArray(out, base + i);
            }
            for (; i < plane; i++) out[base + i] += bias[t % oc];
        });
    }

    /** Σ a[off .. off+len), vector partial sums folded into a double per vector block. */
    static double sum(float[] a, int off, int len) {
        double total = 0;
        int i = 0;
        // fold every 64 vectors into the double so float partial sums stay short
        for (int bound = SPECIES.loopBound(len); i < bound; ) {
            FloatVector acc = FloatVector.zero(SPECIES);
            for (int stop = Math.min(bound, i + 64 * SPECIES.length()); i < stop; i += SPECIES.length()) {
                acc = acc.add(FloatVector.fromArray(SPECIES, a, off + i));
            }
            total += VectorMath.sum(acc); // lane order: the same bits interpreted or JIT-compiled
        }
        for (; i < len; i++) total += a[off + i];
        return total;
    }
}
