package zest.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Typed reads of a diffusers / transformers config.json with the library's defaults for absent (or null) fields
 * and messages that name the file and the field, e.g. "unet/config.json: 'block_out_channels' must be ...".
 */
public final class JsonConfig {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String source;
    private final JsonNode root;

    public JsonConfig(String source, JsonNode root) {
        if (root == null || !root.isObject()) throw new ConfigException(source + ": expected a JSON object");
        this.source = source;
        this.root = root;
    }

    /** A config.json is a few kB; a file past this is damaged and is refused before it is read. */
    static final long MAX_BYTES = 16L << 20;

    public static JsonConfig read(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES)
                throw new ConfigException(file + ": " + size + " bytes is far larger than a config file (at most " + (MAX_BYTES >> 20) + " MB)");
            return new JsonConfig(file.toString(), MAPPER.readTree(Files.readString(file)));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read JSON: " + e.getMessage(), e);
        }
    }

    public static JsonConfig parse(String source, String json) {
        try {
            return new JsonConfig(source, MAPPER.readTree(json));
        } catch (IOException e) {
            throw new ConfigException(source + ": cannot read JSON: " + e.getMessage(), e);
        }
    }

    public String source() { return source; }

    public JsonNode root() { return root; }

    public boolean has(String field) { return root.hasNonNull(field); }

    /** The field, or null when absent or JSON null. */
    public JsonNode node(String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? null : n;
    }

    public ConfigException error(String field, String expectation) {
        JsonNode n = node(field);
        return new ConfigException(source + ": '" + field + "' " + expectation + (n == null ? " (absent)" : ", got " + n));
    }

    public int requireInt(String field) {
        JsonNode n = node(field);
        if (n == null || !n.canConvertToInt() || !(n.isIntegralNumber() || (n.isNumber() && n.asDouble() == Math.rint(n.asDouble()))))
            throw error(field, "must be an integer");
        return n.asInt();
    }

    public int intOr(String field, int def) { return has(field) ? requireInt(field) : def; }

    public Integer intOrNull(String field) { return has(field) ? requireInt(field) : null; }

    public int positiveIntOr(String field, int def) {
        int v = intOr(field, def);
        if (v <= 0) throw error(field, "must be a positive integer");
        return v;
    }

    /**
     * A positive size no larger than {@code max}. Sizes are bounded before a network is built from them, so a
     * damaged config (layers 1e6, channels 1e9) is refused here instead of building millions of modules.
     */
    public int sizeOr(String field, int def, int max) {
        int v = positiveIntOr(field, def);
        if (v > max) throw error(field, "must be at most " + max + " (no Stable Diffusion model is this large)");
        return v;
    }

    /** The same bound for every entry of an already-read list or per-block field. */
    public int[] atMost(String field, int[] values, int max) {
        for (int v : values)
            if (v > max) throw error(field, "entries must be at most " + max + " (no Stable Diffusion model is this large)");
        return values;
    }

    public double doubleOr(String field, double def) {
        JsonNode n = node(field);
        if (n == null) return def;
        if (!n.isNumber()) throw error(field, "must be a number");
        return n.asDouble();
    }

    public boolean boolOr(String field, boolean def) {
        JsonNode n = node(field);
        if (n == null) return def;
        if (!n.isBoolean()) throw error(field, "must be true or false");
        return n.asBoolean();
    }

    public String stringOr(String field, String def) {
        JsonNode n = node(field);
        if (n == null) return def;
        if (!n.isTextual()) throw error(field, "must be a string");
        return n.asText();
    }

    public List<String> stringListOr(String field, List<String> def) {
        JsonNode n = node(field);
        if (n == null) return def;
        if (!n.isArray()) throw error(field, "must be a list of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) throw error(field, "must be a list of strings");
            out.add(e.asText());
        }
        return List.copyOf(out);
    }

    /** A list of positive integers. */
    public int[] intListOr(String field, int[] def) {
        JsonNode n = node(field);
        if (n == null) return def;
        if (!n.isArray() || n.isEmpty()) throw error(field, "must be a non-empty list of positive integers");
        int[] out = new int[n.size()];
        Iterator<JsonNode> it = n.elements();
        for (int i = 0; it.hasNext(); i++) {
            JsonNode e = it.next();
            if (!e.isIntegralNumber() || e.asInt() <= 0) throw error(field, "must be a non-empty list of positive integers");
            out[i] = e.asInt();
        }
        return out;
    }

    /**
     * diffusers' "int or tuple" fields (e.g. layers_per_block): a single positive int repeated {@code count}
     * times, or a list of exactly {@code count} positive ints.
     */
    public int[] intOrListOr(String field, int def, int count) {
        JsonNode n = node(field);
        int[] out = new int[count];
        if (n == null) { java.util.Arrays.fill(out, def); return out; }
        if (n.isArray()) {
            int[] list = intListOr(field, null);
            if (list.length != count) throw error(field, "must be one integer or a list of " + count + " (one per block)");
            return list;
        }
        int v = requireInt(field);
        if (v <= 0) throw error(field, "must be a positive integer");
        java.util.Arrays.fill(out, v);
        return out;
    }

    /** The same for booleans (only_cross_attention). */
    public boolean[] boolOrListOr(String field, boolean def, int count) {
        JsonNode n = node(field);
        boolean[] out = new boolean[count];
        if (n == null) { java.util.Arrays.fill(out, def); return out; }
        if (n.isArray()) {
            if (n.size() != count) throw error(field, "must be true/false or a list of " + count);
            for (int i = 0; i < count; i++) {
                if (!n.get(i).isBoolean()) throw error(field, "must be true/false or a list of " + count);
                out[i] = n.get(i).asBoolean();
            }
            return out;
        }
        java.util.Arrays.fill(out, boolOr(field, def));
        return out;
    }

    /** Fails when a field we do not implement has a value other than its (no-op) default. */
    public void requireDefault(String field, Object def, String why) {
        JsonNode n = node(field);
        if (n == null) return;
        boolean ok = switch (def) {
            case null -> false;
            case Boolean b -> n.isBoolean() && n.asBoolean() == b;
            case String s -> n.isTextual() && n.asText().equals(s);
            case Number x -> n.isNumber() && n.asDouble() == x.doubleValue();
            default -> false;
        };
        if (!ok) throw new ConfigException(source + ": '" + field + "' = " + n + " is not supported (" + why + ")");
    }
}
