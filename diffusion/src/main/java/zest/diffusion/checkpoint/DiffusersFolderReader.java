package zest.diffusion.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import zest.convert.Component;
import zest.convert.LdmCheckpoint;
import zest.convert.LdmConfigs;
import zest.convert.TextEncoderLayout;
import zest.engine.Tensor;
import zest.nn.sd.WeightFiles;

/**
 * A diffusers folder's three models as {@link LdmCheckpoint.Components} (zero-copy views of the mapped files). Unlike
 * {@link LdmCheckpoint#readDiffusersFolder} it finds weights the way the model loader does: the plain file, else the
 * {@code .fp16} variant, either possibly sharded.
 */
final class DiffusersFolderReader {
    private DiffusersFolderReader() {}

    static LdmCheckpoint.Components read(Path folder) {
        LdmConfigs configs = LdmConfigs.fromFolder(folder);
        Map<Component, Map<String, Tensor>> parts = new EnumMap<>(Component.class);
        List<String> ignored = new ArrayList<>();
        for (Component c : Component.values()) {
            String base = c.weightsFile().substring(0, c.weightsFile().length() - ".safetensors".length());
            Map<String, Tensor> tensors = new LinkedHashMap<>(WeightFiles.load(folder.resolve(c.folder()), base, null));
            // older transformers save this constant buffer; neither CLIPTextModel nor the LDM layout needs it
            if (c == Component.TEXT_ENCODER && tensors.remove(CheckpointInspector.POSITION_IDS) != null)
                ignored.add(CheckpointInspector.POSITION_IDS);
            parts.put(c, tensors);
        }
        return new LdmCheckpoint.Components(parts.get(Component.UNET), parts.get(Component.VAE), parts.get(Component.TEXT_ENCODER),
                configs, TextEncoderLayout.defaultFor(configs.textEncoder()), ignored, List.of());
    }
}
