package zest.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import zest.engine.DType;
import zest.engine.Tensor;

/**
 * Files written by the Python safetensors library (copies of the sd-tiny and torch-rng fixtures): names, order,
 * shapes, dtypes and values as the fixtures' manifests and a numpy reading of the same files state them.
 */
class SafetensorsFixturesTest {

    static Path fixture(String name) throws Exception {
        return Path.of(SafetensorsFixturesTest.class.getResource("/fixtures/" + name).toURI());
    }

    static double sum(Tensor t) {
        double s = 0;
        for (float f : t.floats()) s += f;
        return s;
    }

    @Test
    void clipCase() throws Exception {
        SafetensorsFile f = SafetensorsFile.open(fixture("clip.safetensors"));
        // header order of the file (cases/manifest.json: input_ids [4,77] int64, last_hidden_state [4,77,32], pooler_output [4,32])
        assertEquals(List.of("input_ids", "last_hidden_state", "pooler_output"), f.names());
        assertEquals(new TensorInfo("input_ids", DType.I64, new int[] {4, 77}, 0, 2464), f.info("input_ids"));
        assertArrayEquals(new int[] {4, 77, 32}, f.info("last_hidden_state").shape());
        assertEquals(DType.F32, f.info("last_hidden_state").dtype());
        assertArrayEquals(new int[] {4, 32}, f.info("pooler_output").shape());

        JsonNode prompts = new ObjectMapper().readTree(f.metadata().get("prompts"));
        assertEquals(4, prompts.size());
        assertEquals("a photograph of an astronaut riding a horse", prompts.get(0).asText());
        assertEquals("", prompts.get(1).asText());

        long[] ids = f.tensor("input_ids").toLongArray();
        assertArrayEquals(new long[] {49406, 320, 8853, 539, 550, 18376, 6765, 320, 4558, 49407, 49407, 49407},
                java.util.Arrays.copyOf(ids, 12));
        assertEquals(49406, ids[77]);       // prompt 2 (empty): BOS then EOS padding
        assertEquals(49407, ids[78]);
        long total = 0;
        for (long id : ids) total += id;
        assertEquals(13386992L, total);

        Tensor h = f.tensor("last_hidden_state");
        assertEquals(-1.1620194911956787f, h.get(0, 0, 0));
        assertEquals(-1.2611651420593262f, h.get(0, 0, 1));
        assertEquals(0xc02be472, Float.floatToRawIntBits(h.get(3, 76, 30)));
        assertEquals(0x3f8bde4f, Float.floatToRawIntBits(h.get(3, 76, 31)));
        assertEquals(-29.964354697262024, sum(h), 1e-9);
        assertEquals(0.3057551085948944, sum(f.tensor("pooler_output")), 1e-9);
    }

    @Test
    void vaeWeights() throws Exception {
        Path p = fixture("sd-tiny-vae.safetensors");
        SafetensorsFile f = SafetensorsFile.open(p);
        assertEquals(Map.of("format", "pt"), f.metadata());
        assertEquals(244, f.names().size());
        assertEquals(25912, f.headerLength());
        assertEquals(List.of("decoder.conv_in.bias", "decoder.conv_in.weight", "decoder.conv_norm_out.bias"), f.names().subList(0, 3));
        assertEquals("quant_conv.weight", f.names().getLast());
        // vae/config.json: block_out_channels [16, 32, 32, 32], latent_channels 4
        assertArrayEquals(new int[] {16, 3, 3, 3}, f.info("encoder.conv_in.weight").shape());
        assertArrayEquals(new int[] {3, 16, 3, 3}, f.info("decoder.conv_out.weight").shape());
        assertArrayEquals(new int[] {8, 8, 1, 1}, f.info("quant_conv.weight").shape());
        assertArrayEquals(new int[] {32, 32}, f.info("decoder.mid_block.attentions.0.to_q.weight").shape());
        assertEquals(3.754058837890625, sum(f.tensor("encoder.conv_in.weight")), 1e-12);
        assertEquals(-2.7365423440933228, sum(f.tensor("decoder.conv_out.weight")), 1e-12);
        assertEquals(0.03186225891113281, sum(f.tensor("quant_conv.weight")), 1e-12);
        assertEquals(0.0321044921875f, f.tensor("encoder.conv_in.weight").get(0, 0, 0, 0));
        assertEquals(-0.137084960937f, f.tensor("encoder.conv_in.bias").get(1));

        Map<String, Tensor> all = f.tensors();
        assertEquals(f.names(), List.copyOf(all.keySet()));
        long bytes = 0;
        for (String name : f.names()) {
            TensorInfo i = f.info(name);
            assertEquals(DType.F32, i.dtype(), name);
            assertEquals(i.numel() * 4, i.byteSize(), name);
            bytes += i.byteSize();
            assertEquals(i.numel(), all.get(name).numel());
        }
        // the tensors tile the data area exactly
        assertEquals(Files.size(p) - 8 - f.headerLength(), bytes);
    }

    @Test
    void torchRngFile() throws Exception {
        SafetensorsFile f = SafetensorsFile.open(fixture("torch_rng.safetensors"));
        assertEquals(11, f.names().size());
        assertTrue(f.metadata().get("torch").startsWith("2.13.0"));
        JsonNode cases = new ObjectMapper().readTree(f.metadata().get("cases"));
        for (JsonNode c : cases) {
            TensorInfo i = f.info(c.get("tensor").asText());
            int[] shape = new int[c.get("shape").size()];
            for (int d = 0; d < shape.length; d++) shape[d] = c.get("shape").get(d).asInt();
            assertArrayEquals(shape, i.shape());
            assertEquals(DType.F32, i.dtype());
        }
        assertArrayEquals(new int[] {1000}, f.info("rand.seed3.1000").shape());
    }
}
