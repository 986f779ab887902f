package zest.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import zest.diffusion.checkpoint.CheckpointConverter;
import zest.engine.DType;

/** Converts between an LDM single file and a diffusers folder, or changes the stored dtype within one layout. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert LDM single file <-> diffusers folder, or change the dtype.",
                "OUT ending in .safetensors is written as one LDM file, anything else as a diffusers folder. The output "
                        + "appears complete or not at all, and an existing OUT is only replaced with --overwrite."})
public final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "diffusers folder, or LDM single-file .safetensors or .ckpt")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "NAME.safetensors for one LDM file, else a diffusers folder")
    Path out;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "keep", converter = StoreAs.class,
            description = "fp16, fp32, bf16 or keep (default: ${DEFAULT-VALUE}) for the floating-point tensors")
    DType storeAs;

    @Option(names = "--overwrite", description = "replace OUT if it exists")
    boolean overwrite;

    @Option(names = "--config", paramLabel = "DIR", description = "folder with unet/vae/text_encoder config.json for a single-file IN (default: the folder it is in, else inferred from the shapes)")
    Path config;

    @Override
    public Integer call() {
        for (String line : CheckpointConverter.convert(new CheckpointConverter.Request(in, out, storeAs, overwrite, config)))
            System.out.println(line);
        System.out.flush();
        return Main.EXIT_OK;
    }

    /** --dtype names as PyTorch users write them; "keep" is null (each tensor keeps its dtype). */
    static final class StoreAs implements CommandLine.ITypeConverter<DType> {
        @Override
        public DType convert(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "fp16", "f16", "float16", "half" -> DType.F16;
                case "fp32", "f32", "float32", "float" -> DType.F32;
                case "bf16", "bfloat16" -> DType.BF16;
                case "keep" -> null;
                default -> throw new CommandLine.TypeConversionException("'" + value + "' is not one of fp16, fp32, bf16, keep");
            };
        }
    }
}
