package zest.convert;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import zest.engine.DType;
import zest.engine.Tensor;
import zest.engine.io.Safetensors;
import zest.engine.io.SafetensorsFile;
import zest.engine.ops.ShapeOps;
import zest.nn.WeightsException;

/**
 * Reading an original-LDM single-file checkpoint as three diffusers-named state dicts, and writing them back as one
 * LDM file; plus the diffusers-folder side of {@code zest convert}.
 */
public final class LdmCheckpoint {
    private LdmCheckpoint() {}

    /** Written into every safetensors file we make, as torch's save_file does: loaders check for it. */
    static final Map<String, String> METADATA = Map.of("format", "pt");

    /**
     * The three components under diffusers / transformers names, with the configs they were mapped with.
     *
     * @param ignored checkpoint tensors skipped as known extras (EMA weights, schedule buffers, position_ids, ...)
     * @param unknown checkpoint tensors that map to nothing and are not known extras: not loaded, worth a warning
     */
    public record Components(Map<String, Tensor> unet, Map<String, Tensor> vae, Map<String, Tensor> textEncoder,
                             LdmConfigs configs, TextEncoderLayout textLayout, List<String> ignored, List<String> unknown) {
        public Components {
            unet = Collections.unmodifiableMap(new LinkedHashMap<>(unet));
            vae = Collections.unmodifiableMap(new LinkedHashMap<>(vae));
            textEncoder = Collections.unmodifiableMap(new LinkedHashMap<>(textEncoder));
            Objects.requireNonNull(configs, "configs");
            Objects.requireNonNull(textLayout, "textLayout");
            ignored = List.copyOf(ignored);
            unknown = List.copyOf(unknown);
        }

        public Map<String, Tensor> get(Component c) {
            return switch (c) {
                case UNET -> unet;
                case VAE -> vae;
                case TEXT_ENCODER -> textEncoder;
            };
        }
    }

    /** Reads with configs {@link ArchitectureInference inferred} from the tensor shapes. */
    public static Components read(SafetensorsFile file) {
        return read(TensorSource.of(file));
    }

    /**
     * Maps every tensor of {@code file} (zero-copy views in the stored dtype, reshaped where the layouts differ).
     * Throws one {@link WeightsException} listing every missing or mis-shaped tensor.
     */
    public static Components read(SafetensorsFile file, LdmConfigs configs) {
        return read(TensorSource.of(file), configs);
    }

    /** Reads a checkpoint of any format (safetensors, .ckpt) with configs inferred from the tensor shapes. */
    public static Components read(TensorSource file) {
        return read(file, ArchitectureInference.infer(file.shapes()));
    }

    /** As {@link #read(SafetensorsFile, LdmConfigs)}, for a checkpoint of any format. */
    public static Components read(TensorSource file, LdmConfigs configs) {
        Map<String, int[]> shapes = file.shapes();
        LdmKeyMapping mapping = LdmKeyMapping.of(configs, TextEncoderLayout.detect(file.names()));
        KeyResolution r;
        try {
            r = mapping.resolve(shapes).requireComplete();
        } catch (WeightsException e) {
            throw new WeightsException(file.path() + ": " + e.getMessage(), e.problems());
        }
        Map<Component, Map<String, Tensor>> out = new EnumMap<>(Component.class);
        for (Component c : Component.values()) out.put(c, new LinkedHashMap<>());
        for (KeyResolution.Match m : r.matched())
            out.get(m.key().component()).put(m.key().diffusersName(), m.key().toDiffusers(file.tensor(m.checkpointName())));
        return new Components(out.get(Component.UNET), out.get(Component.VAE), out.get(Component.TEXT_ENCODER),
                configs, mapping.textLayout(), r.ignored(), r.unknown());
    }

    /** The LDM-named tensors of {@code c} (fused OpenCLIP q/k/v are concatenated, the only copies made). */
    public static Map<String, Tensor> toLdm(Components c) {
        LdmKeyMapping mapping = LdmKeyMapping.of(c.configs(), c.textLayout());
        checkDiffusersKeys(mapping, c);
        Map<String, Tensor> out = new TreeMap<>();
        for (var e : mapping.byLdmName().entrySet()) {
            List<LdmKey> keys = e.getValue();
            if (keys.size() == 1) {
                LdmKey k = keys.getFirst();
                out.put(e.getKey(), k.toLdm(c.get(k.component()).get(k.diffusersName())));
            } else {
                Tensor[] parts = new Tensor[keys.size()];
                for (LdmKey k : keys) parts[k.part()] = c.get(k.component()).get(k.diffusersName());
                out.put(e.getKey(), LdmKey.viewAs(ShapeOps.concat(0, parts), keys.getFirst().ldmShape()));
            }
        }
        return out;
    }

    /** Writes the components as one LDM single file (names sorted), floating tensors stored as {@code storeAs}. */
    public static void writeLdm(Path out, Components c, DType storeAs) {
        Safetensors.write(out, toLdm(c), METADATA, storeAs);
    }

    /** Reads a diffusers folder ({@code unet/}, {@code vae/}, {@code text_encoder/} with config.json and weights). */
    public static Components readDiffusersFolder(Path folder) {
        LdmConfigs configs = LdmConfigs.fromFolder(folder);
        Map<Component, Map<String, Tensor>> parts = new EnumMap<>(Component.class);
        List<String> ignored = new ArrayList<>();
        for (Component c : Component.values()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>(SafetensorsFile.open(weightsFile(folder, c)).tensors());
            // older transformers save this constant buffer; CLIPTextModel does not need it
            if (tensors.remove("text_model.embeddings.position_ids") != null) ignored.add("text_model.embeddings.position_ids");
            parts.put(c, tensors);
        }
        return new Components(parts.get(Component.UNET), parts.get(Component.VAE), parts.get(Component.TEXT_ENCODER),
                configs, TextEncoderLayout.defaultFor(configs.textEncoder()), ignored, List.of());
    }

    /** Writes the components as a diffusers folder: each component's config.json and weights file. */
    public static void writeDiffusersFolder(Path folder, Components c, DType storeAs) {
        checkDiffusersKeys(LdmKeyMapping.of(c.configs(), c.textLayout()), c);
        c.configs().writeTo(folder);
        for (Component comp : Component.values())
            Safetensors.write(weightsFile(folder, comp), c.get(comp), METADATA, storeAs);
    }

    static Path weightsFile(Path folder, Component c) { return folder.resolve(c.folder()).resolve(c.weightsFile()); }

    /** Every diffusers tensor must be present, expected, and of the configured shape: one error lists all that are not. */
    private static void checkDiffusersKeys(LdmKeyMapping mapping, Components c) {
        List<String> problems = new ArrayList<>();
        for (Component comp : Component.values()) {
            Map<String, Tensor> tensors = c.get(comp);
            for (LdmKey k : mapping.keys(comp)) {
                Tensor t = tensors.get(k.diffusersName());
                if (t == null) problems.add("missing " + comp + ": " + k.diffusersName() + " " + Arrays.toString(k.diffusersShape()));
                else if (!Arrays.equals(t.shape(), k.diffusersShape()))
                    problems.add(comp + ": " + k.diffusersName() + " has shape " + Arrays.toString(t.shape()) + ", the config needs "
                            + Arrays.toString(k.diffusersShape()));
            }
            for (String name : tensors.keySet())
                if (mapping.diffusersKey(comp, name) == null) problems.add("unexpected " + comp + ": " + name);
        }
        if (!problems.isEmpty())
            throw new WeightsException("diffusers weights do not fit their configs (" + problems.size() + " problems)", problems);
    }
}
