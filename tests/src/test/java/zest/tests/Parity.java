package zest.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import zest.engine.Tensor;
import zest.engine.io.SafetensorsFile;

/**
 * Comparison with the reference fixtures (tests/src/test/resources, computed with PyTorch + diffusers): errors are
 * reported as max-abs and max-relative, the latter relative to the reference's max-abs value (so near-zero
 * elements do not blow it up), and printed so every run leaves the figures in the surefire output.
 */
public final class Parity {
    private Parity() {}

    /** The fixtures' tolerance for a single float32 forward pass (see sd-tiny/README.md). */
    public static final double TOLERANCE = 1e-4;

    public record Error(String label, double maxAbs, double maxRel, double refMaxAbs) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-28s max-abs %.3e  max-rel %.3e  (ref max-abs %.4g)", label, maxAbs, maxRel, refMaxAbs);
        }
    }

    /** A path inside the tests' resources, e.g. {@code resource("sd-tiny/unet")}. */
    public static Path resource(String relative) {
        URL url = Parity.class.getResource("/" + relative);
        if (url == null) throw new IllegalStateException("test resource not found: " + relative);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tensors of {@code sd-tiny/cases/<name>.safetensors}. */
    public static Map<String, Tensor> sdTinyCase(String name) {
        return SafetensorsFile.open(resource("sd-tiny/cases/" + name + ".safetensors")).tensors();
    }

    public static Error error(String label, Tensor actual, Tensor expected) {
        assertArrayEquals(expected.shape(), actual.shape(), label + ": shape");
        float[] a = actual.floats(), e = expected.floats();
        double maxAbs = 0, refMax = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - e[i]);
            if (!(d <= maxAbs)) maxAbs = d; // NaN propagates
            refMax = Math.max(refMax, Math.abs(e[i]));
        }
        return new Error(label, maxAbs, refMax == 0 ? maxAbs : maxAbs / refMax, refMax);
    }

    /** Prints the errors and asserts max-rel ≤ tolerance. */
    public static Error assertClose(String label, Tensor actual, Tensor expected, double tolerance) {
        Error err = error(label, actual, expected);
        System.out.println("[parity] " + err);
        assertTrue(err.maxRel() <= tolerance, () -> err + " exceeds tolerance " + tolerance);
        return err;
    }

    public static Error assertClose(String label, Tensor actual, Tensor expected) {
        return assertClose(label, actual, expected, TOLERANCE);
    }
}
