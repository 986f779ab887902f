package zest.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code zest} command line. Exit codes: 0 success, 1 the work failed, 2 bad input (arguments, files).
 */
@Command(name = "zest", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Layout-controllable Stable Diffusion (ZestGuide) on a pure-Java engine.",
        subcommands = {GenerateCommand.class, DemoCommand.class, ServeCommand.class, CheckCommand.class, InspectCommand.class, ConvertCommand.class, BenchCommand.class, TrainToyCommand.class, EvalCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0, EXIT_FAILURE = 1, EXIT_USAGE = 2;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of main). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(Main::handle);
        cli.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("zest: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try 'zest " + ex.getCommandLine().getCommandName() + " --help'.");
            return EXIT_USAGE;
        });
        return cli.execute(args);
    }

    private static int handle(Exception ex, CommandLine cli, CommandLine.ParseResult parsed) {
        boolean debug = System.getenv("ZEST_DEBUG") != null;
        if (debug) ex.printStackTrace(cli.getErr());
        if (ex instanceof UserError || isInputProblem(ex)) {
            cli.getErr().println("zest: " + ex.getMessage());
            return EXIT_USAGE;
        }
        cli.getErr().println("zest: " + ex.getClass().getSimpleName() + ": " + ex.getMessage()
                + (debug ? "" : " (set ZEST_DEBUG=1 for the stack trace)"));
        return EXIT_FAILURE;
    }

    /** Most CPU threads --threads accepts (the pool cannot take more than 32767). */
    static final int MAX_THREADS = 1024;

    /** Applies a --threads option, refusing a count the pool cannot have as bad input. */
    static void setThreads(Integer threads) {
        if (threads == null) return;
        if (threads < 1 || threads > MAX_THREADS) throw new UserError("--threads must be in 1.." + MAX_THREADS + ", got " + threads);
        zest.engine.cpu.Parallel.setThreads(threads);
    }

    /** Errors that describe bad input files or arguments, raised by the library layers. */
    static boolean isInputProblem(Throwable ex) {
        String name = ex.getClass().getName();
        return name.endsWith("SafetensorsException") || name.endsWith("WeightsException")
                || name.endsWith("TokenizerException") || name.endsWith("ConfigException")
                || name.endsWith("CheckpointException") || name.endsWith("LayoutException")
                || name.endsWith("SchedulerConfigException") || ex instanceof java.nio.file.NoSuchFileException;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/zest/version.properties")) {
                if (in != null) p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String[] {"zest " + p.getProperty("version", "dev"),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")"};
        }
    }
}
