package zest.nn.clip;

import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.layers.Activation;
import zest.nn.layers.Linear;

/** fc1 → hidden_act (quick_gelu for SD 1.x's OpenAI CLIP, gelu for SD 2.x's OpenCLIP) → fc2. */
public final class ClipMlp extends Module {
    private final Activation act;
    public final Linear fc1, fc2;

    public ClipMlp(int hidden, int intermediate, Activation act) {
        this.act = act;
        this.fc1 = register("fc1", new Linear(hidden, intermediate, true));
        this.fc2 = register("fc2", new Linear(intermediate, hidden, true));
    }

    public Tensor forward(Tensor x) {
        return fc2.forward(act.apply(fc1.forward(x)));
    }
}
