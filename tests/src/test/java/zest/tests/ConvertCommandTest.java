package zest.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import zest.cli.CheckCommand;
import zest.convert.Component;
import zest.diffusion.check.Comparison;
import zest.engine.DType;
import zest.engine.Tensor;
import zest.engine.io.Safetensors;
import zest.engine.io.SafetensorsFile;

/**
 * {@code zest convert} on the sd-tiny fixtures: LDM file → diffusers folder that replays the reference cases,
 * diffusers folder → LDM file equal to the reference one bit for bit, dtype conversions both ways, and the refusals
 * (existing output, missing input) that must leave everything as it was, temporary files included.
 */
class ConvertCommandTest {
    @TempDir Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path sdTiny() { return InspectCommandTest.sdTiny(); }

    private static Path sdTinyLdm() { return InspectCommandTest.sdTinyLdm(); }

    private static CliRun convertOk(String... args) {
        CliRun run = CliRun.of(Stream.concat(Stream.of("convert"), Stream.of(args)).toArray(String[]::new));
        assertEquals(0, run.exitCode(), run::toString);
        return run;
    }

    private static CliRun convertFails(int exitCode, String... args) {
        CliRun run = CliRun.of(Stream.concat(Stream.of("convert"), Stream.of(args)).toArray(String[]::new));
        assertEquals(exitCode, run.exitCode(), run::toString);
        return run;
    }

    @Test
    void ldmFileToDiffusersFolderReplaysTheReferenceCases() throws IOException {
        Path out = dir.resolve("sd-tiny-diffusers");
        CliRun run = convertOk(sdTinyLdm().toString(), out.toString());
        assertTrue(run.out().contains("configs: the diffusers folder beside it"), run.out());

        for (String f : List.of("model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors", "vae/config.json",
                "vae/diffusion_pytorch_model.safetensors", "text_encoder/config.json", "text_encoder/model.safetensors",
                "tokenizer/vocab.json", "tokenizer/merges.txt", "scheduler/scheduler_config.json"))
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        assertEquals(Files.readString(sdTiny().resolve("scheduler/scheduler_config.json")),
                Files.readString(out.resolve("scheduler/scheduler_config.json")), "the scheduler beside the input is copied");
        assertArrayEquals(Files.readAllBytes(sdTiny().resolve("tokenizer/vocab.json")), Files.readAllBytes(out.resolve("tokenizer/vocab.json")));
        assertTrue(Files.readString(out.resolve("model_index.json")).contains("DDIMScheduler"), "model_index names the copied scheduler");
        SafetensorsFile unet = SafetensorsFile.open(out.resolve("unet/diffusion_pytorch_model.safetensors"));
        assertEquals(DType.F16, unet.info(unet.names().getFirst()).dtype(), "--dtype keep is the default");

        for (String kind : List.of("unet", "clip")) {
            List<Comparison> results = CheckCommand.run(out, null, Parity.resource("sd-tiny/cases/" + kind + ".safetensors"), null, null);
            assertFalse(results.isEmpty());
            for (Comparison c : results) {
                System.out.println("[converted " + kind + "] " + c.line());
                assertTrue(c.passed(), c.line());
            }
        }
        assertEquals(List.of("sd-tiny-diffusers"), listing(dir), "nothing else left beside the output");
    }

    /** A lone LDM file: --config supplies what sd-tiny needs beyond its shapes (norm_num_groups 8), and its tokenizer. */
    @Test
    void loneLdmFileWithConfigFolder() throws IOException {
        Path lone = Files.createDirectory(dir.resolve("lone"));
        Path file = Files.copy(sdTinyLdm(), lone.resolve("model.safetensors"));
        Path out = dir.resolve("with-config");
        CliRun run = convertOk(file.toString(), out.toString(), "--config", sdTiny().toString());
        assertTrue(run.out().contains("configs: --config " + sdTiny()), run.out());
        assertTrue(run.out().contains("tokenizer: copied from " + sdTiny().resolve("tokenizer")), run.out());
        List<Comparison> results = CheckCommand.run(out, null, Parity.resource("sd-tiny/cases/unet.safetensors"), null, null);
        for (Comparison c : results) assertTrue(c.passed(), c.line());
    }

    /** Nothing beside the file: inferred configs, zest's bundled tokenizer and SD 1.5's default scheduler. */
    @Test
    void loneLdmFileGetsTheBundledTokenizerAndScheduler() throws IOException {
        Path lone = Files.createDirectory(dir.resolve("lone"));
        Path file = Files.copy(sdTinyLdm(), lone.resolve("model.safetensors"));
        Path out = dir.resolve("bundled");
        CliRun run = convertOk(file.toString(), out.toString(), "--dtype", "fp32");
        assertTrue(run.out().contains("configs: inferred from the tensor shapes"), run.out());
        assertTrue(run.out().contains("tokenizer: zest's bundled CLIP tokenizer"), run.out());
        assertEquals(77, JSON.readTree(out.resolve("tokenizer/tokenizer_config.json").toFile()).get("model_max_length").asInt());
        assertTrue(Files.size(out.resolve("tokenizer/vocab.json")) > 1_000_000, "the full CLIP vocabulary");
        assertEquals("PNDMScheduler", JSON.readTree(out.resolve("scheduler/scheduler_config.json").toFile()).get("_class_name").asText());
        assertEquals("PNDMScheduler", JSON.readTree(out.resolve("model_index.json").toFile()).get("scheduler").get(1).asText());
        SafetensorsFile vae = SafetensorsFile.open(out.resolve("vae/diffusion_pytorch_model.safetensors"));
        assertEquals(DType.F32, vae.info(vae.names().getFirst()).dtype());
    }

    @Test
    void diffusersFolderToFp16LdmFileEqualsTheReference() {
        Path out = dir.resolve("from-folder.safetensors");
        convertOk(sdTiny().toString(), out.toString(), "--dtype", "fp16");
        assertSameTensors(SafetensorsFile.open(sdTinyLdm()), SafetensorsFile.open(out));
        assertEquals(List.of("from-folder.safetensors"), listing(dir));
    }

    @Test
    void ldmFileToFp32AndBackToFp16() {
        Path f32 = dir.resolve("f32.safetensors"), f16 = dir.resolve("f16.safetensors");
        convertOk(sdTinyLdm().toString(), f32.toString(), "--dtype", "fp32");
        SafetensorsFile wide = SafetensorsFile.open(f32), reference = SafetensorsFile.open(sdTinyLdm());
        assertEquals(reference.names(), wide.names(), "every tensor kept, in order");
        for (String name : wide.names()) {
            assertEquals(DType.F32, wide.info(name).dtype(), name);
            assertArrayEquals(bits(reference.tensor(name)), bits(wide.tensor(name)), name);
        }
        convertOk(f32.toString(), f16.toString(), "--dtype", "fp16");
        assertSameTensors(reference, SafetensorsFile.open(f16));
    }

    @Test
    void diffusersFolderToFp16Folder() throws IOException {
        Path out = dir.resolve("half");
        convertOk(sdTiny().toString(), out.toString(), "--dtype", "fp16");
        for (Component c : Component.values()) {
            SafetensorsFile source = SafetensorsFile.open(sdTiny().resolve(c.folder()).resolve(c.weightsFile()));
            SafetensorsFile half = SafetensorsFile.open(out.resolve(c.folder()).resolve(c.weightsFile()));
            assertEquals(new TreeSet<>(source.names()), new TreeSet<>(half.names()), c.folder());
            for (String name : source.names()) {
                assertEquals(DType.F16, half.info(name).dtype(), name);
                // sd-tiny's F32 weights are float16-representable: nothing is lost
                assertArrayEquals(bits(source.tensor(name)), bits(half.tensor(name)), c.folder() + ": " + name);
            }
            assertEquals(JSON.readTree(sdTiny().resolve(c.folder()).resolve("config.json").toFile()),
                    JSON.readTree(out.resolve(c.folder()).resolve("config.json").toFile()), c.folder() + " config kept");
        }
        assertArrayEquals(Files.readAllBytes(sdTiny().resolve("tokenizer/merges.txt")), Files.readAllBytes(out.resolve("tokenizer/merges.txt")));
    }

    @Test
    void refusesToOverwriteAFileUnlessAsked() throws IOException {
        Path out = Files.writeString(dir.resolve("taken.safetensors"), "keep me");
        CliRun run = convertFails(2, sdTiny().toString(), out.toString(), "--dtype", "fp16");
        assertTrue(run.err().contains(out.toString()) && run.err().contains("--overwrite"), run.err());
        assertEquals("keep me", Files.readString(out));
        assertEquals(List.of("taken.safetensors"), listing(dir));

        convertOk(sdTiny().toString(), out.toString(), "--dtype", "fp16", "--overwrite");
        assertSameTensors(SafetensorsFile.open(sdTinyLdm()), SafetensorsFile.open(out));
        assertEquals(List.of("taken.safetensors"), listing(dir));
    }

    @Test
    void refusesToOverwriteAFolderUnlessAsked() throws IOException {
        Path out = Files.createDirectory(dir.resolve("taken"));
        Files.writeString(out.resolve("mine.txt"), "keep me");
        CliRun run = convertFails(2, sdTinyLdm().toString(), out.toString());
        assertTrue(run.err().contains(out.toString()) && run.err().contains("--overwrite"), run.err());
        assertEquals(List.of("mine.txt"), listing(out));
        assertEquals(List.of("taken"), listing(dir));

        convertOk(sdTinyLdm().toString(), out.toString(), "--overwrite");
        assertFalse(Files.exists(out.resolve("mine.txt")), "the old folder is replaced as a whole");
        assertTrue(Files.isRegularFile(out.resolve("unet/diffusion_pytorch_model.safetensors")));
        assertEquals(List.of("taken"), listing(dir), "no temporary or old folder left beside it");
    }

    @Test
    void missingInputIsBadInputNamingIt() {
        Path missing = dir.resolve("nowhere/model.safetensors");
        CliRun run = convertFails(2, missing.toString(), dir.resolve("out").toString());
        assertTrue(run.err().contains(missing.toString()), run.err());
        assertEquals(List.of(), listing(dir));
    }

    @Test
    void brokenCkptInputAndBadDtypeAreBadInput() throws IOException {
        Path ckpt = Files.writeString(dir.resolve("model.ckpt"), "pickle");
        CliRun run = convertFails(2, ckpt.toString(), dir.resolve("out").toString());
        assertTrue(run.err().contains("not a PyTorch zip checkpoint"), run.err());
        CliRun dtype = convertFails(2, sdTinyLdm().toString(), dir.resolve("out").toString(), "--dtype", "fp8");
        assertTrue(dtype.err().contains("fp8"), dtype.err());
        assertEquals(List.of("model.ckpt"), listing(dir));
    }

    /**
     * A diffusers folder whose VAE holds a tensor its config has no place for: the conversion fails while the output
     * folder is being written (tokenizer and scheduler already in it), and must leave nothing behind.
     */
    @Test
    void failureWhileWritingLeavesNothingBehind() throws IOException {
        Path bad = copyOfSdTinyFolder(dir.resolve("bad-input"));
        Path vae = bad.resolve("vae/diffusion_pytorch_model.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>(SafetensorsFile.open(vae).tensors());
        tensors.put("decoder.not_a_layer.weight", Tensor.zeros(3));
        Safetensors.write(vae, tensors, Map.of("format", "pt"), null);
        Path outputs = Files.createDirectory(dir.resolve("outputs"));

        CliRun toFolder = convertFails(2, bad.toString(), outputs.resolve("converted").toString());
        assertTrue(toFolder.err().contains("decoder.not_a_layer.weight"), toFolder.err());
        CliRun toFile = convertFails(2, bad.toString(), outputs.resolve("converted.safetensors").toString());
        assertTrue(toFile.err().contains("decoder.not_a_layer.weight"), toFile.err());
        assertEquals(List.of(), listing(outputs), "no output and no temporary file or folder");
    }

    /** Needs a user the permission bits apply to (root writes into read-only folders anyway). */
    @Test
    void readOnlyOutputFolderLeavesNothingBehind() throws IOException {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "permission bits do not stop root");
        Path outputs = Files.createDirectory(dir.resolve("read-only"));
        Files.setPosixFilePermissions(outputs, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            convertFails(2, sdTinyLdm().toString(), outputs.resolve("converted").toString());
            convertFails(2, sdTinyLdm().toString(), outputs.resolve("converted.safetensors").toString());
            assertEquals(List.of(), listing(outputs));
        } finally {
            Files.setPosixFilePermissions(outputs, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    // ---------------------------------------------------------------- helpers

    private static Path copyOfSdTinyFolder(Path to) throws IOException {
        for (String f : List.of("model_index.json", "scheduler/scheduler_config.json", "tokenizer/vocab.json", "tokenizer/merges.txt"))
            copy(sdTiny().resolve(f), to.resolve(f));
        for (Component c : Component.values())
            for (String f : List.of("config.json", c.weightsFile()))
                copy(sdTiny().resolve(c.folder()).resolve(f), to.resolve(c.folder()).resolve(f));
        return to;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to);
    }

    /** Names in a folder, hidden (temporary) ones included, sorted. */
    private static List<String> listing(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(folder + ": " + e, e);
        }
    }

    /** Same names, dtypes, shapes and value bits (the order of the names may differ). */
    static void assertSameTensors(SafetensorsFile want, SafetensorsFile got) {
        assertEquals(new TreeSet<>(want.names()), new TreeSet<>(got.names()));
        Map<String, String> mismatches = new TreeMap<>();
        for (String name : want.names()) {
            if (want.info(name).dtype() != got.info(name).dtype()) mismatches.put(name, "dtype " + got.info(name).dtype());
            else if (!java.util.Arrays.equals(want.info(name).shape(), got.info(name).shape())) mismatches.put(name, "shape");
            else if (!java.util.Arrays.equals(bits(want.tensor(name)), bits(got.tensor(name)))) mismatches.put(name, "values");
        }
        assertEquals(Map.of(), mismatches);
    }

    /** The values widened to F32, as raw bits (so -0.0 and NaN payloads count). */
    static int[] bits(Tensor t) {
        float[] v = t.toFloatArray();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
        return out;
    }
}
