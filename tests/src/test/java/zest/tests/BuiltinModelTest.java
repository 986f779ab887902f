package zest.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.diffusion.io.PngFiles;
import zest.diffusion.io.RunRecord;
import zest.diffusion.model.BuiltinModel;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.model.ModelLoader;
import zest.diffusion.toy.ToyDemo;

/** The model shipped in the jar: it loads, and generate, demo and train-toy --verify use it when no model is named. */
class BuiltinModelTest {
    @TempDir Path dir;

    @Test
    void unpacksOnceAndLoadsAsAPixelSpaceSdModel() {
        Path folder = BuiltinModel.folder();
        assertEquals(folder, BuiltinModel.folder());
        for (String f : BuiltinModel.FILES) assertTrue(Files.isRegularFile(folder.resolve(f)), f);
        DiffusionModel m = ModelLoader.load(folder, null);
        assertNull(m.vae());
        assertEquals(32, m.unet().config.sampleSize());
        assertEquals(3, m.latentChannels());
    }

    @Test
    void generateWithoutModelUsesItAndRecordsItByName() throws IOException {
        Path png = dir.resolve("cow.png");
        CliRun r = CliRun.of("generate", "-p", "a red circle on gray", "--steps", "4", "-s", "3", "-o", png.toString());
        assertEquals(0, r.exitCode(), r.toString());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(32, img.getWidth());
        assertEquals(32, img.getHeight());
        String json = PngFiles.readText(png).get(RunRecord.CHUNK);
        assertEquals(BuiltinModel.NAME, RunRecord.fromJson(json).model());
        Path again = dir.resolve("again.png");
        assertEquals(0, CliRun.of("generate", "--from", png.toString(), "-o", again.toString()).exitCode());
        BufferedImage img2 = ImageIO.read(again.toFile());
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) assertEquals(img.getRGB(x, y), img2.getRGB(x, y));
    }

    @Test
    void demoWritesTheComparisonAndKeepsAnEarlierOne() throws IOException {
        Path out = dir.resolve("demo");
        CliRun r = CliRun.of("demo", "--out", out.toString(), "--steps", "4");
        assertEquals(0, r.exitCode(), r.toString());
        for (Path f : ToyDemo.mainFiles(out)) assertTrue(Files.isRegularFile(f), f.toString());
        BufferedImage overview = ImageIO.read(out.resolve("overview.png").toFile());
        int panel = 32 * ToyDemo.ZOOM;
        assertEquals(panel, overview.getHeight());
        assertEquals(5 * panel + 4 * 8, overview.getWidth()); // layout, unguided, guided, one map per segment (2)
        assertTrue(Files.list(out.resolve("attention-guided")).count() > 0);
        assertTrue(r.out().contains("red circle") && r.out().contains("ZestGuide"), r.out());
        CliRun again = CliRun.of("demo", "--out", out.toString(), "--steps", "4");
        assertEquals(2, again.exitCode());
        assertTrue(again.err().contains("--overwrite"), again.err());
    }

    @Test
    void theShippedTrainingRunReproduces() {
        CliRun r = CliRun.of("train-toy", "--verify", "--out", BuiltinModel.NAME, "--verify-steps", "2");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("verified: 2 steps"), r.out());
    }

    @Test
    void thePlaygroundOffersItAtItsOwnSizeAndSettings() throws Exception {
        DiffusionModel m = ModelLoader.load(BuiltinModel.folder(), null);
        try (var server = zest.diffusion.serve.PlaygroundServer.start(m, BuiltinModel.NAME,
                zest.diffusion.serve.PlaygroundServer.Options.defaults().withPort(0))) {
            var client = java.net.http.HttpClient.newHttpClient();
            var response = client.send(java.net.http.HttpRequest.newBuilder(server.uri().resolve("/api/info")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            var info = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
            assertEquals(BuiltinModel.NAME, info.get("model").asText());
            assertEquals(32, info.get("defaults").get("width").asInt());
            assertEquals(zest.diffusion.toy.ToyDefaults.STEPS, info.get("defaults").get("steps").asInt());
            assertEquals(zest.diffusion.toy.ToyDefaults.CFG, info.get("defaults").get("cfg").floatValue());
        }
    }
}
