package zest.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import zest.engine.DType;
import zest.engine.Tensor;

/** The two tensor transforms: 1x1-conv reshape and fused q/k/v slice, both views of the LDM tensor. */
class LdmKeyTest {
    @Test
    void conv1x1KernelBecomesLinearWeightAsAView() {
        LdmKey k = new LdmKey(Component.VAE, "first_stage_model.encoder.mid.attn_1.q.weight", new int[] {3, 3, 1, 1},
                "encoder.mid_block.attentions.0.to_q.weight", new int[] {3, 3}, 0, 1);
        assertTrue(k.isReshaped());
        assertFalse(k.isFused());
        Tensor ldm = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3, 1, 1);
        Tensor diff = k.toDiffusers(ldm);
        assertArrayEquals(new int[] {3, 3}, diff.shape());
        assertSame(ldm.storage(), diff.storage());
        assertArrayEquals(ldm.toFloatArray(), diff.toFloatArray());
        assertArrayEquals(new int[] {3, 3, 1, 1}, k.toLdm(diff).shape());
        assertTrue(k.acceptsLdmShape(new int[] {3, 3}));
        assertFalse(k.acceptsLdmShape(new int[] {3, 3, 3, 3}));
    }

    @Test
    void fusedInProjectionIsSlicedIntoThirds() {
        Tensor fused = Tensor.of(new float[] {0, 1, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51}, 6, 2); // row * 10 + column
        String[] names = {"q_proj", "k_proj", "v_proj"};
        for (int p = 0; p < 3; p++) {
            LdmKey k = new LdmKey(Component.TEXT_ENCODER, "cond_stage_model.model.transformer.resblocks.0.attn.in_proj_weight",
                    new int[] {6, 2}, "text_model.encoder.layers.0.self_attn." + names[p] + ".weight", new int[] {2, 2}, p, 3);
            assertTrue(k.isFused());
            Tensor part = k.toDiffusers(fused);
            assertSame(fused.storage(), part.storage());
            assertArrayEquals(new float[] {20 * p, 20 * p + 1, 20 * p + 10, 20 * p + 11}, part.toFloatArray());
            assertThrows(IllegalStateException.class, () -> k.toLdm(part));
        }
    }

    @Test
    void f16CheckpointTensorsStayF16Views() {
        short[] halfs = new short[4];
        for (int i = 0; i < 4; i++) halfs[i] = Float.floatToFloat16(i + 0.5f);
        Tensor ldm = Tensor.ofSegment(MemorySegment.ofArray(halfs), DType.F16, 2, 2, 1, 1);
        LdmKey k = new LdmKey(Component.VAE, "first_stage_model.decoder.mid.attn_1.k.weight", new int[] {2, 2, 1, 1},
                "decoder.mid_block.attentions.0.to_k.weight", new int[] {2, 2}, 0, 1);
        Tensor diff = k.toDiffusers(ldm);
        assertEquals(DType.F16, diff.dtype());
        assertSame(ldm.storage(), diff.storage());
        assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f, 3.5f}, diff.toFloatArray());
    }

    @Test
    void inconsistentShapesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new LdmKey(Component.UNET, "a", new int[] {4}, "b", new int[] {3}, 0, 1));
    }
}
