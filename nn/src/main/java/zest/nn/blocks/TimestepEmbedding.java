package zest.nn.blocks;

import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.layers.Activation;
import zest.nn.layers.Linear;

/** linear_1 → act → linear_2, turning sinusoidal features into the time embedding the resnets consume. */
public final class TimestepEmbedding extends Module {
    public final Linear linear1, linear2;
    private final Activation act;

    public TimestepEmbedding(int inChannels, int timeEmbedDim, Activation act) {
        this.act = act;
        this.linear1 = register("linear_1", new Linear(inChannels, timeEmbedDim, true));
        this.linear2 = register("linear_2", new Linear(timeEmbedDim, timeEmbedDim, true));
    }

    public Tensor forward(Tensor features) {
        return linear2.forward(act.apply(linear1.forward(features)));
    }
}
