package zest.convert.ckpt;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflating a deflated zip entry into memory. torch.save stores entries uncompressed, but a re-zipped checkpoint may
 * not be: the output buffer grows with what the data really inflates to and never past the declared size, so a
 * lying header cannot make us allocate more than the compressed data can produce.
 */
final class Inflation {
    private Inflation() {}

    /** Deflate cannot expand data more than about 1032:1; a declared size beyond that is a lie. */
    private static final long MAX_RATIO = 1032;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    static byte[] inflate(String what, MemorySegment compressed, long declaredSize) {
        if (declaredSize < 0 || declaredSize > MAX_ARRAY || compressed.byteSize() > MAX_ARRAY)
            throw new CheckpointException(what + " is deflated and over 2 GiB (" + Long.toUnsignedString(declaredSize)
                    + " bytes); re-save it uncompressed (torch.save does) so it can be memory-mapped");
        if (declaredSize > compressed.byteSize() * MAX_RATIO + 1024)
            throw new CheckpointException(what + " claims " + declaredSize + " bytes from " + compressed.byteSize()
                    + " deflated bytes, more than deflate can produce (file damaged?)");
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(compressed.asByteBuffer());
            byte[] out = new byte[(int) Math.min(declaredSize, 1 << 16)];
            int n = 0, stalls = 0;
            while (!inflater.finished()) {
                int k;
                if (n < out.length) {
                    k = inflater.inflate(out, n, out.length - n);
                    n += k;
                } else if (n < declaredSize) {
                    out = Arrays.copyOf(out, (int) Math.min(declaredSize, Math.max(2L * n, 4096)));
                    continue;
                } else {
                    // the buffer holds the declared size: the stream must end without more output
                    k = inflater.inflate(new byte[1]);
                    if (k > 0)
                        throw new CheckpointException(what + " inflates to more than its declared " + declaredSize + " bytes (file damaged?)");
                }
                if (k == 0 && !inflater.finished()
                        && (inflater.needsInput() || inflater.needsDictionary() || ++stalls > 1 << 20))
                    throw new CheckpointException(what + ": the deflated data ends early (file truncated or damaged?)");
            }
            if (n != declaredSize)
                throw new CheckpointException(what + " inflates to " + n + " bytes, not its declared " + declaredSize + " (file damaged?)");
            return out;
        } catch (DataFormatException e) {
            throw new CheckpointException(what + ": corrupt deflated data (" + e.getMessage() + ")", e);
        } finally {
            inflater.end();
        }
    }
}
