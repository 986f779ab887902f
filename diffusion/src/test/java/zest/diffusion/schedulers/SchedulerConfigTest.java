package zest.diffusion.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing of scheduler_config.json, class defaults, and the errors for values we do not support. */
class SchedulerConfigTest {

    static Path fixtureConfig() throws Exception {
        return Path.of(SchedulerConfigTest.class.getResource("/sd-tiny/scheduler/scheduler_config.json").toURI());
    }

    @Test
    void parsesTheFixtureConfig() throws Exception {
        SchedulerConfig c = SchedulerConfig.load(fixtureConfig());
        assertEquals("DDIMScheduler", c.className());
        assertEquals(1000, c.numTrainTimesteps());
        assertEquals(0.00085, c.betaStart());
        assertEquals(0.012, c.betaEnd());
        assertEquals("scaled_linear", c.betaSchedule());
        assertNull(c.trainedBetas());
        assertEquals("leading", c.timestepSpacing());
        assertEquals(1, c.stepsOffset());
        assertFalse(c.setAlphaToOne());
        assertFalse(c.clipSample());
        assertEquals("epsilon", c.predictionType());
        assertTrue(c.skipPrkSteps());
        assertInstanceOf(DDIMScheduler.class, Schedulers.fromConfig(fixtureConfig(), null));
    }

    @Test
    void missingKeysTakeTheDefaultsOfTheClassThatReadsThem() {
        // SD 1.5's scheduler_config.json: PNDM, no timestep_spacing, no clip_sample
        SchedulerConfig pndm = SchedulerConfig.parse("""
                {"_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
                 "beta_start": 0.00085, "num_train_timesteps": 1000, "set_alpha_to_one": false,
                 "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null}""");
        assertEquals("leading", pndm.timestepSpacing());
        assertFalse(pndm.clipSample());
        // Euler.from_config / DPMSolverMultistep.from_config give "linspace" there, DDIM clips x0 by default
        assertEquals("linspace", pndm.forClass(SchedulerConfig.EULER).timestepSpacing());
        assertEquals("linspace", pndm.forClass(SchedulerConfig.DPM).timestepSpacing());
        assertTrue(pndm.forClass(SchedulerConfig.DDIM).clipSample());
        assertFalse(pndm.forClass(SchedulerConfig.DDIM).setAlphaToOne(), "set in the file: kept");
        assertEquals("linspace", Schedulers.fromConfig(pndm, "euler").config().timestepSpacing());
        assertEquals(1, Schedulers.fromConfig(pndm, "euler").config().stepsOffset());

        SchedulerConfig empty = SchedulerConfig.parse("{\"_class_name\": \"DDIMScheduler\"}");
        assertEquals("linear", empty.betaSchedule());
        assertEquals(0.0001, empty.betaStart());
        assertEquals(0.02, empty.betaEnd());
        assertTrue(empty.setAlphaToOne());
        assertTrue(empty.clipSample());
        assertEquals(1.0, empty.clipSampleRange());
        assertEquals(2, empty.solverOrder());
        assertEquals("dpmsolver++", empty.algorithmType());
        assertEquals(Double.NEGATIVE_INFINITY, empty.lambdaMinClipped());
    }

    @Test
    void acceptsPythonJsonInfinityAndNeutralUnsupportedKeys() {
        SchedulerConfig c = SchedulerConfig.parse("""
                {"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity,
                 "thresholding": false, "use_lu_lambdas": false, "variance_type": null, "_diffusers_version": "0.35.2",
                 "dynamic_thresholding_ratio": 0.995, "timestep_type": "discrete"}""");
        assertEquals(Double.NEGATIVE_INFINITY, c.lambdaMinClipped());
    }

    @Test
    void trainedBetasAreUsedAsGiven() {
        DDIMScheduler s = new DDIMScheduler(SchedulerConfig.parse("{\"_class_name\": \"DDIMScheduler\", "
                + "\"num_train_timesteps\": 4, \"trained_betas\": [0.1, 0.2, 0.3, 0.4], \"set_alpha_to_one\": false}"));
        float[] ac = s.alphasCumprod();
        assertEquals(0.9f, ac[0]);
        assertEquals((float) (0.9 * 0.8), ac[1], 1e-7f);
        assertEquals((float) (0.9 * 0.8 * 0.7 * 0.6), ac[3], 1e-7f);
        assertEquals(0.9f, s.finalAlphaCumprod());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "beta_schedule|\"cosine\"|beta_schedule = \"cosine\"",
            "timestep_spacing|\"uniform\"|timestep_spacing = \"uniform\"",
            "prediction_type|\"flow\"|prediction_type = \"flow\"",
            "interpolation_type|\"cubic\"|interpolation_type = \"cubic\"",
            "final_sigmas_type|\"one\"|final_sigmas_type = \"one\"",
            "algorithm_type|\"sde-dpmsolver++\"|algorithm_type = \"sde-dpmsolver++\"",
            "algorithm_type|\"deis\"|algorithm_type = \"deis\"",
            "solver_type|\"rk4\"|solver_type = \"rk4\"",
            "solver_order|4|solver_order = 4",
            "num_train_timesteps|\"1000\"|num_train_timesteps = \"1000\"",
            "num_train_timesteps|0|num_train_timesteps = 0",
            "steps_offset|1.5|steps_offset = 1.5",
            "beta_start|-1|beta_start = -1",
            "set_alpha_to_one|\"no\"|set_alpha_to_one = \"no\"",
            "clip_sample_range|0|clip_sample_range = 0",
            "thresholding|true|thresholding = true",
            "rescale_betas_zero_snr|true|rescale_betas_zero_snr = true",
            "use_exponential_sigmas|true|use_exponential_sigmas = true",
            "timestep_type|\"continuous\"|timestep_type = \"continuous\"",
            "variance_type|\"learned_range\"|variance_type = \"learned_range\"",
            "trained_betas|[0.1, 0.2]|trained_betas has 2 values",
            "trained_betas|\"x\"|trained_betas = \"x\"",
    })
    void rejectsUnsupportedValuesNamingKeyAndValue(String key, String json, String expected) {
        String text = "{\"_class_name\": \"DDIMScheduler\", \"" + key + "\": " + json + "}";
        SchedulerConfigException e = assertThrows(SchedulerConfigException.class, () -> SchedulerConfig.parse(text));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void rejectsMalformedFiles(@TempDir Path dir) throws Exception {
        assertTrue(assertThrows(SchedulerConfigException.class, () -> SchedulerConfig.parse("{\"beta_start\": "))
                .getMessage().contains("not valid JSON"));
        assertTrue(assertThrows(SchedulerConfigException.class, () -> SchedulerConfig.parse("[1, 2]"))
                .getMessage().contains("JSON object"));
        Path missing = dir.resolve("nope.json");
        assertTrue(assertThrows(SchedulerConfigException.class, () -> SchedulerConfig.load(missing))
                .getMessage().contains("not found"));
        Path bad = dir.resolve("scheduler_config.json");
        Files.writeString(bad, "{\"beta_schedule\": \"sigmoid\"}");
        SchedulerConfigException e = assertThrows(SchedulerConfigException.class, () -> SchedulerConfig.load(bad));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("sigmoid"), e.getMessage());
    }

    @Test
    void factoryNamesAndClassSpecificRefusals() throws Exception {
        SchedulerConfig c = SchedulerConfig.load(fixtureConfig());
        assertInstanceOf(DDIMScheduler.class, Schedulers.fromConfig(c, "ddim"));
        assertInstanceOf(PNDMScheduler.class, Schedulers.fromConfig(c, "PNDM"));
        assertInstanceOf(EulerDiscreteScheduler.class, Schedulers.fromConfig(c, "euler"));
        assertInstanceOf(EulerDiscreteScheduler.class, Schedulers.fromConfig(c, "EulerDiscreteScheduler"));
        Scheduler dpm = Schedulers.fromConfig(c.withSolver("dpmsolver", 3).forClass(SchedulerConfig.DPM), "dpmpp2m");
        assertInstanceOf(DPMSolverMultistepScheduler.class, dpm);
        assertEquals("dpmsolver++", dpm.config().algorithmType());
        assertEquals(2, dpm.config().solverOrder());
        assertEquals("leading", dpm.config().timestepSpacing(), "set in the file: kept");

        SchedulerConfigException e = assertThrows(SchedulerConfigException.class, () -> Schedulers.fromConfig(c, "lms"));
        assertTrue(e.getMessage().contains("\"lms\"") && e.getMessage().contains("dpmpp2m"), e.getMessage());
        SchedulerConfig lms = SchedulerConfig.parse("{\"_class_name\": \"LMSDiscreteScheduler\"}");
        e = assertThrows(SchedulerConfigException.class, () -> Schedulers.fromConfig(lms, null));
        assertTrue(e.getMessage().contains("_class_name = \"LMSDiscreteScheduler\""), e.getMessage());
        assertInstanceOf(DDIMScheduler.class, Schedulers.fromConfig(lms, "ddim"));

        e = assertThrows(SchedulerConfigException.class, () -> Schedulers.fromConfig(c.with("skip_prk_steps", false), "pndm"));
        assertTrue(e.getMessage().contains("skip_prk_steps = false"), e.getMessage());
        e = assertThrows(SchedulerConfigException.class, () -> Schedulers.fromConfig(c.with("prediction_type", "sample"), "pndm"));
        assertTrue(e.getMessage().contains("prediction_type = \"sample\""), e.getMessage());
        e = assertThrows(SchedulerConfigException.class,
                () -> new DPMSolverMultistepScheduler(c.forClass(SchedulerConfig.DPM).withSolver("dpmsolver", 2)));
        assertTrue(e.getMessage().contains("final_sigmas_type = \"zero\""), e.getMessage());
        assertThrows(SchedulerConfigException.class, () -> c.with("beta_schedule", "exp"));
        assertThrows(SchedulerConfigException.class, () -> c.with("no_such_key", 1));
    }
}
