package zest.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.cli.Main;
import zest.diffusion.io.PngFiles;
import zest.diffusion.io.RunRecord;

/** {@code zest generate} through {@link Main#execute}: outputs, metadata re-runs, heat maps, and every user error. */
class GenerateCliTest {
    static final String MODEL = CheckCasesTest.resource("model_index.json").getParent().toString();
    static final String PROMPT = "a red apple and a blue cup";
    @TempDir static Path shared;
    @TempDir Path dir;
    static Path left, disk;

    /** What one CLI call printed and returned. */
    record Outcome(int code, String out, String err) {
        void assertUserError(String... fragments) {
            assertEquals(Main.EXIT_USAGE, code, "exit code; stderr:\n" + err);
            for (String f : fragments) assertTrue(err.contains(f), "stderr should mention '" + f + "':\n" + err);
            assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace or exception name:\n" + err);
            assertTrue(err.strip().startsWith("zest") || err.contains("\nzest: "), err);
        }
    }

    static synchronized Outcome zest(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static Path mask(Path dir, String name, int w, int h, java.util.function.BiPredicate<Integer, Integer> inside) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) if (inside.test(x, y)) img.getRaster().setSample(x, y, 0, 255);
        Path p = dir.resolve(name);
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    @BeforeAll
    static void masks() throws IOException {
        left = mask(shared, "left.png", 128, 128, (x, y) -> x < 64);
        disk = mask(shared, "disk.png", 128, 128, (x, y) -> (x - 96) * (x - 96) + (y - 64) * (y - 64) < 900);
        // JIT warm-up before bit-for-bit comparisons: see PipelineTest.warmUp (engine reductions differ interpreted/compiled)
        PipelineTest.warmUp(zest.diffusion.model.ModelLoader.load(Path.of(MODEL), null), PipelineTest.twoSegments());
    }

    static List<String> args(String... more) {
        List<String> a = new ArrayList<>(List.of("generate", "--model", MODEL, "-p", PROMPT, "--steps", "3", "-s", "11"));
        a.addAll(List.of(more));
        return a;
    }

    static Outcome zest(List<String> args) { return zest(args.toArray(String[]::new)); }

    static int[] pixels(Path png) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void generatesAndReRunsFromTheStoredSettings() throws IOException {
        Path out = dir.resolve("out.png"), att = dir.resolve("attention");
        Outcome o = zest(args("--segment", left + "=red apple", "--segment", disk + "=blue cup", "-o", out.toString(),
                "--save-attention", att.toString()));
        assertEquals(0, o.code(), o.err());
        assertEquals(out.toString(), o.out().strip());
        assertTrue(o.err().contains("ZestGuide loss"), o.err());
        BufferedImage img = ImageIO.read(out.toFile());
        assertEquals(128, img.getWidth());
        assertEquals(128, img.getHeight());

        Map<String, String> text = PngFiles.readText(out);
        assertTrue(text.get(RunRecord.A1111_CHUNK).startsWith(PROMPT + "\nSteps: 3, Sampler: DDIM, CFG scale: 7.5, Seed: 11, Size: 128x128"),
                text.get(RunRecord.A1111_CHUNK));
        RunRecord.Run run = RunRecord.fromJson(text.get(RunRecord.CHUNK));
        assertEquals(PROMPT, run.settings().prompt());
        assertEquals(11L, run.settings().seed());
        assertEquals("zest", run.settings().guidance().cliName());
        assertEquals(List.of("red apple", "blue cup"), run.layout().texts());

        // attention heat maps: per segment, one per step and the mean
        try (Stream<Path> s = Files.list(att)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("seg0_red-apple_mean.png", "seg0_red-apple_step00.png", "seg0_red-apple_step01.png",
                    "seg0_red-apple_step02.png", "seg1_blue-cup_mean.png", "seg1_blue-cup_step00.png", "seg1_blue-cup_step01.png",
                    "seg1_blue-cup_step02.png"), names);
        }
        BufferedImage heat = ImageIO.read(att.resolve("seg1_blue-cup_mean.png").toFile());
        assertEquals(128, heat.getWidth());

        // --from: the same image, bit for bit
        Path again = dir.resolve("again.png");
        Outcome o2 = zest("generate", "--from", out.toString(), "-o", again.toString());
        assertEquals(0, o2.code(), o2.err());
        assertArrayEquals(pixels(out), pixels(again));
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(again), "same pixels and same metadata");

        // --from with an override: another seed, another image
        Path other = dir.resolve("other.png");
        assertEquals(0, zest("generate", "--from", out.toString(), "-o", other.toString(), "-s", "12").code());
        assertFalse(java.util.Arrays.equals(pixels(out), pixels(other)));
        assertEquals(12L, RunRecord.fromJson(PngFiles.readText(other).get(RunRecord.CHUNK)).settings().seed());
    }

    @Test
    void colorLayoutRuns() throws IOException {
        BufferedImage map = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 128; y++) for (int x = 0; x < 128; x++) map.setRGB(x, y, x < 64 ? 0xFF0000 : y < 64 ? 0x0000FF : 0xFFFFFF);
        Path png = dir.resolve("map.png"), labels = dir.resolve("labels.json"), out = dir.resolve("c.png");
        ImageIO.write(map, "png", png.toFile());
        Files.writeString(labels, "{\"#ff0000\": \"red apple\", \"#0000ff\": \"blue cup\", \"#ffffff\": \"\"}");
        Outcome o = zest(args("--layout", png.toString(), "--labels", labels.toString(), "--guidance", "zest+pww", "--sampler", "euler",
                "-o", out.toString()));
        assertEquals(0, o.code(), o.err());
        assertEquals("zest+pww", RunRecord.fromJson(PngFiles.readText(out).get(RunRecord.CHUNK)).settings().guidance().cliName());
    }

    // ---------------------------------------------------------------- user errors: exit 2, one clear message

    @Test
    void widthNotAMultipleOfEight() {
        zest(args("-W", "100", "-H", "128", "-o", dir.resolve("x.png").toString())).assertUserError("multiples of 8", "100x128");
        assertFalse(Files.exists(dir.resolve("x.png")));
        // checked before the model loads: a bad size is named even when the model would not load either
        zest("generate", "--model", dir.resolve("no-such-model").toString(), "-p", "x", "-H", "90", "-o", dir.resolve("x.png").toString())
                .assertUserError("multiples of 8", "x90");
    }

    @Test
    void maskSizeMismatch() throws IOException {
        Path small = mask(dir, "small.png", 64, 64, (x, y) -> x < 32);
        zest(args("--segment", left + "=red apple", "--segment", small + "=blue cup", "-o", dir.resolve("x.png").toString()))
                .assertUserError("small.png", "64x64", "128x128");
        zest(args("--segment", left + "=red apple", "-W", "256", "-H", "256", "-o", dir.resolve("x.png").toString()))
                .assertUserError("128x128", "256x256");
    }

    @Test
    void unknownColor() throws IOException {
        BufferedImage map = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 128; y++) for (int x = 0; x < 128; x++) map.setRGB(x, y, x < 64 ? 0xFF0000 : 0x00FF00);
        Path png = dir.resolve("map.png"), labels = dir.resolve("labels.json");
        ImageIO.write(map, "png", png.toFile());
        Files.writeString(labels, "{\"#ff0000\": \"red apple\"}");
        zest(args("--layout", png.toString(), "--labels", labels.toString(), "-o", dir.resolve("x.png").toString()))
                .assertUserError("#00ff00", "8192 px");
        zest(args("--layout", png.toString(), "-o", dir.resolve("x.png").toString())).assertUserError("--labels");
    }

    @Test
    void emptyMask() throws IOException {
        Path black = mask(dir, "black.png", 128, 128, (x, y) -> false);
        zest(args("--segment", left + "=red apple", "--segment", black + "=blue cup", "-o", dir.resolve("x.png").toString()))
                .assertUserError("black.png", "blue cup", "empty");
    }

    /** The pipeline appends missing segment texts; past 75 tokens the appended text is cut off, leaving no token. */
    @Test
    void segmentWordsNotInThePrompt() {
        String longPrompt = "a painting of " + "many small houses ".repeat(26);
        Path out = dir.resolve("x.png");
        List<String> a = new ArrayList<>(List.of("generate", "--model", MODEL, "-p", longPrompt, "--steps", "2", "-s", "1",
                "--segment", left + "=red apple", "--segment", disk + "=blue cup", "-o", out.toString()));
        zest(a).assertUserError("red apple", "75 tokens");
        assertFalse(Files.exists(out));
    }

    @Test
    void missingModelFolder() {
        zest("generate", "--model", dir.resolve("no-such-model").toString(), "-p", "x", "-o", dir.resolve("x.png").toString())
                .assertUserError("no-such-model", "not found");
    }

    @Test
    void notAModelFolder() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty-model"));
        Outcome o = zest("generate", "--model", empty.toString(), "-p", "x", "-o", dir.resolve("x.png").toString());
        o.assertUserError("empty-model");
    }

    @Test
    void guidanceWithoutALayout() {
        zest(args("--guidance", "zest", "-o", dir.resolve("x.png").toString())).assertUserError("needs a layout");
        zest(args("--guidance", "sideways", "-o", dir.resolve("x.png").toString())).assertUserError("sideways");
    }

    @Test
    void unknownSampler() {
        zest(args("--sampler", "heun", "-o", dir.resolve("x.png").toString())).assertUserError("heun", "ddim, pndm, euler, dpmpp2m");
    }

    @Test
    void badNumbersAndLayers() {
        zest(args("--steps", "lots")).assertUserError("lots");
        zest(args("--tau", "2", "-o", dir.resolve("x.png").toString())).assertUserError("tau");
        zest(args("--segment", left + "=red apple", "--layers", "sideways", "-o", dir.resolve("x.png").toString()))
                .assertUserError("sideways");
    }

    @Test
    void existingOutputIsNotOverwritten() throws IOException {
        Path out = dir.resolve("taken.png");
        Files.writeString(out, "precious");
        zest(args("-o", out.toString())).assertUserError("taken.png", "--overwrite");
        assertEquals("precious", Files.readString(out));
        Outcome o = zest(args("-o", out.toString(), "--overwrite"));
        assertEquals(0, o.code(), o.err());
        assertTrue(PngFiles.readText(out).containsKey(RunRecord.CHUNK));
    }

    @Test
    void fromAFileWithoutSettings() throws IOException {
        Path plain = dir.resolve("plain.png");
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", plain.toFile());
        zest("generate", "--from", plain.toString(), "-o", dir.resolve("x.png").toString()).assertUserError("plain.png", "no zest settings");
        Path text = dir.resolve("notes.png");
        Files.writeString(text, "hello");
        zest("generate", "--from", text.toString(), "-o", dir.resolve("x.png").toString()).assertUserError("notes.png");
    }
}
