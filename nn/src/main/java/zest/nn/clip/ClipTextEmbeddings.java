package zest.nn.clip;

import zest.engine.Tensor;
import zest.nn.Module;
import zest.nn.layers.Embedding;

/** token_embedding(ids) + position_embedding(0..L-1). */
public final class ClipTextEmbeddings extends Module {
    public final Embedding tokenEmbedding, positionEmbedding;

    public ClipTextEmbeddings(ClipTextConfig c) {
        this.tokenEmbedding = register("token_embedding", new Embedding(c.vocabSize(), c.hiddenSize()));
        this.positionEmbedding = register("position_embedding", new Embedding(c.maxPositionEmbeddings(), c.hiddenSize()));
    }

    /** ids [B, L] → [B, L, D]. */
    public Tensor forward(Tensor ids) {
        int l = ids.size(1);
        if (l > positionEmbedding.num)
            throw new IllegalArgumentException("text of " + l + " tokens is longer than max_position_embeddings " + positionEmbedding.num);
        // positions 0..L-1 are the first L rows of the table: a view, no lookup needed
        Tensor positions = positionEmbedding.weight.value().narrow(0, 0, l);
        return tokenEmbedding.forward(ids).add(positions);
    }
}
