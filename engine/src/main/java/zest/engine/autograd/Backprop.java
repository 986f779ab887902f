package zest.engine.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import zest.engine.GradMode;
import zest.engine.Tensor;

/**
 * Reverse-mode differentiation: sorts the graph behind a tensor topologically, then walks it backwards,
 * summing the gradients of tensors that feed several ops. Leaves that require grad get {@code .grad()};
 * the graph is released afterwards (unless retained) so saved activations can be collected.
 */
public final class Backprop {
    private Backprop() {}

    public static void run(Tensor root, Tensor gradRoot, boolean retainGraph) {
        List<Tensor> order = topologicalOrder(root);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(root, gradRoot);
        try (var ignored = GradMode.noGrad()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Tensor g = grads.remove(t);
                if (g == null) { // no gradient reached it (an input's backward returned null)
                    if (!retainGraph) t.releaseGraph();
                    continue;
                }
                Node node = t.gradNode();
                if (node == null) {
                    if (t.graphReleased())
                        throw new IllegalStateException("backward through a graph that an earlier backward already released"
                                + " (a tensor of shape " + java.util.Arrays.toString(t.shape()) + "); pass retainGraph=true"
                                + " to the first backward to go through the graph twice");
                    if (t.requiresGrad()) t.accumulateGrad(g);
                    continue;
                }
                if (t.retainsGrad()) t.accumulateGrad(g);
                Tensor[] inputGrads = node.backward().apply(g);
                Tensor[] inputs = node.inputs();
                for (int k = 0; k < inputs.length; k++) {
                    Tensor in = inputs[k];
                    if (in == null || !in.requiresGrad() || inputGrads[k] == null) continue;
                    Tensor ig = inputGrads[k];
                    if (!java.util.Arrays.equals(ig.shape(), in.shape()))
                        throw new IllegalStateException("backward of " + node.op() + " gave gradient of shape "
                                + java.util.Arrays.toString(ig.shape()) + " for input " + k + " of shape "
                                + java.util.Arrays.toString(in.shape()));
                    grads.merge(in, ig, Tensor::add);
                }
                if (!retainGraph) t.releaseGraph();
            }
        }
    }

    /** Tensors reachable from root through graph nodes, each after all of its inputs. */
    static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        // iterative DFS: (tensor, next input index) frames, so deep graphs cannot overflow the stack
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.add(root);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (int) frame[1];
            Node node = t.gradNode();
            Tensor[] inputs = node == null ? new Tensor[0] : node.inputs();
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                if (in != null && in.requiresGrad() && visited.add(in)) stack.push(new Object[] {in, 0});
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }
}
