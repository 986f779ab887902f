package zest.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import zest.diffusion.model.BuiltinModel;
import zest.diffusion.model.DiffusionModel;
import zest.diffusion.model.ModelLoader;
import zest.diffusion.serve.PlaygroundServer;

/** The playground web page: paint a layout, generate, watch the attention maps. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve the playground: a web page to paint layouts and generate with live progress.",
                "Binds to localhost by default; one generation runs at a time, others wait in a short queue."})
public final class ServeCommand implements Callable<Integer> {
    /** Where the model comes from when --model is not given: the ZEST_MODEL environment variable, else the built-in model. */
    static Supplier<Path> defaultModel = () -> {
        String env = System.getenv("ZEST_MODEL");
        return env == null || env.isBlank() ? Path.of(BuiltinModel.NAME) : Path.of(env);
    };

    @Option(names = "--host", description = "address to bind (default ${DEFAULT-VALUE}; other hosts can reach the page only if you change it)",
            defaultValue = "127.0.0.1") String host;
    @Option(names = "--port", description = "port (default ${DEFAULT-VALUE}; 0 = any free port)", defaultValue = "7860") int port;
    @Option(names = "--model", description = "diffusers folder or single-file .safetensors or .ckpt checkpoint (default: $ZEST_MODEL, else the built-in toy model)") Path model;
    @Option(names = "--config", description = "config folder for a single-file checkpoint") Path config;
    @Option(names = "--queue", description = "requests that may wait behind the running one (default ${DEFAULT-VALUE})", defaultValue = "4") int queue;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path modelArg = model != null ? model : defaultModel.get();
        boolean builtin = BuiltinModel.isBuiltin(modelArg);
        Path modelPath = builtin ? GenerateCommand.builtinFolder() : modelArg;
        if (!Files.exists(modelPath)) throw new UserError(modelPath + ": model file or folder not found");
        if (port < 0 || port > 65535) throw new UserError("--port must be in 0..65535, got " + port);
        if (queue < 0 || queue > 100) throw new UserError("--queue must be in 0..100, got " + queue);
        System.err.println("zest: loading " + modelPath);
        DiffusionModel m = ModelLoader.load(modelPath, config);
        PlaygroundServer.Options opts = PlaygroundServer.Options.defaults().withHost(host).withPort(port).withQueueCapacity(queue);
        PlaygroundServer server;
        try {
            server = PlaygroundServer.start(m, builtin ? BuiltinModel.NAME : modelPath.getFileName().toString(), opts);
        } catch (java.net.BindException e) {
            throw new UserError("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
        if (!InetAddress.getByName(host).isLoopbackAddress())
            System.err.println("zest: warning: listening on " + host + ": anyone who can reach this address can use the playground");
        System.out.println("zest: playground at " + server.uri() + " (Ctrl+C to stop)");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> { server.close(); stop.countDown(); }));
        stop.await();
        return Main.EXIT_OK;
    }
}
