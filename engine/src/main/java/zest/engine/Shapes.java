package zest.engine;

import java.util.Arrays;

/** Shape arithmetic: element counts, contiguous strides, broadcasting, dim normalisation. */
public final class Shapes {
    private Shapes() {}

    public static long numel(int[] shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative size in shape " + Arrays.toString(shape));
            n *= s;
        }
        return n;
    }

    /** Element count, which must fit a Java array. */
    public static int numelInt(int[] shape) {
        long n = numel(shape);
        if (n > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + n + " elements, more than one array can hold");
        return (int) n;
    }

    public static int[] contiguousStrides(int[] shape) {
        int[] st = new int[shape.length];
        int s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = s;
            s *= Math.max(shape[d], 1);
        }
        return st;
    }

    public static boolean isContiguous(int[] shape, int[] strides) {
        int s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != s) return false;
            s *= shape[d];
        }
        return true;
    }

    /** Dim d in [-rank, rank) as a non-negative index. */
    public static int normDim(int d, int rank) {
        int r = d < 0 ? d + rank : d;
        if (r < 0 || r >= Math.max(rank, 1)) throw new IllegalArgumentException("dim " + d + " out of range for rank " + rank);
        return r;
    }

    /** Resolves one -1 in a requested shape against the element count. */
    public static int[] inferShape(int[] requested, int numel, int[] from) {
        int[] s = requested.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (unknown >= 0) throw new IllegalArgumentException("only one -1 allowed in " + Arrays.toString(requested));
                unknown = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("negative size in " + Arrays.toString(requested));
            } else known *= s[i];
        }
        if (unknown >= 0) {
            if (known == 0 || numel % known != 0)
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(from) + " to " + Arrays.toString(requested));
            s[unknown] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(from) + " (" + numel + " elements) to " + Arrays.toString(requested));
        }
        return s;
    }

    /** The broadcast shape of a and b (NumPy rules). */
    public static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    public static String str(int[] shape) { return Arrays.toString(shape); }
}
