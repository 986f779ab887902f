package zest.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The complete original-LDM ⇄ diffusers key and shape table of one Stable Diffusion architecture, generated from the
 * components' diffusers configs ({@link UnetKeys}, {@link VaeKeys}, {@link TextEncoderKeys}). Because every expected
 * tensor is enumerated up front, a checkpoint can be checked as a whole: missing tensors, wrong shapes, known extras
 * and unknown names are all found in one pass ({@link #resolve}).
 */
public final class LdmKeyMapping {
    private final LdmConfigs configs;
    private final TextEncoderLayout textLayout;
    private final List<LdmKey> keys;
    private final Map<String, List<LdmKey>> byLdmName = new LinkedHashMap<>();
    private final Map<Component, Map<String, LdmKey>> byDiffusersName = new HashMap<>();
    private final IgnoredKeys ignored;

    private LdmKeyMapping(LdmConfigs configs, TextEncoderLayout textLayout) {
        this.configs = configs;
        this.textLayout = textLayout;
        List<LdmKey> all = new ArrayList<>(UnetKeys.of(configs.unet()));
        all.addAll(VaeKeys.of(configs.vae()));
        all.addAll(TextEncoderKeys.of(configs.textEncoder(), textLayout));
        this.keys = List.copyOf(all);
        for (Component c : Component.values()) byDiffusersName.put(c, new LinkedHashMap<>());
        for (LdmKey k : keys) {
            byLdmName.computeIfAbsent(k.ldmName(), n -> new ArrayList<>()).add(k);
            if (byDiffusersName.get(k.component()).put(k.diffusersName(), k) != null)
                throw new IllegalStateException("two LDM sources for " + k.component() + ":" + k.diffusersName());
        }
        this.ignored = new IgnoredKeys(configs.textEncoder().positiveIntOr("num_hidden_layers", 12));
    }

    public static LdmKeyMapping of(LdmConfigs configs, TextEncoderLayout textLayout) {
        return new LdmKeyMapping(configs, textLayout);
    }

    /** With the text encoder layout {@link TextEncoderLayout#defaultFor its config} suggests. */
    public static LdmKeyMapping of(LdmConfigs configs) {
        return new LdmKeyMapping(configs, TextEncoderLayout.defaultFor(configs.textEncoder()));
    }

    public LdmConfigs configs() { return configs; }

    public TextEncoderLayout textLayout() { return textLayout; }

    /** Every diffusers key of the three components with its LDM source, UNet then VAE then text encoder. */
    public List<LdmKey> keys() { return keys; }

    public List<LdmKey> keys(Component c) { return List.copyOf(byDiffusersName.get(c).values()); }

    /** The distinct LDM names in mapping order, each with the diffusers keys it holds (several when fused). */
    public Map<String, List<LdmKey>> byLdmName() { return Collections.unmodifiableMap(byLdmName); }

    /** The key of a diffusers name, or null. */
    public LdmKey diffusersKey(Component c, String diffusersName) { return byDiffusersName.get(c).get(diffusersName); }

    /** The component a checkpoint tensor belongs to, or null when it maps to none (extra or unknown). */
    public Component componentOf(String ldmName) {
        List<LdmKey> k = byLdmName.get(canonical(ldmName));
        return k == null ? null : k.getFirst().component();
    }

    /**
     * The diffusers name of each of {@code ldmNames} that belongs to component {@code c}, keyed by the given name.
     * Fused OpenCLIP tensors hold three diffusers keys and are left out: use {@link #byLdmName()} for those.
     */
    public Map<String, String> ldmToDiffusers(Component c, Collection<String> ldmNames) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : ldmNames) {
            List<LdmKey> k = byLdmName.get(canonical(name));
            if (k != null && k.size() == 1 && k.getFirst().component() == c) out.put(name, k.getFirst().diffusersName());
        }
        return out;
    }

    /** Every diffusers key of component {@code c} with the LDM name it is stored under (in writing order). */
    public Map<String, String> diffusersToLdm(Component c) {
        Map<String, String> out = new LinkedHashMap<>();
        for (LdmKey k : byDiffusersName.get(c).values()) out.put(k.diffusersName(), k.ldmName());
        return out;
    }

    /** Why a checkpoint tensor is skipped as a known extra, or null when it is not one. */
    public String ignoredReason(String ldmName) { return ignored.reason(ldmName); }

    /** Classifies the tensors of a checkpoint (name → shape, in file order) against this mapping. */
    public KeyResolution resolve(Map<String, int[]> checkpointShapes) {
        Map<String, String> present = new HashMap<>(); // LDM name -> checkpoint name
        List<String> ignoredNames = new ArrayList<>(), unknown = new ArrayList<>();
        for (String name : checkpointShapes.keySet()) {
            String ldm = canonical(name);
            if (byLdmName.containsKey(ldm) && present.putIfAbsent(ldm, name) == null) continue;
            if (byLdmName.containsKey(ldm)) unknown.add(name + " (duplicate of " + present.get(ldm) + ")");
            else if (ignored.reason(name) != null) ignoredNames.add(name);
            else unknown.add(name);
        }
        List<KeyResolution.Match> matched = new ArrayList<>();
        List<LdmKey> missing = new ArrayList<>();
        List<String> shapeProblems = new ArrayList<>();
        for (var e : byLdmName.entrySet()) {
            String name = present.get(e.getKey());
            LdmKey first = e.getValue().getFirst();
            if (name == null) { missing.add(first); continue; }
            int[] shape = checkpointShapes.get(name);
            if (!first.acceptsLdmShape(shape)) {
                shapeProblems.add(name + " has shape " + Arrays.toString(shape) + ", the configs need "
                        + Arrays.toString(first.ldmShape()) + " (" + first.component() + ": " + first.diffusersName() + ")");
                continue;
            }
            for (LdmKey k : e.getValue()) matched.add(new KeyResolution.Match(k, name));
        }
        return new KeyResolution(matched, ignoredNames, unknown, missing, shapeProblems);
    }

    /**
     * The LDM name a checkpoint tensor stands for. Some SD 1.x checkpoints were saved with transformers versions whose
     * CLIPTextModel had no {@code text_model} level: {@code cond_stage_model.transformer.encoder...} is read as
     * {@code cond_stage_model.transformer.text_model.encoder...}.
     */
    String canonical(String name) {
        String p = TextEncoderLayout.TRANSFORMERS_CLIP.ldmPrefix();
        if (textLayout == TextEncoderLayout.TRANSFORMERS_CLIP && name.startsWith(p) && !name.startsWith(p + "text_model.")
                && !IgnoredKeys.POSITION_IDS.contains(name))
            return p + "text_model." + name.substring(p.length());
        return name;
    }
}
