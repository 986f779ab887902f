package zest.diffusion.schedulers;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A diffusers {@code scheduler_config.json}, resolved for one scheduler class.
 *
 * <p>diffusers fills every key the file leaves out with the default of the class that reads it, and a few defaults
 * differ between classes (DDIM: {@code set_alpha_to_one}/{@code clip_sample} true, Euler/DPM-Solver:
 * {@code timestep_spacing} "linspace"). So the record remembers which keys the file actually set
 * ({@link #givenKeys}); {@link #forClass} re-resolves the rest for another class, exactly as
 * {@code OtherScheduler.from_config(config)} does when a pipeline swaps its scheduler.
 *
 * <p>Values this implementation does not support (an unknown beta schedule, thresholding, SDE solvers, ...) are
 * rejected while parsing with a {@link SchedulerConfigException} naming the key and the value; keys that only
 * matter to features we do not have are ignored when they hold their neutral value.
 *
 * @param className        {@code _class_name}, e.g. "DDIMScheduler" (not checked here: {@link Schedulers} decides)
 * @param trainedBetas     {@code trained_betas}, or null to compute them from {@code beta_schedule}
 * @param lambdaMinClipped DPM-Solver's {@code lambda_min_clipped} (-inf: no clipping)
 * @param sigmaMin         Euler's {@code sigma_min} override for Karras sigmas, or null
 * @param sigmaMax         Euler's {@code sigma_max} override for Karras sigmas, or null
 * @param givenKeys        the keys the file set explicitly
 */
public record SchedulerConfig(
        String className,
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        double[] trainedBetas,
        String timestepSpacing,
        int stepsOffset,
        boolean setAlphaToOne,
        boolean clipSample,
        double clipSampleRange,
        String predictionType,
        boolean skipPrkSteps,
        boolean useKarrasSigmas,
        String interpolationType,
        String finalSigmasType,
        boolean lowerOrderFinal,
        boolean eulerAtFinal,
        int solverOrder,
        String algorithmType,
        String solverType,
        double lambdaMinClipped,
        Double sigmaMin,
        Double sigmaMax,
        Set<String> givenKeys) {

    public static final String DDIM = "DDIMScheduler";
    public static final String PNDM = "PNDMScheduler";
    public static final String EULER = "EulerDiscreteScheduler";
    public static final String DPM = "DPMSolverMultistepScheduler";

    static final List<String> BETA_SCHEDULES = List.of("linear", "scaled_linear", "squaredcos_cap_v2");
    static final List<String> SPACINGS = List.of("leading", "trailing", "linspace");
    static final List<String> PREDICTION_TYPES = List.of("epsilon", "v_prediction", "sample");
    static final List<String> INTERPOLATION_TYPES = List.of("linear", "log_linear");
    static final List<String> FINAL_SIGMAS_TYPES = List.of("zero", "sigma_min");
    static final List<String> ALGORITHM_TYPES = List.of("dpmsolver++", "dpmsolver");
    static final List<String> SOLVER_TYPES = List.of("midpoint", "heun");

    /**
     * Keys that switch on diffusers features we do not implement, with the only value we accept. A file that sets
     * one of them to anything else is rejected rather than silently sampled differently.
     */
    private static final Map<String, Object> NEUTRAL_ONLY = Map.ofEntries(
            Map.entry("thresholding", false),
            Map.entry("rescale_betas_zero_snr", false),
            Map.entry("use_exponential_sigmas", false),
            Map.entry("use_beta_sigmas", false),
            Map.entry("use_flow_sigmas", false),
            Map.entry("use_lu_lambdas", false),
            Map.entry("use_dynamic_shifting", false),
            Map.entry("timestep_type", "discrete"));

    /** Non-numeric literals (DPM-Solver writes {@code "lambda_min_clipped": -Infinity}) as Python's json does. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    public SchedulerConfig {
        Objects.requireNonNull(className, "className");
        givenKeys = Set.copyOf(givenKeys);
        trainedBetas = trainedBetas == null ? null : trainedBetas.clone();
    }

    @Override public double[] trainedBetas() { return trainedBetas == null ? null : trainedBetas.clone(); }

    // ---------------------------------------------------------------- parsing

    /** Reads and parses a {@code scheduler_config.json}. */
    public static SchedulerConfig load(Path file) {
        String text;
        try {
            long size = Files.size(file);
            if (size > 16L << 20) // a scheduler config is under 1 kB: refuse a damaged huge file unread
                throw new SchedulerConfigException(file + ": " + size + " bytes is far larger than a scheduler config (at most 16 MB)");
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new SchedulerConfigException("scheduler config not found: " + file);
        } catch (IOException e) {
            throw new SchedulerConfigException("cannot read scheduler config " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (SchedulerConfigException e) {
            throw new SchedulerConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the JSON text of a scheduler config, resolved for its own {@code _class_name}. */
    public static SchedulerConfig parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new SchedulerConfigException("scheduler config is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject())
            throw new SchedulerConfigException("scheduler config must be a JSON object");
        return fromJson(root);
    }

    /** Resolves an already parsed JSON object (e.g. one entry of a test fixture's metadata). */
    public static SchedulerConfig fromJson(JsonNode root) {
        if (root == null || !root.isObject())
            throw new SchedulerConfigException("scheduler config must be a JSON object");
        Set<String> given = new LinkedHashSet<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!root.get(k).isNull()) given.add(k);
        }
        // no _class_name: read it as DDIM's (the family SD configs belong to); --sampler can still pick another
        String cls = given.contains("_class_name") ? string(root, "_class_name", null) : DDIM;
        for (Map.Entry<String, Object> e : NEUTRAL_ONLY.entrySet()) checkNeutral(root, e.getKey(), e.getValue());
        // DPM-Solver's learned-variance outputs (6 channels) are not something an SD UNet produces
        if (root.hasNonNull("variance_type"))
            throw new SchedulerConfigException("scheduler config: variance_type = " + root.get("variance_type")
                    + " is not supported (only null is)");
        return resolve(root, cls, given);
    }

    /**
     * This config as {@code className} would read it: keys the file set keep their values, the others take that
     * class's defaults (diffusers' {@code from_config} behaviour when a pipeline swaps schedulers).
     */
    public SchedulerConfig forClass(String newClassName) {
        Objects.requireNonNull(newClassName, "newClassName");
        return new SchedulerConfig(newClassName, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas,
                has("timestep_spacing") ? timestepSpacing : defaultSpacing(newClassName),
                stepsOffset,
                has("set_alpha_to_one") ? setAlphaToOne : newClassName.equals(DDIM),
                has("clip_sample") ? clipSample : newClassName.equals(DDIM),
                clipSampleRange, predictionType,
                has("skip_prk_steps") ? skipPrkSteps : false,
                useKarrasSigmas, interpolationType, finalSigmasType, lowerOrderFinal, eulerAtFinal, solverOrder,
                algorithmType, solverType, lambdaMinClipped, sigmaMin, sigmaMax, givenKeys);
    }

    /** A copy with DPM-Solver's algorithm and order forced (the {@code dpmpp2m} sampler name means exactly those). */
    public SchedulerConfig withSolver(String algorithm, int order) {
        checkOneOf("algorithm_type", algorithm, ALGORITHM_TYPES);
        if (order < 1 || order > 3) throw bad("solver_order", order, "1, 2 or 3");
        Set<String> keys = new LinkedHashSet<>(givenKeys);
        keys.add("algorithm_type");
        keys.add("solver_order");
        return new SchedulerConfig(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas,
                timestepSpacing, stepsOffset, setAlphaToOne, clipSample, clipSampleRange, predictionType,
                skipPrkSteps, useKarrasSigmas, interpolationType, finalSigmasType, lowerOrderFinal, eulerAtFinal,
                order, algorithm, solverType, lambdaMinClipped, sigmaMin, sigmaMax, keys);
    }

    /** A copy with {@code key} replaced, for tests and for callers that tweak one setting (e.g. prediction type). */
    public SchedulerConfig with(String key, Object value) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("_class_name", className);
        m.put("num_train_timesteps", numTrainTimesteps);
        m.put("beta_start", betaStart);
        m.put("beta_end", betaEnd);
        m.put("beta_schedule", betaSchedule);
        m.put("trained_betas", trainedBetas);
        m.put("timestep_spacing", timestepSpacing);
        m.put("steps_offset", stepsOffset);
        m.put("set_alpha_to_one", setAlphaToOne);
        m.put("clip_sample", clipSample);
        m.put("clip_sample_range", clipSampleRange);
        m.put("prediction_type", predictionType);
        m.put("skip_prk_steps", skipPrkSteps);
        m.put("use_karras_sigmas", useKarrasSigmas);
        m.put("interpolation_type", interpolationType);
        m.put("final_sigmas_type", finalSigmasType);
        m.put("lower_order_final", lowerOrderFinal);
        m.put("euler_at_final", eulerAtFinal);
        m.put("solver_order", solverOrder);
        m.put("algorithm_type", algorithmType);
        m.put("solver_type", solverType);
        m.put("lambda_min_clipped", lambdaMinClipped);
        m.put("sigma_min", sigmaMin);
        m.put("sigma_max", sigmaMax);
        if (!m.containsKey(key)) throw new SchedulerConfigException("unknown scheduler config key \"" + key + "\"");
        m.put(key, value);
        // Keys the original file did not set stay unset, so forClass() keeps working on the copy.
        Set<String> keep = new LinkedHashSet<>(givenKeys);
        keep.add(key);
        m.keySet().removeIf(k -> !keep.contains(k) && !k.equals("_class_name"));
        JsonNode node = MAPPER.valueToTree(m);
        return fromJson(node).forClass(className);
    }

    private boolean has(String key) { return givenKeys.contains(key); }

    private static String defaultSpacing(String cls) {
        // DDIM/PNDM default to "leading"; Euler and DPM-Solver to "linspace" (diffusers 0.35 __init__ defaults).
        return cls.equals(EULER) || cls.equals(DPM) ? "linspace" : "leading";
    }

    private static SchedulerConfig resolve(JsonNode r, String cls, Set<String> given) {
        int numTrain = integer(r, "num_train_timesteps", 1000);
        if (numTrain < 1) throw bad("num_train_timesteps", numTrain, "a positive integer");
        double betaStart = number(r, "beta_start", 0.0001);
        double betaEnd = number(r, "beta_end", 0.02);
        String betaSchedule = string(r, "beta_schedule", "linear");
        checkOneOf("beta_schedule", betaSchedule, BETA_SCHEDULES);
        if (betaSchedule.equals("linear") || betaSchedule.equals("scaled_linear")) {
            if (!(betaStart > 0 && betaStart < 1)) throw bad("beta_start", betaStart, "a number in (0, 1)");
            if (!(betaEnd > 0 && betaEnd < 1)) throw bad("beta_end", betaEnd, "a number in (0, 1)");
        }
        double[] trained = null;
        JsonNode tb = r.get("trained_betas");
        if (tb != null && !tb.isNull()) {
            if (!tb.isArray()) throw bad("trained_betas", tb, "an array of numbers or null");
            trained = new double[tb.size()];
            for (int i = 0; i < trained.length; i++) {
                JsonNode v = tb.get(i);
                if (!v.isNumber() || !(v.asDouble() >= 0 && v.asDouble() < 1))
                    throw bad("trained_betas[" + i + "]", v, "a number in [0, 1)");
                trained[i] = v.asDouble();
            }
            if (trained.length != numTrain)
                throw new SchedulerConfigException("scheduler config: trained_betas has " + trained.length
                        + " values but num_train_timesteps is " + numTrain);
        }
        String spacing = string(r, "timestep_spacing", defaultSpacing(cls));
        checkOneOf("timestep_spacing", spacing, SPACINGS);
        int stepsOffset = integer(r, "steps_offset", 0);
        if (stepsOffset < 0 || stepsOffset >= numTrain) throw bad("steps_offset", stepsOffset, "0 ≤ steps_offset < num_train_timesteps");
        boolean setAlphaToOne = bool(r, "set_alpha_to_one", cls.equals(DDIM));
        boolean clipSample = bool(r, "clip_sample", cls.equals(DDIM));
        double clipRange = number(r, "clip_sample_range", 1.0);
        if (!(clipRange > 0)) throw bad("clip_sample_range", clipRange, "a positive number");
        String prediction = string(r, "prediction_type", "epsilon");
        checkOneOf("prediction_type", prediction, PREDICTION_TYPES);
        boolean skipPrk = bool(r, "skip_prk_steps", false);
        boolean karras = bool(r, "use_karras_sigmas", false);
        String interpolation = string(r, "interpolation_type", "linear");
        checkOneOf("interpolation_type", interpolation, INTERPOLATION_TYPES);
        String finalSigmas = string(r, "final_sigmas_type", "zero");
        checkOneOf("final_sigmas_type", finalSigmas, FINAL_SIGMAS_TYPES);
        boolean lowerOrderFinal = bool(r, "lower_order_final", true);
        boolean eulerAtFinal = bool(r, "euler_at_final", false);
        int order = integer(r, "solver_order", 2);
        if (order < 1 || order > 3) throw bad("solver_order", order, "1, 2 or 3");
        String algorithm = string(r, "algorithm_type", "dpmsolver++");
        if (algorithm.startsWith("sde-"))
            throw new SchedulerConfigException("scheduler config: algorithm_type = \"" + algorithm
                    + "\" (stochastic DPM-Solver) is not supported; use \"dpmsolver++\" or \"dpmsolver\"");
        checkOneOf("algorithm_type", algorithm, ALGORITHM_TYPES);
        String solverType = string(r, "solver_type", "midpoint");
        // diffusers maps the UniPC solver names onto midpoint the same way
        if (List.of("logrho", "bh1", "bh2").contains(solverType)) solverType = "midpoint";
        checkOneOf("solver_type", solverType, SOLVER_TYPES);
        double lambdaMin = number(r, "lambda_min_clipped", Double.NEGATIVE_INFINITY);
        if (Double.isNaN(lambdaMin)) throw bad("lambda_min_clipped", lambdaMin, "a number or -Infinity");
        Double sigmaMin = r.hasNonNull("sigma_min") ? number(r, "sigma_min", 0) : null;
        Double sigmaMax = r.hasNonNull("sigma_max") ? number(r, "sigma_max", 0) : null;
        if (sigmaMin != null && !(sigmaMin > 0)) throw bad("sigma_min", sigmaMin, "a positive number or null");
        if (sigmaMax != null && !(sigmaMax > 0)) throw bad("sigma_max", sigmaMax, "a positive number or null");
        return new SchedulerConfig(cls, numTrain, betaStart, betaEnd, betaSchedule, trained, spacing, stepsOffset,
                setAlphaToOne, clipSample, clipRange, prediction, skipPrk, karras, interpolation, finalSigmas,
                lowerOrderFinal, eulerAtFinal, order, algorithm, solverType, lambdaMin, sigmaMin, sigmaMax, given);
    }

    // ---------------------------------------------------------------- typed access with key-naming errors

    private static void checkNeutral(JsonNode r, String key, Object neutral) {
        JsonNode v = r.get(key);
        if (v == null || v.isNull()) return;
        boolean ok = switch (neutral) {
            case Boolean b -> v.isBoolean() && v.booleanValue() == b;
            case Double d -> v.isNumber() && v.doubleValue() == d;
            case String s -> v.isTextual() && v.textValue().equals(s);
            default -> false;
        };
        if (!ok)
            throw new SchedulerConfigException("scheduler config: " + key + " = " + v + " is not supported (only "
                    + neutral + " is)");
    }

    private static String string(JsonNode r, String key, String def) {
        JsonNode v = r.get(key);
        if (v == null || v.isNull()) return def;
        if (!v.isTextual()) throw bad(key, v, "a string");
        return v.textValue();
    }

    private static int integer(JsonNode r, String key, int def) {
        JsonNode v = r.get(key);
        if (v == null || v.isNull()) return def;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw bad(key, v, "an integer");
        return v.intValue();
    }

    private static double number(JsonNode r, String key, double def) {
        JsonNode v = r.get(key);
        if (v == null || v.isNull()) return def;
        if (!v.isNumber()) throw bad(key, v, "a number");
        return v.doubleValue();
    }

    private static boolean bool(JsonNode r, String key, boolean def) {
        JsonNode v = r.get(key);
        if (v == null || v.isNull()) return def;
        if (!v.isBoolean()) throw bad(key, v, "true or false");
        return v.booleanValue();
    }

    private static void checkOneOf(String key, String value, List<String> allowed) {
        if (!allowed.contains(value))
            throw new SchedulerConfigException("scheduler config: " + key + " = \"" + value
                    + "\" is not supported (expected one of " + String.join(", ", allowed) + ")");
    }

    private static SchedulerConfigException bad(String key, Object value, String expected) {
        return new SchedulerConfigException("scheduler config: " + key + " = " + value + " is invalid (expected "
                + expected + ")");
    }

    // Records compare arrays by identity; compare trained betas by content so equal configs are equal.
    @Override public boolean equals(Object o) {
        return o instanceof SchedulerConfig c && c.toString().equals(toString())
                && Arrays.equals(c.trainedBetas, trainedBetas);
    }

    @Override public int hashCode() { return toString().hashCode(); }

    @Override public String toString() {
        return "SchedulerConfig[" + className + ", T=" + numTrainTimesteps + ", betas=" + betaSchedule + "(" + betaStart
                + ", " + betaEnd + (trainedBetas != null ? ", trained" : "") + "), spacing=" + timestepSpacing
                + ", steps_offset=" + stepsOffset + ", set_alpha_to_one=" + setAlphaToOne + ", clip_sample="
                + clipSample + "(" + clipSampleRange + "), prediction=" + predictionType + ", skip_prk_steps="
                + skipPrkSteps + ", karras=" + useKarrasSigmas + ", interpolation=" + interpolationType
                + ", final_sigmas=" + finalSigmasType + ", lower_order_final=" + lowerOrderFinal + ", euler_at_final="
                + eulerAtFinal + ", order=" + solverOrder + ", algorithm=" + algorithmType + ", solver_type="
                + solverType + ", lambda_min_clipped=" + lambdaMinClipped + ", sigma_min=" + sigmaMin
                + ", sigma_max=" + sigmaMax + "]";
    }
}
