package zest.diffusion.pipeline;

import java.io.PrintStream;

/** A one-line progress bar with step, seconds per step and ETA, redrawn in place on a terminal. */
public final class TerminalProgress implements ProgressListener {
    private final PrintStream out;
    private final String label;
    private final long start = System.nanoTime();
    private final boolean interactive;

    public TerminalProgress(PrintStream out, String label) {
        this.out = out;
        this.label = label;
        this.interactive = System.console() != null;
    }

    @Override
    public void onStep(int step, int total, StepInfo info) {
        double elapsed = (System.nanoTime() - start) / 1e9;
        double perStep = elapsed / step;
        double eta = perStep * (total - step);
        int width = 24, filled = (int) Math.round((double) width * step / total);
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        String loss = info != null && info.zestLoss() != null ? String.format("  loss %.4f", info.zestLoss()) : "";
        String line = String.format("%s [%s] %d/%d  %.2f s/step  ETA %s%s", label, bar, step, total, perStep, formatSeconds(eta), loss);
        if (interactive) {
            out.print("\r" + line);
            if (step == total) out.println();
        } else if (step == total || step == 1 || step % Math.max(1, total / 10) == 0) {
            out.println(line);
        }
        out.flush();
    }

    static String formatSeconds(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String.format("%d:%02d", t / 60, t % 60);
    }
}
