package zest.convert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import zest.nn.JsonConfig;

/**
 * The diffusers config.json of each component, which an LDM single file lacks: read from a diffusers folder
 * ({@code unet/config.json}, {@code vae/config.json}, {@code text_encoder/config.json}) or made by
 * {@link ArchitectureInference}.
 */
public record LdmConfigs(JsonConfig unet, JsonConfig vae, JsonConfig textEncoder) {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public LdmConfigs {
        Objects.requireNonNull(unet, "unet");
        Objects.requireNonNull(vae, "vae");
        Objects.requireNonNull(textEncoder, "textEncoder");
    }

    /** Reads {@code <folder>/<component>/config.json} for the three components. */
    public static LdmConfigs fromFolder(Path folder) {
        return new LdmConfigs(JsonConfig.read(configFile(folder, Component.UNET)),
                JsonConfig.read(configFile(folder, Component.VAE)),
                JsonConfig.read(configFile(folder, Component.TEXT_ENCODER)));
    }

    /** From config.json-shaped maps ({@code source} names them in error messages, e.g. "inferred"). */
    public static LdmConfigs of(String source, Map<String, Object> unet, Map<String, Object> vae, Map<String, Object> textEncoder) {
        return new LdmConfigs(json(source + " unet config", unet), json(source + " vae config", vae),
                json(source + " text_encoder config", textEncoder));
    }

    public JsonConfig get(Component c) {
        return switch (c) {
            case UNET -> unet;
            case VAE -> vae;
            case TEXT_ENCODER -> textEncoder;
        };
    }

    /** The config as a JSON-compatible map (numbers, strings, booleans, lists, null), in file order. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> asMap(Component c) {
        return MAPPER.convertValue(get(c).root(), LinkedHashMap.class);
    }

    /** Writes {@code <folder>/<component>/config.json} for the three components. */
    public void writeTo(Path folder) {
        for (Component c : Component.values()) {
            Path file = configFile(folder, c);
            try {
                Files.createDirectories(file.getParent());
                Files.writeString(file, MAPPER.writeValueAsString(get(c).root()) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
            }
        }
    }

    static Path configFile(Path folder, Component c) { return folder.resolve(c.folder()).resolve("config.json"); }

    private static JsonConfig json(String source, Map<String, Object> map) {
        return new JsonConfig(source, MAPPER.valueToTree(map));
    }
}
