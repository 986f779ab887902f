package zest.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The sd15-keys fixture: tensor name → shape of full-size SD 1.5 in both layouts, and its diffusers configs. */
final class Sd15Keys {
    private Sd15Keys() {}

    static final String LDM = "ldm-single-file.json";

    static Map<String, int[]> shapes(String file) {
        try (InputStream in = Sd15Keys.class.getResourceAsStream("/sd15-keys/" + file)) {
            if (in == null) throw new IllegalStateException("test resource /sd15-keys/" + file + " not found");
            JsonNode root = new ObjectMapper().readTree(in);
            Map<String, int[]> out = new LinkedHashMap<>();
            root.properties().forEach(e -> {
                JsonNode s = e.getValue().get("shape");
                int[] shape = new int[s.size()];
                for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).asInt();
                out.put(e.getKey(), shape);
            });
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, int[]> diffusers(Component c) { return shapes("diffusers-" + c.folder() + ".json"); }

    static Path configFolder() {
        try {
            return Path.of(Sd15Keys.class.getResource("/sd15-keys/configs").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static LdmConfigs configs() { return LdmConfigs.fromFolder(configFolder()); }
}
