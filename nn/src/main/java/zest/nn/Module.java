package zest.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import zest.engine.Tensor;
import zest.engine.random.TorchGenerator;

/**
 * A network part with named children and parameters, mirroring PyTorch's nn.Module so that parameter names are
 * exactly the diffusers / transformers state-dict keys. Names are dotted paths from the root module (the one
 * without a parent), computed on demand, so a block built before being attached still reports its full name.
 */
public abstract class Module {
    private Module parent;
    private String nameInParent;
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();

    /** Attaches {@code child} under {@code name}; returns it so fields can be assigned in one line. */
    protected final <M extends Module> M register(String name, M module) {
        Module child = module; // private fields are not reachable through the type variable
        if (child.parent != null)
            throw new IllegalStateException("module is already attached as '" + child.path() + "'");
        if (children.containsKey(name) || parameters.containsKey(name))
            throw new IllegalStateException("duplicate name '" + name + "' in " + describe());
        child.parent = this;
        child.nameInParent = name;
        children.put(name, child);
        return module;
    }

    /** Declares a parameter of the given shape (value unset until loaded or initialized). */
    protected final Parameter parameter(String name, int... shape) {
        if (children.containsKey(name) || parameters.containsKey(name))
            throw new IllegalStateException("duplicate name '" + name + "' in " + describe());
        for (int s : shape)
            if (s <= 0) throw new IllegalArgumentException("parameter '" + name + "' needs positive sizes, got " + Arrays.toString(shape));
        Parameter p = new Parameter(this, name, shape);
        parameters.put(name, p);
        return p;
    }

    /** The dotted path of this module from the root ("" for the root itself). */
    public final String path() {
        if (parent == null) return "";
        String up = parent.path();
        return up.isEmpty() ? nameInParent : up + "." + nameInParent;
    }

    public final Module parent() { return parent; }

    /** Direct children in registration order. */
    public final Map<String, Module> children() { return Collections.unmodifiableMap(children); }

    /** Parameters declared by this module itself (not its children), by local name. */
    public final Map<String, Parameter> ownParameters() { return Collections.unmodifiableMap(parameters); }

    /** Every parameter of this subtree, keyed by its dotted name relative to this module, in registration order. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        for (var e : parameters.entrySet()) out.put(prefix + e.getKey(), e.getValue());
        for (var e : children.entrySet()) e.getValue().collect(prefix + e.getKey() + ".", out);
    }

    /** Every module of this subtree (this one first), depth-first in registration order. */
    public final List<Module> modules() {
        List<Module> out = new ArrayList<>();
        walk(out);
        return out;
    }

    private void walk(List<Module> out) {
        out.add(this);
        for (Module c : children.values()) c.walk(out);
    }

    /** Total number of scalar weights declared (whether or not they are loaded). */
    public final long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) n += p.numel();
        return n;
    }

    /** The loaded values by dotted name (unset parameters are left out). */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : namedParameters().entrySet()) if (e.getValue().isSet()) out.put(e.getKey(), e.getValue().valueOrNull());
        return out;
    }

    /**
     * Sets parameters from tensors keyed by dotted names relative to this module. All problems are collected
     * before anything is changed: shape mismatches always fail; with {@code strict}, missing and unexpected keys fail
     * too, otherwise they are reported in the result. Tensors are kept as given (no copy, no dtype conversion).
     */
    public final LoadResult loadStateDict(Map<String, Tensor> weights, boolean strict) {
        Map<String, Parameter> params = namedParameters();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (var e : params.entrySet()) {
            Tensor t = weights.get(e.getKey());
            if (t == null) { missing.add(e.getKey()); continue; }
            int[] want = e.getValue().shape();
            if (!Arrays.equals(want, t.shape()))
                mismatched.add(e.getKey() + ": expected " + Arrays.toString(want) + ", got " + Arrays.toString(t.shape()));
            else if (!t.dtype().isFloating())
                mismatched.add(e.getKey() + ": expected a floating-point tensor, got dtype " + t.dtype());
        }
        for (String k : weights.keySet()) if (!params.containsKey(k)) unexpected.add(k);
        Collections.sort(missing);
        Collections.sort(unexpected);
        List<String> problems = new ArrayList<>();
        for (String m : mismatched) problems.add("mismatch: " + m);
        if (strict) {
            for (String m : missing) problems.add("missing: " + m);
            for (String u : unexpected) problems.add("unexpected: " + u);
        }
        if (!problems.isEmpty())
            throw new WeightsException("cannot load weights into " + describe() + ": " + mismatched.size() + " shape/dtype mismatch(es)"
                    + (strict ? ", " + missing.size() + " missing, " + unexpected.size() + " unexpected key(s)" : ""), problems);
        for (var e : params.entrySet()) {
            Tensor t = weights.get(e.getKey());
            if (t != null) e.getValue().set(t);
        }
        return new LoadResult(missing, unexpected);
    }

    /**
     * Gives every parameter a fresh value for training from scratch, following PyTorch's default initialisation of
     * each layer type (see {@link #resetParameters}). Modules visit in registration order, so a seeded generator
     * gives reproducible weights (not PyTorch's bit-for-bit values).
     */
    public final void initialize(RandomGenerator rng) {
        for (Module m : modules()) m.resetParameters(rng);
    }

    /** {@link #initialize(RandomGenerator)} drawing from zest's PyTorch-compatible generator. */
    public final void initialize(TorchGenerator gen) {
        initialize(new RandomGenerator() {
            @Override public long nextLong() { return gen.nextInt64(); }
            @Override public double nextDouble() { return gen.nextUniformDouble(); }
            @Override public double nextGaussian() { return gen.nextDoubleNormal(); }
        });
    }

    /** Sets this module's own parameters (not its children's); layers with weights override it. */
    protected void resetParameters(RandomGenerator rng) {
        if (!parameters.isEmpty())
            throw new UnsupportedOperationException(getClass().getSimpleName() + " does not define an initialisation");
    }

    /** Marks every set parameter as a leaf that needs its gradient (for fine-tuning), or clears the mark. */
    public final void requiresGrad(boolean value) {
        for (Parameter p : namedParameters().values()) if (p.isSet()) p.valueOrNull().requiresGrad(value);
    }

    /** "ClassName 'path'" for messages. */
    protected final String describe() {
        String p = path();
        return getClass().getSimpleName() + (p.isEmpty() ? "" : " '" + p + "'");
    }

    @Override
    public String toString() { return describe(); }
}
