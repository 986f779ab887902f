package zest.diffusion.toy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import zest.engine.DType;
import zest.engine.Tensor;
import zest.engine.io.Safetensors;
import zest.engine.io.SafetensorsFile;

/**
 * A resumable training state in one safetensors file: F32 weights, AdamW moments and EMA weights as tensors
 * ({@code param/}, {@code adam_m/}, {@code adam_v/}, {@code ema/} + the parameter name), and the settings, step
 * count and loss history in the metadata. Written atomically (temporary file, fsync, rename), so a run killed while
 * saving leaves the previous checkpoint intact. Random state needs no saving: every draw of step t comes from
 * generators seeded by (seed, t).
 */
public final class TrainCheckpoint {
    public static final String FILE_NAME = "checkpoint.safetensors";
    private static final String KEY_SETTINGS = "zest_toy_settings", KEY_STEP = "zest_toy_step", KEY_LOSSES = "zest_toy_losses",
            KEY_RESCHEDULES = "zest_toy_reschedules";

    private TrainCheckpoint() {}

    public static void save(Trainer t, Path file) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<String> names = t.names();
        for (int i = 0; i < names.size(); i++) {
            int[] shape = t.parameters().get(i).shape();
            tensors.put("param/" + names.get(i), Tensor.of(t.values().get(i), shape));
            tensors.put("adam_m/" + names.get(i), Tensor.of(t.optimizer().firstMoment(i), shape));
            tensors.put("adam_v/" + names.get(i), Tensor.of(t.optimizer().secondMoment(i), shape));
            tensors.put("ema/" + names.get(i), Tensor.of(t.ema().shadow(i), shape));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(KEY_SETTINGS, t.settings().toJson().toString());
        meta.put(KEY_STEP, Long.toString(t.step()));
        meta.put(KEY_LOSSES, LossLog.encode(t.losses()));
        if (!t.reschedules().isEmpty())
            meta.put(KEY_RESCHEDULES, String.join(",", t.reschedules().stream().map(Trainer.Reschedule::encode).toList()));
        Safetensors.write(file, tensors, meta, DType.F32);
    }

    /** The settings stored in a checkpoint (to compare with what the user asked for before resuming). */
    public static TrainSettings settingsOf(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            return parseSettings(f.metadata().get(KEY_SETTINGS));
        }
    }

    /** A trainer in exactly the state the checkpoint recorded. */
    public static Trainer load(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TrainSettings s = parseSettings(f.metadata().get(KEY_SETTINGS));
            Trainer t = new Trainer(s);
            List<float[]> w = new ArrayList<>(), m = new ArrayList<>(), v = new ArrayList<>(), e = new ArrayList<>();
            for (String name : t.names()) {
                w.add(read(f, "param/" + name));
                m.add(read(f, "adam_m/" + name));
                v.add(read(f, "adam_v/" + name));
                e.add(read(f, "ema/" + name));
            }
            t.restore(Long.parseLong(f.metadata().get(KEY_STEP)), w, m, v, e, LossLog.decode(f.metadata().get(KEY_LOSSES)));
            String history = f.metadata().get(KEY_RESCHEDULES);
            if (history != null && !history.isBlank())
                t.restoreReschedules(java.util.Arrays.stream(history.split(",")).map(Trainer.Reschedule::decode).toList());
            return t;
        }
    }

    private static float[] read(SafetensorsFile f, String name) {
        if (!f.contains(name)) throw new IllegalArgumentException(f.path() + ": checkpoint lacks tensor " + name);
        return f.tensor(name).toFloatArray();
    }

    private static TrainSettings parseSettings(String json) {
        if (json == null) throw new IllegalArgumentException("not a zest train-toy checkpoint (no " + KEY_SETTINGS + " metadata)");
        try {
            return TrainSettings.fromJson(new ObjectMapper().readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
