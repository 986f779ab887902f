package zest.diffusion.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import zest.engine.DType;
import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.Parameter;

/**
 * Random weights written straight into 16-bit storage, one parameter at a time, in a memory-mapped scratch file
 * (deleted at once; the mapping lives on): what an F16 checkpoint mapped from disk is, outside the Java heap and
 * outside the direct-memory limit. The model's F32 copy never exists, so the bench's peak memory is that of an F16
 * model. Values follow PyTorch's default scale (uniform ±1/√fan_in for matrices and filters); 1-D norm scales are
 * 1 and biases 0, so activations stay in range.
 */
final class RandomHalfWeights {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private RandomHalfWeights() {}

    /** Sets every parameter of {@code model} to random F16 values; returns the bytes they take. */
    static long fill(Module model, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        long total = 0;
        for (Parameter p : model.namedParameters().values()) total += 2 * p.numel();
        MemorySegment all = mapScratch(total);
        long bytes = 0;
        for (Parameter p : model.namedParameters().values()) {
            int[] shape = p.shape();
            long n = p.numel();
            MemorySegment seg = all.asSlice(bytes, 2 * n);
            boolean vector = shape.length == 1;
            float one = p.localName().endsWith("weight") ? 1f : 0f, bound = (float) (1 / Math.sqrt(n / shape[0]));
            for (long i = 0; i < n; i++) {
                float v = vector ? one : (float) rng.nextDouble(-bound, bound);
                seg.setAtIndex(SHORT, i, Float.floatToFloat16(v));
            }
            p.set(Tensor.ofSegment(seg, DType.F16, shape));
            bytes += 2 * n;
        }
        return bytes;
    }

    private static MemorySegment mapScratch(long bytes) {
        try {
            Path file = Files.createTempFile("zest-bench-weights", ".f16");
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                return ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, Arena.ofAuto()); // grows the file to fit
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map a scratch file for the bench weights: " + e.getMessage(), e);
        }
    }
}
