package zest.engine.autograd;

import zest.engine.Tensor;

/**
 * One recorded operation of the autograd graph: the op's name, its inputs, and how to turn the gradient of its
 * output into gradients of its inputs. The backward closure holds whatever the op saved for backward; dropping the
 * node frees it.
 */
public record Node(String op, Tensor[] inputs, Backward backward) {

    /** Gradient rule of one op: given dL/d(output), returns dL/d(input) per input (null where not needed). */
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Tensor gradOutput);
    }
}
