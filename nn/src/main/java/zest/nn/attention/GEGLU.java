package zest.nn.attention;

import zest.engine.Tensor;
import zest.engine.ops.Elementwise;
import zest.nn.Module;
import zest.nn.layers.Linear;

/** proj: Linear(dim → 2·inner); first half is the value, second half the gate: value · gelu(gate) (exact erf GELU). */
public final class GEGLU extends Module {
    public final Linear proj;

    public GEGLU(int dimIn, int dimOut) {
        this.proj = register("proj", new Linear(dimIn, dimOut * 2, true));
    }

    public Tensor forward(Tensor x) {
        return Elementwise.geglu(proj.forward(x)); // one pass: the same bits as mul(value, gelu(gate))
    }
}
