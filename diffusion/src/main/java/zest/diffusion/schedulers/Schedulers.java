package zest.diffusion.schedulers;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Builds a {@link Scheduler} from a model's scheduler config, optionally swapping the sampler the way a diffusers
 * user would with {@code OtherScheduler.from_config(pipe.scheduler.config)}: the noise schedule (betas, steps_offset,
 * prediction type, any key the file sets) is kept and unset keys take the new class's defaults.
 */
public final class Schedulers {
    private Schedulers() {}

    /** The CLI's {@code --sampler} names. */
    public static final List<String> SAMPLER_NAMES = List.of("ddim", "pndm", "euler", "dpmpp2m");

    /** Reads {@code scheduler_config.json} and builds its scheduler (or {@code overrideName}'s). */
    public static Scheduler fromConfig(Path configFile, String overrideName) {
        return fromConfig(SchedulerConfig.load(configFile), overrideName);
    }

    /**
     * @param overrideName null to use the config's {@code _class_name}; else a sampler name ({@code ddim},
     *                     {@code pndm}, {@code euler}, {@code dpmpp2m}, case-insensitive) or a diffusers class name
     */
    public static Scheduler fromConfig(SchedulerConfig config, String overrideName) {
        String name = overrideName == null || overrideName.isBlank() ? config.className() : overrideName.strip();
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "ddim", "ddimscheduler" -> new DDIMScheduler(config);
            case "pndm", "plms", "pndmscheduler" -> new PNDMScheduler(config);
            case "euler", "eulerdiscretescheduler" -> new EulerDiscreteScheduler(config);
            // DPM++ 2M: the data-prediction solver at second order, whatever the file says about either
            case "dpmpp2m" -> new DPMSolverMultistepScheduler(config.forClass(SchedulerConfig.DPM).withSolver("dpmsolver++", 2));
            case "dpmsolvermultistepscheduler" -> new DPMSolverMultistepScheduler(config);
            default -> throw new SchedulerConfigException(overrideName != null && !overrideName.isBlank()
                    ? "unknown sampler \"" + overrideName + "\" (expected one of " + String.join(", ", SAMPLER_NAMES)
                            + " or a diffusers class name: DDIMScheduler, PNDMScheduler, EulerDiscreteScheduler, "
                            + "DPMSolverMultistepScheduler)"
                    : "scheduler config: _class_name = \"" + config.className() + "\" is not supported (supported: "
                            + "DDIMScheduler, PNDMScheduler, EulerDiscreteScheduler, DPMSolverMultistepScheduler); "
                            + "choose one with --sampler " + String.join("|", SAMPLER_NAMES));
        };
    }
}
