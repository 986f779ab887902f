package zest.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import zest.engine.Tensor;
import zest.nn.layers.Conv2d;
import zest.nn.layers.GroupNorm;
import zest.nn.layers.Linear;

class ModuleTest {
    /** norm (GroupNorm) → blocks.0 (Conv2d) → blocks.1.proj (Linear without bias). */
    static final class Toy extends Module {
        final GroupNorm norm = register("norm", new GroupNorm(2, 4, 1e-5f));
        final ModuleList<Module> blocks = register("blocks", new ModuleList<>());
        final Conv2d conv = (Conv2d) blocks.add(new Conv2d(4, 4, 3));
        final Inner inner = (Inner) blocks.add(new Inner());
    }

    static final class Inner extends Module {
        final Linear proj = register("proj", new Linear(4, 2, false));
    }

    static Map<String, Tensor> fullState() {
        Map<String, Tensor> m = new HashMap<>();
        m.put("norm.weight", Tensor.ones(4));
        m.put("norm.bias", Tensor.zeros(4));
        m.put("blocks.0.weight", Tensor.zeros(4, 4, 3, 3));
        m.put("blocks.0.bias", Tensor.zeros(4));
        m.put("blocks.1.proj.weight", Tensor.zeros(2, 4));
        return m;
    }

    @Test
    void namesAreDottedPathsFromTheRoot() {
        Toy t = new Toy();
        assertEquals(List.of("norm.weight", "norm.bias", "blocks.0.weight", "blocks.0.bias", "blocks.1.proj.weight"),
                List.copyOf(t.namedParameters().keySet()));
        assertEquals("blocks.1.proj.weight", t.inner.proj.weight.name());
        assertEquals("blocks.1.proj", t.inner.proj.path());
        // relative to a sub-module, like PyTorch's named_parameters on a child
        assertEquals(List.of("proj.weight"), List.copyOf(t.inner.namedParameters().keySet()));
        assertEquals(4 + 4 + 144 + 4 + 8, t.parameterCount());
    }

    @Test
    void constructionAllocatesNothing() {
        Toy t = new Toy();
        for (Parameter p : t.namedParameters().values()) assertFalse(p.isSet());
        assertTrue(t.stateDict().isEmpty());
    }

    @Test
    void loadKeepsTheGivenTensors() {
        Toy t = new Toy();
        Map<String, Tensor> s = fullState();
        LoadResult r = t.loadStateDict(s, true);
        assertTrue(r.isComplete());
        assertSame(s.get("blocks.0.weight"), t.conv.weight.value());
    }

    @Test
    void strictLoadListsEveryProblemAndChangesNothing() {
        Toy t = new Toy();
        Map<String, Tensor> s = fullState();
        s.remove("norm.bias");
        s.remove("blocks.1.proj.weight");
        s.put("blocks.0.weight", Tensor.zeros(4, 4, 1, 1));
        s.put("blocks.2.extra", Tensor.zeros(1));
        WeightsException e = assertThrows(WeightsException.class, () -> t.loadStateDict(s, true));
        assertEquals(List.of(
                "mismatch: blocks.0.weight: expected [4, 4, 3, 3], got [4, 4, 1, 1]",
                "missing: blocks.1.proj.weight",
                "missing: norm.bias",
                "unexpected: blocks.2.extra"), e.problems());
        assertTrue(e.getMessage().contains("1 shape/dtype mismatch(es), 2 missing, 1 unexpected"), e.getMessage());
        assertFalse(t.norm.weight.isSet(), "a failed load leaves the module untouched");
    }

    @Test
    void nonStrictLoadReportsMissingAndUnexpectedButNotShapes() {
        Toy t = new Toy();
        Map<String, Tensor> s = fullState();
        s.remove("norm.bias");
        s.put("extra", Tensor.zeros(1));
        LoadResult r = t.loadStateDict(s, false);
        assertEquals(List.of("norm.bias"), r.missingKeys());
        assertEquals(List.of("extra"), r.unexpectedKeys());
        s.put("norm.weight", Tensor.ones(5));
        assertThrows(WeightsException.class, () -> new Toy().loadStateDict(s, false));
    }

    @Test
    void forwardWithAnUnsetParameterNamesIt() {
        Toy t = new Toy();
        WeightsException e = assertThrows(WeightsException.class, () -> t.inner.proj.forward(Tensor.ones(1, 4)));
        assertTrue(e.getMessage().contains("'blocks.1.proj.weight'"), e.getMessage());
    }

    @Test
    void initializeSetsEveryParameter() {
        Toy t = new Toy();
        t.initialize(new SplittableRandom(1));
        for (Parameter p : t.namedParameters().values()) assertTrue(p.isSet(), p.name());
        assertEquals(1f, t.norm.weight.value().get(0));
        Toy torchInit = new Toy();
        torchInit.initialize(new zest.engine.random.TorchGenerator(0));
        assertTrue(torchInit.conv.weight.isSet());
        float[] w = t.conv.weight.value().floats();
        double bound = 1 / Math.sqrt(36);
        for (float v : w) assertTrue(Math.abs(v) <= bound);
    }

    @Test
    void attachingTwiceOrReusingANameFails() {
        Linear l = new Linear(1, 1, true);
        ModuleList<Linear> a = new ModuleList<>();
        a.add(l);
        assertThrows(IllegalStateException.class, () -> new ModuleList<Linear>().add(l));
    }
}
