package zest.engine.cpu;

/**
 * A range of flattened output pixels split into runs that stay within one output row, so im2col packing can
 * copy each run as one contiguous (or evenly strided) stretch of an input row.
 */
final class PixelRuns {
    int count;
    /** Per run: offset of its first pixel within the range, output row, first output column, length. */
    final int[] column, oy, ox, length;

    PixelRuns(int maxRuns) {
        column = new int[maxRuns];
        oy = new int[maxRuns];
        ox = new int[maxRuns];
        length = new int[maxRuns];
    }

    /** Splits pixels [first, first+count) of an image whose output rows are ow wide. */
    void split(int first, int pixels, int ow) {
        count = 0;
        int y = first / ow, x = first % ow;
        for (int done = 0; done < pixels; ) {
            int len = Math.min(pixels - done, ow - x);
            column[count] = done;
            oy[count] = y;
            ox[count] = x;
            length[count] = len;
            count++;
            done += len;
            x = 0;
            y++;
        }
    }
}
