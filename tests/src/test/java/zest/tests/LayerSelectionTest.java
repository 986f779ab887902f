package zest.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zest.diffusion.zestguide.LayerSelection;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.engine.random.TorchGenerator;
import zest.nn.attention.AttentionContext;
import zest.nn.attention.AttentionHook;
import zest.nn.sd.StableDiffusionModels;
import zest.nn.unet.UNet2DConditionModel;

/** Which cross-attention layers of the sd-tiny UNet (128-px images, 16×16 latents) each selection reads. */
class LayerSelectionTest {
    static final int IMAGE = 128;
    /** Every attention call of one forward pass, in order, as the layers describe themselves to hooks. */
    static List<AttentionContext> calls;

    @BeforeAll
    static void recordOneForward() {
        UNet2DConditionModel unet = StableDiffusionModels.loadUNet(CheckCasesTest.resource("unet"), null);
        List<AttentionContext> seen = new ArrayList<>();
        AttentionHook recorder = new AttentionHook() {
            @Override public Tensor logitBias(AttentionContext c) {
                seen.add(c);
                return null;
            }
        };
        TorchGenerator g = new TorchGenerator(0);
        try (var ignored = GradMode.noGrad()) {
            unet.forward(g.randn(1, 4, IMAGE / 8, IMAGE / 8), Tensor.full(500f, 1), g.randn(1, 77, 32), recorder);
        }
        calls = List.copyOf(seen);
    }

    static List<String> selected(String spec) {
        LayerSelection s = LayerSelection.parse(spec);
        List<String> out = new ArrayList<>();
        for (AttentionContext c : calls) if (s.selects(c, IMAGE)) out.add(c.path());
        return out;
    }

    static String attn2(String block) { return block + ".transformer_blocks.0.attn2"; }

    @Test
    void theForwardSawAllSixteenCrossAttentionLayers() {
        assertEquals(16 * 2, calls.size(), "15 transformer blocks in down/up blocks + 1 in the mid block: attn1 and attn2 each");
        assertEquals(16, calls.stream().filter(AttentionContext::cross).count());
    }

    @Test
    void defaultIsTheAuthorsLayers() {
        List<String> expected = List.of(
                attn2("down_blocks.2.attentions.0"), attn2("down_blocks.2.attentions.1"),
                attn2("up_blocks.1.attentions.0"), attn2("up_blocks.1.attentions.1"), attn2("up_blocks.1.attentions.2"),
                attn2("up_blocks.2.attentions.0"), attn2("up_blocks.2.attentions.1"), attn2("up_blocks.2.attentions.2"));
        assertEquals(expected, selected(LayerSelection.DEFAULT));
        assertEquals(expected, selected(null));
        assertEquals(expected, selected("  "));
        assertEquals(expected, selected("default"));
        for (AttentionContext c : calls)
            if (expected.contains(c.path())) {
                assertEquals(c.path().startsWith("up_blocks.2") ? 8 : 4, c.height(), c.path());
                assertEquals(77, c.keys());
            }
    }

    @Test
    void resolutionTerms() {
        assertEquals(List.of(attn2("down_blocks.2.attentions.0"), attn2("down_blocks.2.attentions.1"),
                attn2("up_blocks.1.attentions.0"), attn2("up_blocks.1.attentions.1"), attn2("up_blocks.1.attentions.2")), selected("16"));
        assertEquals(List.of(attn2("down_blocks.2.attentions.0"), attn2("down_blocks.2.attentions.1")), selected("down16"));
        assertEquals(List.of(attn2("up_blocks.2.attentions.0"), attn2("up_blocks.2.attentions.1"), attn2("up_blocks.2.attentions.2")),
                selected("up32"));
        assertEquals(List.of(attn2("mid_block.attentions.0")), selected("mid8"));
        assertEquals(List.of(attn2("mid_block.attentions.0")), selected("8"));
        assertEquals(5, selected("32").size(), "down_blocks.1 (2) and up_blocks.2 (3)");
        assertEquals(5, selected("64").size(), "down_blocks.0 (2) and up_blocks.3 (3)");
        assertEquals(List.of(), selected("128"));
        assertEquals(List.of(), selected("mid16"));
        assertEquals(selected("DOWN16, Up32"), selected("down16,up32"), "case and spaces do not matter");
    }

    @Test
    void modulePathTerms() {
        assertEquals(List.of(attn2("down_blocks.2.attentions.0"), attn2("down_blocks.2.attentions.1")), selected("down_blocks.2"));
        assertEquals(List.of(attn2("up_blocks.1.attentions.0")), selected("up_blocks.1.attentions.0"));
        assertEquals(List.of(attn2("mid_block.attentions.0")), selected("mid_block"));
        assertEquals(List.of(attn2("up_blocks.3.attentions.2")), selected(attn2("up_blocks.3.attentions.2")));
        assertEquals(List.of(), selected("up_blocks.1.attentions.0.transformer_blocks.0.attn1"), "self-attention is never read");
        assertEquals(List.of(), selected("down_blocks.9"));
        assertEquals(List.of(attn2("mid_block.attentions.0"), attn2("up_blocks.1.attentions.1")), selected("mid8,up_blocks.1.attentions.1"));
    }

    /** The same layers at any image size: resolutions are named for a 512-px image. */
    @Test
    void resolutionIsRelativeToTheImage() {
        LayerSelection s = LayerSelection.parse("16");
        assertTrue(s.selects(new AttentionContext("down_blocks.2.attentions.0.transformer_blocks.0.attn2", true, 8, 16, 16, 1, 77), 512));
        assertTrue(s.selects(new AttentionContext("down_blocks.2.attentions.0.transformer_blocks.0.attn2", true, 8, 24, 16, 1, 77), 768));
        assertTrue(!s.selects(new AttentionContext("down_blocks.1.attentions.0.transformer_blocks.0.attn2", true, 8, 32, 32, 1, 77), 512));
    }

    @Test
    void badTermsAreRejected() {
        for (String bad : List.of(",", "foo", "down", "up", "12", "0", "-16", "up32x", "16px", "down16,,bogus", "middle8", "1e3")) {
            var e = assertThrows(IllegalArgumentException.class, () -> LayerSelection.parse(bad), bad);
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        }
    }
}
