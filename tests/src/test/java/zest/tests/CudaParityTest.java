package zest.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import zest.cli.CheckCommand;
import zest.diffusion.check.Comparison;
import zest.engine.device.Backends;
import zest.engine.device.Device;

/**
 * The sd-tiny parity cases with the model's weights on cuda:0 (zest check --device cuda), same tolerances as on
 * the CPU. Skipped, with the reason, where no CUDA device is usable.
 */
class CudaParityTest {

    @ParameterizedTest(name = "{0} on cuda:0")
    @ValueSource(strings = {"clip", "unet", "unet_grad", "vae", "pipeline", "zestguide"})
    void replaysWithinToleranceOnTheGpu(String kind) {
        String reason = Backends.of(Device.Kind.CUDA).unavailableReason();
        assumeTrue(reason == null, () -> "no CUDA device: " + reason);
        Path model = CheckCasesTest.resource("model_index.json").getParent();
        List<Comparison> results = CheckCommand.run(model, null, CheckCasesTest.resource("cases/" + kind + ".safetensors"), null, null, Device.cuda(0));
        StringBuilder report = new StringBuilder();
        for (Comparison c : results) {
            System.out.println("[check cuda:0] " + c.line());
            if (!c.passed()) report.append(c.line()).append('\n');
        }
        assertTrue(report.isEmpty(), "outputs over tolerance on cuda:0:\n" + report);
        assertTrue(results.size() >= 2, "a " + kind + " case compares several outputs");
    }
}
