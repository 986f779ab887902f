package zest.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A read-only array of 16-bit floats — IEEE half (F16) or bfloat16 — in a little-endian memory segment (a weight
 * mapped from a checkpoint), widened to float only where a kernel reads it. Widening is exact, so a kernel that
 * packs from here computes the same bits as one given the widened float copy, without that copy existing.
 *
 * @param segment  the 16-bit values, element i at byte 2·i
 * @param bfloat16 true for bfloat16, false for IEEE half
 */
public record HalfArray(MemorySegment segment, boolean bfloat16) {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    /** Shorts with as many lanes as the float species (half its bit size). */
    private static final VectorSpecies<Short> HALF_SHORTS = VectorSpecies.of(short.class,
            VectorShape.forBitSize(FLOATS.vectorBitSize() / 2));
    /** 2^112: scales a half's exponent (bias 15) to a float's (bias 127), subnormal halves included. */
    private static final float HALF_TO_FLOAT_SCALE = 0x1p112f;

    public HalfArray {
        if (segment.byteSize() % 2 != 0) throw new IllegalArgumentException("a 16-bit array needs an even byte size, got " + segment.byteSize());
    }

    public long length() { return segment.byteSize() / 2; }

    /** Element i widened to float. */
    public float get(long i) {
        short h = segment.get(SHORT, 2 * i);
        return bfloat16 ? Float.intBitsToFloat(h << 16) : Float.float16ToFloat(h);
    }

    /** Widens elements [from, from+n) into dst[dstOff, dstOff+n), bit for bit as {@link Float#float16ToFloat}. */
    public void widen(long from, float[] dst, int dstOff, int n) {
        if (n < 0 || from < 0 || from + n > length() || dstOff < 0 || dstOff + n > dst.length)
            throw new IndexOutOfBoundsException("widen " + n + " from " + from + " of " + length() + " into " + dst.length + " at " + dstOff);
        int lanes = FLOATS.length(), i = 0;
        long at = 2 * from;
        for (int bound = n - lanes; i <= bound; i += lanes, at += 2L * lanes) {
            IntVector bits = (IntVector) ShortVector.fromMemorySegment(HALF_SHORTS, segment, at, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            FloatVector f = bfloat16 ? bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats() : halfToFloat(bits);
            f.intoArray(dst, dstOff + i);
        }
        for (; i < n; i++, at += 2) {
            short h = segment.get(SHORT, at);
            dst[dstOff + i] = bfloat16 ? Float.intBitsToFloat(h << 16) : Float.float16ToFloat(h);
        }
    }

    /** All elements as a new float array (for the few kernels that read a weight other than by packing it). */
    public float[] toFloats() {
        float[] out = new float[Math.toIntExact(length())];
        widen(0, out, 0, out.length);
        return out;
    }

    /**
     * IEEE half bits (sign-extended to int lanes) → float: the magnitude bits shifted into a float's place and scaled
     * by 2^112 (exact for normal and subnormal halves), infinities and NaNs given the float's all-ones exponent with
     * their payload kept, then the sign.
     */
    private static FloatVector halfToFloat(IntVector h) {
        IntVector magnitude = h.and(0x7fff);
        FloatVector scaled = magnitude.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_TO_FLOAT_SCALE);
        VectorMask<Integer> special = magnitude.compare(VectorOperators.GE, 0x7c00);
        IntVector bits = scaled.reinterpretAsInts()
                .blend(magnitude.lanewise(VectorOperators.LSHL, 13).or(0x7f800000), special);
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }
}
