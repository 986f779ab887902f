package zest.engine.device;

import java.util.Locale;

/**
 * Where a tensor's storage lives: the CPU (heap arrays and memory-mapped segments) or a GPU of a backend found at
 * run time ({@link Backends}). Written and parsed as PyTorch does: {@code cpu}, {@code cuda}, {@code cuda:1}.
 */
public record Device(Kind kind, int index) {

    public enum Kind { CPU, CUDA }

    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (index < 0) throw new IllegalArgumentException("device index must be ≥ 0, got " + index);
        if (kind == Kind.CPU && index != 0) throw new IllegalArgumentException("the CPU device has no index");
    }

    public static Device cuda(int index) { return new Device(Kind.CUDA, index); }

    public boolean isCpu() { return kind == Kind.CPU; }

    /** {@code cpu}, {@code cuda} (= cuda:0) or {@code cuda:N}; anything else is an error naming the accepted forms. */
    public static Device parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) return CPU;
        if (t.equals("cuda")) return cuda(0);
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (IllegalArgumentException e) {
                // falls through to the message below
            }
        }
        throw new IllegalArgumentException("unknown device '" + text + "': expected cpu, cuda or cuda:N");
    }

    @Override
    public String toString() { return kind == Kind.CPU ? "cpu" : "cuda:" + index; }
}
