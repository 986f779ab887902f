package zest.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import zest.diffusion.checkpoint.CheckpointInspector;
import zest.diffusion.checkpoint.CheckpointReport;
import zest.diffusion.checkpoint.ReportText;

/** Says what a checkpoint is, from its headers alone (no weights are read). */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show what a checkpoint is, from its file headers alone.",
                "Layout, architecture (SD 1.x / SD 2.x) with its key sizes, parameters and dtypes per model, files, "
                        + "ignored and unknown tensors, metadata. No weights are read."})
public final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH", description = "diffusers folder, LDM single-file .safetensors or .ckpt, or any .safetensors file")
    Path path;

    @Option(names = "--config", paramLabel = "DIR", description = "folder with unet/vae/text_encoder config.json for a single-file checkpoint (default: the folder it is in, else inferred from the shapes)")
    Path config;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        CheckpointReport report = CheckpointInspector.inspect(path, config);
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            System.out.println(mapper.writeValueAsString(report));
        } else {
            System.out.print(ReportText.render(report));
        }
        System.out.flush();
        return Main.EXIT_OK;
    }
}
