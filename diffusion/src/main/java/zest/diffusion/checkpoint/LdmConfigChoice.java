package zest.diffusion.checkpoint;

import java.util.Map;
import zest.convert.ArchitectureInference;
import zest.convert.LdmConfigs;
import zest.convert.LdmKeyMapping;
import zest.convert.TextEncoderLayout;
import zest.nn.ConfigException;

/**
 * The diffusers configs an LDM single file is read with, and where they came from. A config folder the user named is
 * used as is; one merely found beside the file is used only if the checkpoint's tensors fit it (a file dropped into
 * some other model's folder must not be misread), otherwise the configs are inferred from the tensor shapes.
 *
 * @param origin where the configs come from, for the report ("--config DIR", "the diffusers folder beside it: DIR",
 *               "inferred from the tensor shapes")
 * @param note   why a config folder beside the file was passed over, or null
 */
public record LdmConfigChoice(LdmConfigs configs, String origin, String note) {

    /** @throws ConfigException when the configs must be inferred and the shapes are not an SD 1.x/2.x layout */
    public static LdmConfigChoice choose(Map<String, int[]> shapes, Sidecar sidecar) {
        String note = null;
        if (sidecar.configFolder() != null) {
            if (sidecar.configGiven())
                return new LdmConfigChoice(LdmConfigs.fromFolder(sidecar.configFolder()), "--config " + sidecar.configFolder(), null);
            try {
                LdmConfigs beside = LdmConfigs.fromFolder(sidecar.configFolder());
                if (LdmKeyMapping.of(beside, TextEncoderLayout.detect(shapes.keySet())).resolve(shapes).isComplete())
                    return new LdmConfigChoice(beside, "the diffusers folder beside it: " + sidecar.configFolder(), null);
                note = "the configs in " + sidecar.configFolder() + " do not fit this checkpoint's tensors, so they were not used";
            } catch (ConfigException | IllegalArgumentException e) {
                note = "the configs in " + sidecar.configFolder() + " could not be used: " + e.getMessage();
            }
        }
        return new LdmConfigChoice(ArchitectureInference.infer(shapes), "inferred from the tensor shapes", note);
    }
}
