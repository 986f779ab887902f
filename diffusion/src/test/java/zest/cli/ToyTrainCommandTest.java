package zest.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** zest train-toy end to end on the tiny architecture: train, refuse to overwrite, resume, verify. */
class ToyTrainCommandTest {
    @Test
    void trainsResumesAndVerifies(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("toy");
        String[] train = {"train-toy", "--out", out.toString(), "--model", "tiny", "--steps", "3", "--batch", "2",
                "--threads", "1", "--checkpoint-every", "2"};
        assertEquals(Main.EXIT_OK, Main.execute(train));
        for (String f : new String[] {"model_index.json", "unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors",
                "tokenizer/merges.txt", "scheduler/scheduler_config.json", "training.json", "checkpoint.safetensors"})
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        assertEquals(Main.EXIT_USAGE, Main.execute(train), "an existing run is not silently restarted");
        assertEquals(Main.EXIT_OK, Main.execute("train-toy", "--out", out.toString(), "--resume"));
        assertEquals(Main.EXIT_OK, Main.execute("train-toy", "--out", out.toString(), "--verify", "--verify-steps", "2"));

        // a record that does not match what the code reproduces fails verification
        Path record = out.resolve("training.json");
        String json = Files.readString(record);
        String exact = json.replaceAll("(?s).*\"losses_exact\"\\s*:\\s*\"([0-9a-f]{8}).*", "$1");
        Files.writeString(record, json.replace(exact, "3f800000"));
        assertEquals(Main.EXIT_FAILURE, Main.execute("train-toy", "--out", out.toString(), "--verify", "--verify-steps", "2"));
    }
}
