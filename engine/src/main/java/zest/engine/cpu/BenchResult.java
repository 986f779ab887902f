package zest.engine.cpu;

/**
 * One timed kernel case.
 *
 * @param id       stable identifier shared with the Python peer (e.g. sgemm_nn_1024x1024x1024)
 * @param name     what was timed, for people (e.g. "SGEMM A·B")
 * @param shape    the problem size in words (e.g. "1024×1024×1024 (M×N×K)")
 * @param bestMs   fastest run
 * @param medianMs median run
 * @param gflops   useful floating-point work per second at the best time (2 per multiply-add)
 */
public record BenchResult(String id, String name, String shape, double bestMs, double medianMs, double gflops) {}
