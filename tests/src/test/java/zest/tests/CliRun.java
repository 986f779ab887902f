package zest.tests;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import zest.cli.Main;

/** One {@code zest} command run in-process through {@link Main#execute}, with what it printed. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        CliRun run = quiet(args);
        System.out.println("[zest " + String.join(" ", args) + "] exit " + run.exitCode() + "\n" + run.out() + run.err());
        return run;
    }

    /** The same without echoing the run to the test log (for suites that make hundreds of runs). */
    static CliRun quiet(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Override public String toString() { return "exit " + exitCode + "\nstdout:\n" + out + "stderr:\n" + err; }
}
