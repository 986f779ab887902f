package zest.kernels.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed PTX must be what the committed .cu sources make. Everywhere: the manifest's source hashes equal
 * the sources' (an edited kernel without regenerated PTX fails here, GPU or not) and its PTX hashes equal the
 * resources'. Where nvcc is on the PATH (and is the version that made them): regenerating gives the same bytes.
 */
class PtxResourcesTest {
    static final Path SOURCES = Path.of("src/main/cuda");
    static final Path RESOURCES = Path.of("src/main/resources/zest/kernels/ptx");
    static final List<String> ARCHS = List.of("sm_80", "sm_90");

    @TempDir Path tmp;

    static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    static List<String> manifest() throws IOException {
        return Files.readAllLines(RESOURCES.resolve("manifest.txt"));
    }

    @Test
    void manifestMatchesTheSourcesAndTheCommittedPtx() throws Exception {
        Set<String> sourcesListed = new TreeSet<>();
        int ptxListed = 0;
        for (String line : manifest()) {
            String[] p = line.split(" ");
            switch (p[0]) {
                case "source" -> {
                    assertEquals(p[1], sha256(SOURCES.resolve(p[2])), p[2] + " changed since its PTX was made: run kernels/scripts/build-ptx.sh");
                    sourcesListed.add(p[2]);
                }
                case "ptx" -> {
                    assertEquals(p[1], sha256(RESOURCES.resolve(p[2])), p[2] + " differs from the manifest: run kernels/scripts/build-ptx.sh");
                    ptxListed++;
                }
                case "nvcc" -> { }
                default -> throw new AssertionError("unexpected manifest line " + line);
            }
        }
        Set<String> sourcesPresent = new TreeSet<>();
        try (Stream<Path> s = Files.list(SOURCES)) {
            s.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".cu") || n.endsWith(".cuh")).forEach(sourcesPresent::add);
        }
        assertEquals(sourcesPresent, sourcesListed, "every kernel source has PTX (run kernels/scripts/build-ptx.sh)");
        long cuFiles = sourcesPresent.stream().filter(n -> n.endsWith(".cu")).count();
        assertEquals(cuFiles * ARCHS.size(), ptxListed);
    }

    @Test
    void everyKernelTheJavaSideLaunchesIsAnEntryOfItsPtx() throws Exception {
        // (file, kernel) pairs as the launch wrappers name them: KernelLaunch.of(ctx, "file", "kernel") / launch(ctx, "file", "kernel")
        Pattern call = Pattern.compile("launch\\(ctx, \"(\\w+)\", (?:\"(\\w+)\"|log \\? \"(\\w+)\" : \"(\\w+)\")\\)");
        String java = Files.readString(Path.of("src/main/java/zest/kernels/backend/CudaBackend.java"));
        Matcher m = call.matcher(java);
        List<String[]> used = new ArrayList<>();
        while (m.find()) {
            for (int g = 2; g <= 4; g++) if (m.group(g) != null) used.add(new String[] {m.group(1), m.group(g)});
        }
        // the gathers are chosen by dtype in a switch: listed here
        for (String g : new String[] {"gather_f32", "gather_f16", "gather_bf16"}) used.add(new String[] {"copy", g});
        assertEquals(17, used.size(), "launch sites found in CudaBackend (update this count with new kernels)");
        for (String arch : ARCHS)
            for (String[] u : used) {
                String ptx = Files.readString(RESOURCES.resolve(arch).resolve(u[0] + ".ptx"));
                assertTrue(ptx.contains(".visible .entry " + u[1] + "("), arch + "/" + u[0] + ".ptx has no kernel " + u[1]);
            }
    }

    @Test
    void regeneratingWithNvccGivesTheCommittedBytes() throws Exception {
        String version = nvccVersion();
        assumeTrue(version != null, "nvcc is not on the PATH: the committed PTX is checked against the source hashes only");
        String made = manifest().get(0).substring("nvcc ".length());
        assumeTrue(made.equals(version), "the committed PTX was made by nvcc " + made + ", this nvcc is " + version
                + ": byte equality is only expected from the same compiler");
        Process p = new ProcessBuilder("bash", "scripts/build-ptx.sh", tmp.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "build-ptx.sh timed out");
        assertEquals(0, p.exitValue(), out);
        for (String arch : ARCHS)
            try (Stream<Path> s = Files.list(RESOURCES.resolve(arch))) {
                for (Path committed : s.toList())
                    assertEquals(Files.readString(committed), Files.readString(tmp.resolve(arch).resolve(committed.getFileName())),
                            arch + "/" + committed.getFileName() + " is stale: run kernels/scripts/build-ptx.sh");
            }
        assertEquals(manifest(), Files.readAllLines(tmp.resolve("manifest.txt")));
    }

    static String nvccVersion() {
        try {
            Process p = new ProcessBuilder("nvcc", "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
            Matcher m = Pattern.compile("release [0-9.]+, (V[0-9.]+)").matcher(out);
            return m.find() ? m.group(1) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
