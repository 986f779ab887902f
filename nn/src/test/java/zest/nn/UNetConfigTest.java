package zest.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import zest.nn.clip.ClipTextConfig;
import zest.nn.unet.UNetConfig;
import zest.nn.vae.VaeConfig;

class UNetConfigTest {
    static UNetConfig parse(String json) { return UNetConfig.fromJson(JsonConfig.parse("unet/config.json", json)); }

    @Test
    void emptyConfigGetsDiffusersDefaults() {
        UNetConfig c = parse("{}");
        assertArrayEquals(new int[] {320, 640, 1280, 1280}, c.blockOutChannels());
        assertArrayEquals(new int[] {8, 8, 8, 8}, c.attentionHeadDim());
        assertArrayEquals(new int[] {1280, 1280, 1280, 1280}, c.crossAttentionDim());
        assertEquals(1280, c.timeEmbeddingDim());
        assertEquals("UNetMidBlock2DCrossAttn", c.midBlockType());
        assertEquals(1e-5f, c.normEps());
        assertNull(c.sampleSize());
    }

    @Test
    void sd2OptionsArePerBlock() {
        UNetConfig c = parse("""
                {"attention_head_dim": [5, 10, 20, 20], "cross_attention_dim": 1024, "use_linear_projection": true,
                 "upcast_attention": true, "transformer_layers_per_block": [1, 2, 1, 1], "mid_block_type": null}""");
        assertArrayEquals(new int[] {5, 10, 20, 20}, c.attentionHeadDim());
        assertArrayEquals(new int[] {1024, 1024, 1024, 1024}, c.crossAttentionDim());
        assertArrayEquals(new int[] {1, 2, 1, 1}, c.transformerLayersPerBlock());
        assertTrue(c.useLinearProjection());
        assertNull(c.midBlockType(), "an explicit null mid block means none");
    }

    @Test
    void errorsNameTheFileAndField() {
        var e = assertThrows(ConfigException.class, () -> parse("{\"block_out_channels\": [32, 64]}"));
        assertEquals("unet/config.json: 'block_out_channels' must have one entry per down block (4), got [32,64]", e.getMessage());
        e = assertThrows(ConfigException.class, () -> parse("{\"attention_head_dim\": [8, 8]}"));
        assertTrue(e.getMessage().contains("'attention_head_dim' must be one integer or a list of 4"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> parse("{\"num_attention_heads\": 8}"));
        assertTrue(e.getMessage().contains("'num_attention_heads' = 8 is not supported"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> parse("{\"addition_embed_type\": \"text_time\"}"));
        assertTrue(e.getMessage().contains("addition_embed_type"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> parse("{\"down_block_types\": [\"SimpleCrossAttnDownBlock2D\"]}"));
        assertTrue(e.getMessage().contains("down_block_types"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> parse("{\"layers_per_block\": \"two\"}"));
        assertTrue(e.getMessage().contains("'layers_per_block' must be an integer, got \"two\""), e.getMessage());
        e = assertThrows(ConfigException.class, () -> parse("[1]"));
        assertEquals("unet/config.json: expected a JSON object", e.getMessage());
    }

    @Test
    void vaeAndClipConfigs() {
        VaeConfig v = VaeConfig.fromJson(JsonConfig.parse("vae/config.json", "{\"block_out_channels\": [8, 16], "
                + "\"down_block_types\": [\"DownEncoderBlock2D\", \"DownEncoderBlock2D\"], "
                + "\"up_block_types\": [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\"], \"norm_num_groups\": 4}"));
        assertEquals(0.18215f, v.scalingFactor());
        assertEquals(1, v.layersPerBlock());
        var e = assertThrows(ConfigException.class, () -> VaeConfig.fromJson(JsonConfig.parse("vae/config.json", "{\"block_out_channels\": [64, 128]}")));
        assertTrue(e.getMessage().contains("down_block_types"), e.getMessage());

        ClipTextConfig c = ClipTextConfig.fromJson(JsonConfig.parse("text_encoder/config.json", "{\"hidden_act\": \"gelu\", \"hidden_size\": 1024, \"num_attention_heads\": 16}"));
        assertEquals(64, c.headDim());
        assertEquals(49407, c.eosTokenId());
        e = assertThrows(ConfigException.class, () -> ClipTextConfig.fromJson(JsonConfig.parse("t", "{\"hidden_act\": \"swiglu\"}")));
        assertTrue(e.getMessage().contains("hidden_act"), e.getMessage());
    }
}
