package zest.engine.random;

import zest.engine.Tensor;

/**
 * A random generator that reproduces PyTorch's CPU generator bit for bit: {@code new TorchGenerator(seed)} followed by
 * {@code randn}/{@code rand} calls gives the same float32 values as
 * {@code g = torch.Generator().manual_seed(seed); torch.randn(shape, generator=g)} / {@code torch.rand(...)} (checked
 * against torch 2.13 on x86-64 with AVX2). The state carries over from call to call as in torch.
 *
 * <p>What torch does, and this class therefore does:
 * <ul>
 * <li>The engine is the 32-bit Mersenne Twister (mt19937), seeded with the low 32 bits of the 64-bit seed
 *     (negative seeds are taken as their two's-complement uint64, as {@code manual_seed} does).</li>
 * <li>A uniform float is {@code (x & (2^24 - 1)) * 2^-24} of one 32-bit draw x; a uniform double is
 *     {@code (y & (2^53 - 1)) * 2^-53} of a 64-bit draw y made of two 32-bit draws, the first one high.</li>
 * <li>{@code randn} of at least 16 elements first fills the whole tensor with uniform floats, then turns each block of
 *     16 into normals by Box–Muller (u1 = 1 - element j, u2 = element j + 8; element j gets r·cos θ, element j + 8
 *     gets r·sin θ, j = 0..7). When the count is not a multiple of 16 the last 16 elements are re-drawn from fresh
 *     uniforms and transformed again. Torch's AVX2 kernel computes log, sin and cos with the Cephes-derived
 *     float polynomials of avx_mathfun.h, and its compiler fuses some multiply-adds; {@link #logf} and
 *     {@link #sincosf} replay exactly that arithmetic.</li>
 * <li>{@code randn} of fewer than 16 elements draws each value with the double-precision Box–Muller sampler (two
 *     uniform doubles; r = sqrt(-2 log1p(-u2)), θ = 2π u1; returns r·cos θ and keeps r·sin θ for the next scalar draw)
 *     and rounds it to float. The kept value is part of the generator's state.</li>
 * </ul>
 * <p>Values match torch on x86-64 CPUs where torch runs its AVX2 or AVX512 kernels (any recent x86 CPU). Torch's
 * portable kernel ({@code ATEN_CPU_CAPABILITY=default}, and likely non-x86 builds) differs in the last bits for
 * {@code randn} of 16 or more elements; that variant is not reproduced.
 *
 * <p>Methods are synchronized, so sharing a generator between threads is safe, but which thread gets which values then
 * depends on scheduling: use one generator per reproducible stream.
 */
public final class TorchGenerator {
    private static final int N = 624, M = 397;
    private static final int MATRIX_A = 0x9908b0df;
    private static final int UPPER_MASK = 0x80000000, LOWER_MASK = 0x7fffffff;

    private final int[] mt = new int[N];
    private int next;
    private long seed;
    /** Second value of the last scalar (double) Box–Muller pair, if not used yet. */
    private double nextDoubleNormal;
    private boolean hasNextDoubleNormal;

    /** The generator of {@code torch.Generator().manual_seed(seed)}. */
    public TorchGenerator(long seed) {
        manualSeed(seed);
    }

    /** Re-seeds, as {@code manual_seed}: resets the twister and drops any kept normal value. Returns this. */
    public synchronized TorchGenerator manualSeed(long seed) {
        this.seed = seed;
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        next = N;
        hasNextDoubleNormal = false;
        nextDoubleNormal = 0;
        return this;
    }

    /** The seed given to the constructor or to the last {@link #manualSeed} (as torch's {@code initial_seed}, as uint64 bits). */
    public synchronized long initialSeed() { return seed; }

    // ---------------------------------------------------------------- public sampling API

    /** {@code n} standard normal floats, as {@code torch.randn(n, generator=g)}. */
    public synchronized float[] randn(int n) {
        if (n < 0) throw new IllegalArgumentException("negative count " + n);
        float[] out = new float[n];
        if (n >= 16) {
            for (int i = 0; i < n; i++) out[i] = nextUniformFloat();
            for (int i = 0; i + 16 <= n; i += 16) boxMuller16(out, i);
            if (n % 16 != 0) {
                for (int i = n - 16; i < n; i++) out[i] = nextUniformFloat();
                boxMuller16(out, n - 16);
            }
        } else {
            for (int i = 0; i < n; i++) out[i] = (float) nextDoubleNormal();
        }
        return out;
    }

    /** {@code n} uniform floats in [0, 1), as {@code torch.rand(n, generator=g)}. */
    public synchronized float[] rand(int n) {
        if (n < 0) throw new IllegalArgumentException("negative count " + n);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = nextUniformFloat();
        return out;
    }

    /** A contiguous F32 tensor of standard normals, as {@code torch.randn(shape, generator=g)}. */
    public Tensor randn(int... shape) {
        return Tensor.of(randn(count(shape)), shape);
    }

    /** A contiguous F32 tensor of uniforms in [0, 1), as {@code torch.rand(shape, generator=g)}. */
    public Tensor rand(int... shape) {
        return Tensor.of(rand(count(shape)), shape);
    }

    private static int count(int[] shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative size in shape " + java.util.Arrays.toString(shape));
            n *= s;
            if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " is too large");
        }
        return (int) n;
    }

    // ---------------------------------------------------------------- raw draws

    /** The next 32-bit output of the twister (torch's {@code random()}), as an int holding the unsigned bits. */
    public synchronized int nextInt32() {
        if (next >= N) twist();
        int y = mt[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** Torch's {@code random64()}: two 32-bit draws, the first in the high half. */
    public synchronized long nextInt64() {
        long hi = nextInt32() & 0xffffffffL;
        long lo = nextInt32() & 0xffffffffL;
        return hi << 32 | lo;
    }

    /** A uniform float in [0, 1) with 24 random bits (one 32-bit draw). */
    public synchronized float nextUniformFloat() {
        return (nextInt32() & 0xffffff) * 0x1p-24f;
    }

    /** A uniform double in [0, 1) with 53 random bits (one 64-bit draw). */
    public synchronized double nextUniformDouble() {
        return (nextInt64() & ((1L << 53) - 1)) * 0x1p-53;
    }

    /** A standard normal double from torch's scalar sampler (normal_distribution&lt;double&gt;), including its kept value. */
    public synchronized double nextDoubleNormal() {
        if (hasNextDoubleNormal) {
            hasNextDoubleNormal = false;
            return nextDoubleNormal;
        }
        double u1 = nextUniformDouble();
        double u2 = nextUniformDouble();
        double r = StrictMath.sqrt(-2.0 * StrictMath.log1p(-u2));
        double theta = 2.0 * Math.PI * u1;
        nextDoubleNormal = r * StrictMath.sin(theta);
        hasNextDoubleNormal = true;
        return r * StrictMath.cos(theta);
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & UPPER_MASK) | (mt[(i + 1) % N] & LOWER_MASK);
            int v = mt[(i + M) % N] ^ (y >>> 1);
            if ((y & 1) != 0) v ^= MATRIX_A;
            mt[i] = v;
        }
        next = 0;
    }

    // ---------------------------------------------------------------- vectorised normal transform (torch AVX2 kernel)

    /** float(2π), as the kernel's broadcast constant {@code 2.0f * pi<double>} rounded to float. */
    private static final float TWO_PI = (float) (2.0 * Math.PI);

    /** Box–Muller over 16 uniforms at {@code d[o..o+15]}, in place. */
    private static void boxMuller16(float[] d, int o) {
        float[] sc = new float[2];
        for (int j = 0; j < 8; j++) {
            float u1 = 1f - d[o + j];
            float u2 = d[o + j + 8];
            float radius = (float) Math.sqrt(-2f * logf(u1));
            sincosf(TWO_PI * u2, sc);
            d[o + j] = radius * sc[1];
            d[o + j + 8] = radius * sc[0];
        }
    }

    // Cephes single-precision constants (as in sse_mathfun / avx_mathfun).
    private static final float SQRTHF = 0.707106781186547524f;
    private static final float[] LOG_P = {7.0376836292E-2f, -1.1514610310E-1f, 1.1676998740E-1f, -1.2420140846E-1f,
            1.4249322787E-1f, -1.6668057665E-1f, 2.0000714765E-1f, -2.4999993993E-1f, 3.3333331174E-1f};
    private static final float LOG_Q1 = -2.12194440e-4f, LOG_Q2 = 0.693359375f;
    private static final float DP1 = -0.78515625f, DP2 = -2.4187564849853515625e-4f, DP3 = -3.77489497744594108e-8f;
    private static final float SIN_P0 = -1.9515295891E-4f, SIN_P1 = 8.3321608736E-3f, SIN_P2 = -1.6666654611E-1f;
    private static final float COS_P0 = 2.443315711809948E-005f, COS_P1 = -1.388731625493765E-003f, COS_P2 = 4.166664568298827E-002f;
    private static final float FOPI = 1.27323954473516f;

    /**
     * Natural log as torch's AVX2 kernel computes it: exponent/mantissa split, a degree-9 polynomial (Horner steps fused
     * into FMAs, as GCC contracts them) and the two-part ln 2 reconstruction. NaN for x &lt;= 0.
     */
    static float logf(float x) {
        if (!(x > 0f)) return Float.NaN;
        x = Math.max(x, Float.MIN_NORMAL); // denormals are cut off
        int bits = Float.floatToRawIntBits(x);
        float e = (float) ((bits >>> 23) - 0x7f) + 1f;
        x = Float.intBitsToFloat((bits & ~0x7f800000) | 0x3f000000); // mantissa in [0.5, 1)
        if (x < SQRTHF) {
            e -= 1f;
            x = (x - 1f) + x;
        } else {
            x = x - 1f;
        }
        float z = x * x;
        float y = LOG_P[0];
        for (int k = 1; k < LOG_P.length; k++) y = Math.fma(y, x, LOG_P[k]);
        y = y * x;
        y = Math.fma(y, z, e * LOG_Q1);
        y = Math.fma(-z, 0.5f, y); // z * 0.5 is exact, so fused or not is the same
        x = x + y;
        return Math.fma(e, LOG_Q2, x); // e * LOG_Q2 is exact
    }

    /** sin and cos (into {@code out[0]}, {@code out[1]}) as torch's AVX2 kernel computes them (Cephes, with fused multiply-adds). */
    static void sincosf(float xin, float[] out) {
        float x = Math.abs(xin);
        int signSin = Float.floatToRawIntBits(xin) & 0x80000000;
        int j = (int) (x * FOPI); // truncation, as cvttps
        j = (j + 1) & ~1;
        float y = (float) j;
        int swapSignSin = (j & 4) << 29;
        boolean polySin = (j & 2) == 0; // first polynomial region for sin: use the sine polynomial
        int signCos = (~(j - 2) & 4) << 29;
        signSin ^= swapSignSin;

        // extended-precision range reduction: x - y * pi/4 in three parts
        x = Math.fma(y, DP1, x);
        x = Math.fma(y, DP2, x);
        x = Math.fma(y, DP3, x);

        float z = x * x;
        float yc = Math.fma(COS_P0, z, COS_P1);
        yc = Math.fma(yc, z, COS_P2);
        yc = yc * z;
        yc = Math.fma(yc, z, -(z * 0.5f));
        yc = yc + 1f;

        float ys = Math.fma(SIN_P0, z, SIN_P1);
        ys = Math.fma(ys, z, SIN_P2);
        ys = ys * z;
        ys = Math.fma(ys, x, x);

        // select as the kernel does with bit masks (so the signs of zeros match too)
        float sinPart = polySin ? ys : 0f, cosPart = polySin ? 0f : yc;
        float s = cosPart + sinPart;
        float c = (yc - cosPart) + (ys - sinPart);
        out[0] = Float.intBitsToFloat(Float.floatToRawIntBits(s) ^ signSin);
        out[1] = Float.intBitsToFloat(Float.floatToRawIntBits(c) ^ signCos);
    }
}
