package zest.nn.clip;

import zest.nn.Module;
import zest.nn.ModuleList;

/** The stack of encoder layers (key prefix {@code encoder.layers.N}). */
public final class ClipEncoder extends Module {
    public final ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(ClipTextConfig c) {
        this.layers = register("layers", new ModuleList<>());
        for (int i = 0; i < c.numHiddenLayers(); i++) layers.add(new ClipEncoderLayer(c));
    }
}
