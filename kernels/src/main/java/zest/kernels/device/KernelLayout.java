package zest.kernels.device;

import java.util.Arrays;

/**
 * The {@code Layout} parameter block of common.cuh: the output shape and the element strides of up to two inputs
 * over it, as 1 + 3·8 ints. Adjacent dims both inputs walk uniformly are merged, so the kernel's index arithmetic
 * runs over as few dims as possible (and shapes of any rank fit the 8 slots once merged).
 */
public record KernelLayout(int rank, int[] shape, int[] stridesA, int[] stridesB) {
    public static final int MAX_RANK = 8;
    public static final int BYTES = (1 + 3 * MAX_RANK) * Integer.BYTES;

    /** The layout of an output of {@code shape} read through strides {@code a} and {@code b} (b may be null). */
    public static KernelLayout of(int[] shape, int[] a, int[] b) {
        int[] bb = b == null ? new int[shape.length] : b;
        int[] s = new int[shape.length], sa = new int[shape.length], sb = new int[shape.length];
        int r = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            if (r > 0 && sa[r - 1] == a[d] * shape[d] && sb[r - 1] == bb[d] * shape[d]) {
                s[r - 1] *= shape[d];
                sa[r - 1] = a[d];
                sb[r - 1] = bb[d];
            } else {
                s[r] = shape[d];
                sa[r] = a[d];
                sb[r] = bb[d];
                r++;
            }
        }
        if (r > MAX_RANK)
            throw new IllegalArgumentException("a strided layout of shape " + Arrays.toString(shape) + " needs " + r
                    + " dims after merging; the kernels take at most " + MAX_RANK);
        return new KernelLayout(r, Arrays.copyOf(s, MAX_RANK), Arrays.copyOf(sa, MAX_RANK), Arrays.copyOf(sb, MAX_RANK));
    }

    /** The ints in the order of the C struct. */
    public int[] packed() {
        int[] p = new int[1 + 3 * MAX_RANK];
        p[0] = rank;
        System.arraycopy(shape, 0, p, 1, MAX_RANK);
        System.arraycopy(stridesA, 0, p, 1 + MAX_RANK, MAX_RANK);
        System.arraycopy(stridesB, 0, p, 1 + 2 * MAX_RANK, MAX_RANK);
        return p;
    }
}
