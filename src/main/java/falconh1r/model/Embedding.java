package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * The token embedding of transformers' {@code FalconH1Model}:
 * {@code h = embed_tokens(ids) · embedding_multiplier}, with {@code embed_tokens = nn.Embedding(V, D,
 * padding_idx=pad_token_id)}. h is [L, D], the table [V, D].
 */
public final class Embedding {
    private Embedding() {}

    /** Rows {@code ids} of {@code model.embed_tokens.weight} (f32 or packed) times the multiplier into {@code h} [L, D]. */
    public static void forward(Backend backend, FalconH1Parameters p, int[] ids, float[] h) {
        FalconH1Config c = p.config();
        int d = c.hiddenSize();
        checkIds(ids, c.vocabSize());
        Weight table = p.weight(ParameterShapes.EMBED);
        for (int t = 0; t < ids.length; t++) table.copyRow(ids[t], d, h, t * d);
        backend.scale(h, 0, ids.length * d, (float) c.embeddingMultiplier());
    }

    /**
     * The backward of {@link #forward}, as autograd's {@code embedding_backward}: a scatter-add
     * {@code dE[ids[t]] += embedding_multiplier · dh[t]} into {@code grads}' {@code model.embed_tokens.weight}
     * (multiplier and pad_token_id from {@code grads.config()}). Tokens equal to {@code padding_idx}
     * (pad_token_id) add nothing, as {@code nn.Embedding(padding_idx=…)} leaves that row's gradient alone.
     *
     * @param dh [L, D] the gradient of the scaled embeddings
     */
    public static void backward(Backend backend, int[] ids, float[] dh, FalconH1Parameters grads) {
        FalconH1Config c = grads.config();
        int d = c.hiddenSize();
        checkIds(ids, c.vocabSize());
        int paddingIdx = c.padTokenId() == null ? -1 : c.padTokenId();
        float[] dTable = grads.get(ParameterShapes.EMBED);
        float multiplier = (float) c.embeddingMultiplier();
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] != paddingIdx) backend.axpy(multiplier, dh, t * d, dTable, ids[t] * d, d);
        }
    }

    private static void checkIds(int[] ids, int vocab) {
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] < 0 || ids[t] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[t] + " at position " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }
}
