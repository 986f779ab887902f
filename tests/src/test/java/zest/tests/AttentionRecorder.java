package zest.tests;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import zest.engine.Tensor;
import zest.nn.attention.AttentionContext;
import zest.nn.attention.AttentionHook;

/** Collects the attention probabilities of the layers a predicate selects, in forward order. */
class AttentionRecorder implements AttentionHook {
    record Entry(AttentionContext context, Tensor probabilities) {}

    private final Predicate<AttentionContext> select;
    final List<Entry> entries = new ArrayList<>();

    AttentionRecorder(Predicate<AttentionContext> select) { this.select = select; }

    @Override public boolean wantsProbabilities(AttentionContext c) { return select.test(c); }

    @Override public void onProbabilities(AttentionContext c, Tensor p) { entries.add(new Entry(c, p)); }
}
