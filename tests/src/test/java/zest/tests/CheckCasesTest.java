package zest.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import zest.cli.CheckCommand;
import zest.diffusion.check.Comparison;

/**
 * Every sd-tiny reference case replayed through {@code zest check}'s code path, on the diffusers folder (F32) and
 * on the original-LDM single file (F16, configs taken from the folder beside it): each output within the case
 * kind's tolerance (1e-4 relative; scheduler 1e-5; the 10-step pipeline 1e-3).
 */
class CheckCasesTest {
    static Path resource(String name) {
        try {
            return Path.of(CheckCasesTest.class.getResource("/sd-tiny/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> cases() {
        List<String> kinds = List.of("clip", "unet", "unet_grad", "vae", "scheduler", "pipeline", "zestguide");
        Stream.Builder<Arguments> b = Stream.builder();
        for (String model : List.of("diffusers", "ldm"))
            for (String k : kinds) b.add(Arguments.of(model, k));
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void replaysWithinTolerance(String layout, String kind) {
        Path model = layout.equals("diffusers") ? resource("model_index.json").getParent() : resource("sd-tiny-ldm.safetensors");
        List<Comparison> results = CheckCommand.run(model, null, resource("cases/" + kind + ".safetensors"), null, null);
        StringBuilder report = new StringBuilder();
        for (Comparison c : results) {
            System.out.println("[check " + layout + "] " + c.line());
            if (!c.passed()) report.append(c.line()).append('\n');
        }
        assertTrue(report.isEmpty(), "outputs over tolerance:\n" + report);
        assertTrue(results.size() >= 2, "a " + kind + " case compares several outputs");
    }
}
