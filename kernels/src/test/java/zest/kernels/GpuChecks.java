package zest.kernels;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import zest.kernels.cuda.CudaLibraries;

/**
 * Runs the GPU checks without Maven (the GPU machine has only the jlink runtime and the jars): the kernels module's
 * tests (the cross-backend property suite included) and the sd-tiny parity on CUDA. Refuses to run where no GPU is
 * usable, so a skipped suite can never pass for a checked one. Arguments: selectors {@code package:NAME} or
 * {@code class:NAME}; default {@code package:zest.kernels class:zest.tests.CudaParityTest}.
 * {@code --allow-no-gpu} runs them anyway (to check a bundle on a machine without a GPU; CUDA cases then skip).
 * Exit code 0 = all passed, 1 = failures, 3 = no GPU.
 */
public final class GpuChecks {
    private GpuChecks() {}

    public static void main(String[] args) {
        List<String> argList = new ArrayList<>(List.of(args));
        // --allow-no-gpu: run anyway (the CUDA cases skip); used to check a bundle's runtime on a machine without a GPU
        boolean allowNoGpu = argList.remove("--allow-no-gpu");
        String reason = CudaLibraries.probe();
        if (reason != null && !allowNoGpu) {
            System.out.println("no usable CUDA device: " + reason);
            System.exit(3);
        }
        List<DiscoverySelector> selectors = new ArrayList<>();
        List<String> specs = !argList.isEmpty() ? argList : List.of("package:zest.kernels", "class:zest.tests.CudaParityTest");
        for (String s : specs) {
            if (s.startsWith("package:")) selectors.add(DiscoverySelectors.selectPackage(s.substring(8)));
            else if (s.startsWith("class:")) selectors.add(DiscoverySelectors.selectClass(s.substring(6)));
            else throw new IllegalArgumentException("selector '" + s + "': expected package:NAME or class:NAME");
        }
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectors).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener log = new TestExecutionListener() {
            @Override public void executionSkipped(TestIdentifier t, String why) {
                System.out.println("SKIPPED " + t.getDisplayName() + ": " + why);
            }

            @Override public void executionFinished(TestIdentifier t, TestExecutionResult r) {
                if (!t.isTest()) return;
                String detail = r.getThrowable().map(e -> " — " + e.getMessage()).orElse("");
                System.out.println(r.getStatus() + " " + t.getLegacyReportingName() + detail);
            }
        };
        launcher.execute(request, summary, log);
        PrintWriter out = new PrintWriter(System.out, true);
        summary.getSummary().printTo(out);
        summary.getSummary().printFailuresTo(out, 20);
        System.exit(summary.getSummary().getTotalFailureCount() == 0 ? 0 : 1);
    }
}
