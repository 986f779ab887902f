package zest.nn.clip;

import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.layers.Linear;

/** CLIP's multi-head self-attention (q_proj/k_proj/v_proj/out_proj, all biased), scale = head_dim^-0.5. */
public final class ClipAttention extends Module {
    public final int heads, headDim;
    public final Linear qProj, kProj, vProj, outProj;

    public ClipAttention(int hidden, int heads) {
        this.heads = heads;
        this.headDim = hidden / heads;
        this.kProj = register("k_proj", new Linear(hidden, hidden, true));
        this.vProj = register("v_proj", new Linear(hidden, hidden, true));
        this.qProj = register("q_proj", new Linear(hidden, hidden, true));
        this.outProj = register("out_proj", new Linear(hidden, hidden, true));
    }

    /** x [B, L, D]; mask: additive bias broadcastable to [B, heads, L, L] (the causal mask) or null. */
    public Tensor forward(Tensor x, Tensor mask) {
        int b = x.size(0), l = x.size(1), d = x.size(2);
        Tensor q = qProj.forward(x).reshape(b, l, heads, headDim).permute(0, 2, 1, 3);
        Tensor k = kProj.forward(x).reshape(b, l, heads, headDim).permute(0, 2, 1, 3);
        Tensor v = vProj.forward(x).reshape(b, l, heads, headDim).permute(0, 2, 1, 3);
        var r = zest.engine.ops.Attention.sdpa(q, k, v, mask, (float) (1 / Math.sqrt(headDim)), false);
        return outProj.forward(r.output().permute(0, 2, 1, 3).reshape(b, l, d));
    }
}
