package zest.nn.clip;

import java.util.List;
import zest.engine.Tensor;

/**
 * The text encoder's outputs, as transformers names them.
 *
 * @param lastHiddenState [B, L, D], after final_layer_norm (what SD 1.x conditions on)
 * @param poolerOutput    [B, D], the last hidden state at each sequence's end-of-text token
 * @param hiddenStates    num_layers + 1 tensors [B, L, D]: the embeddings, then each layer's output (no final norm)
 */
public record ClipTextOutput(Tensor lastHiddenState, Tensor poolerOutput, List<Tensor> hiddenStates) {
    public ClipTextOutput {
        hiddenStates = List.copyOf(hiddenStates);
    }
}
