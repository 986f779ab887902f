package zest.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import zest.nn.Module;
import zest.nn.Parameter;
import zest.nn.clip.CLIPTextModel;
import zest.nn.clip.ClipTextConfig;
import zest.nn.unet.UNet2DConditionModel;
import zest.nn.unet.UNetConfig;
import zest.nn.vae.AutoencoderKL;
import zest.nn.vae.VaeConfig;

/**
 * Full-size SD 1.5 networks built from sd15-keys/configs without weights: the declared parameters must be exactly
 * the tensors (names and shapes) of a real SD 1.5 diffusers folder, and nothing gets allocated.
 */
class Sd15ShapesTest {

    @Test
    void unet() throws IOException {
        UNet2DConditionModel m = new UNet2DConditionModel(UNetConfig.read(Parity.resource("sd15-keys/configs/unet/config.json")));
        assertEquals(859_520_964L, m.parameterCount());
        assertSameKeys(m, "sd15-keys/diffusers-unet.json");
    }

    @Test
    void vae() throws IOException {
        AutoencoderKL m = new AutoencoderKL(VaeConfig.read(Parity.resource("sd15-keys/configs/vae/config.json")));
        assertEquals(83_653_863L, m.parameterCount());
        assertSameKeys(m, "sd15-keys/diffusers-vae.json");
    }

    @Test
    void textEncoder() throws IOException {
        CLIPTextModel m = new CLIPTextModel(ClipTextConfig.read(Parity.resource("sd15-keys/configs/text_encoder/config.json")));
        assertEquals(123_060_480L, m.parameterCount());
        assertSameKeys(m, "sd15-keys/diffusers-text_encoder.json");
    }

    private static void assertSameKeys(Module m, String json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(Parity.resource(json).toFile());
        Map<String, String> expected = new TreeMap<>(), actual = new TreeMap<>();
        root.properties().forEach(e -> expected.put(e.getKey(), e.getValue().get("shape").toString().replace(" ", "")));
        for (var e : m.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            assertEquals(e.getKey(), p.name(), "a root module's keys are the parameters' own names");
            assertFalse(p.isSet(), "nothing is allocated before loading: " + p.name());
            actual.put(e.getKey(), Arrays.toString(p.shape()).replace(" ", ""));
        }
        assertEquals(expected.size(), actual.size(), "number of tensors");
        assertEquals(expected, actual);
    }
}
