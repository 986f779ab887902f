package zest.kernels.device;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import zest.engine.cpu.ElementwiseKernels.Binary;
import zest.engine.cpu.ElementwiseKernels.Unary;

/**
 * elementwise.cu switches on the ordinals of the engine's Binary and Unary enums, one {@code case N: ... // NAME}
 * per op (the last as {@code default}): reordering or extending the enums without the kernel fails here.
 */
class KernelOpCodesTest {

    static Map<String, Integer> cases(String kernel) throws Exception {
        String src = Files.readString(Path.of("src/main/cuda/elementwise.cu"));
        int from = src.indexOf("void " + kernel + "(");
        int to = src.indexOf("extern \"C\"", from);
        Matcher m = Pattern.compile("(case (\\d+)|default):[^\\n]*//\\s*([A-Z_]+)").matcher(src.substring(from, to));
        Map<String, Integer> codes = new LinkedHashMap<>();
        while (m.find()) codes.put(m.group(3), m.group(2) == null ? -1 : Integer.parseInt(m.group(2)));
        return codes;
    }

    @Test
    void binaryOpCodesAreTheEnumOrdinals() throws Exception {
        Map<String, Integer> codes = cases("binary_f32");
        assertEquals(Binary.values().length, codes.size(), "one case per Binary op: " + codes);
        for (Binary op : Binary.values()) {
            int code = codes.getOrDefault(op.name(), Integer.MIN_VALUE);
            assertEquals(op == Binary.values()[Binary.values().length - 1] ? -1 : op.ordinal(), code, op.name());
        }
    }

    @Test
    void unaryOpCodesAreTheEnumOrdinals() throws Exception {
        Map<String, Integer> codes = cases("unary_f32");
        assertEquals(Unary.values().length, codes.size(), "one case per Unary op: " + codes);
        for (Unary op : Unary.values()) {
            int code = codes.getOrDefault(op.name(), Integer.MIN_VALUE);
            assertEquals(op == Unary.values()[Unary.values().length - 1] ? -1 : op.ordinal(), code, op.name());
        }
    }
}
