package zest.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import zest.engine.GradMode;
import zest.engine.Tensor;
import zest.nn.clip.CLIPTextModel;
import zest.nn.clip.ClipTextOutput;
import zest.nn.sd.StableDiffusionModels;

/** The sd-tiny text encoder against transformers' CLIPTextModel (cases/clip.safetensors). */
class ClipParityTest {
    static CLIPTextModel model;
    static Map<String, Tensor> ref;
    static ClipTextOutput out;

    @BeforeAll
    static void run() {
        model = StableDiffusionModels.loadTextEncoder(Parity.resource("sd-tiny/text_encoder"), null);
        ref = Parity.sdTinyCase("clip");
        try (var ignored = GradMode.noGrad()) {
            out = model.forward(ref.get("input_ids"));
        }
    }

    @Test
    void lastHiddenState() {
        Parity.assertClose("clip.last_hidden_state", out.lastHiddenState(), ref.get("last_hidden_state"));
    }

    @Test
    void poolerOutput() {
        Parity.assertClose("clip.pooler_output", out.poolerOutput(), ref.get("pooler_output"));
    }

    @Test
    void hiddenStatesHaveOneEntryPerLayerPlusEmbeddings() {
        assertEquals(model.config.numHiddenLayers() + 1, out.hiddenStates().size());
        try (var ignored = GradMode.noGrad()) {
            // clip skip 0 is the last hidden state; clip skip 1 normalises the penultimate layer's output
            Parity.assertClose("clip.encode(skip 0)", model.encode(ref.get("input_ids"), 0), out.lastHiddenState(), 0);
            Tensor penultimate = model.textModel.finalLayerNorm.forward(out.hiddenStates().get(model.config.numHiddenLayers() - 1));
            Parity.assertClose("clip.encode(skip 1)", model.encode(ref.get("input_ids"), 1), penultimate, 0);
        }
    }
}
