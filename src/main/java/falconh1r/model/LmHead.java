package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * The output projection of transformers' {@code FalconH1ForCausalLM}:
 * {@code logits = lm_head(x) · lm_head_multiplier}, x [L, D] (after the final norm), logits [L, V].
 * With {@code tie_word_embeddings} lm_head is {@code model.embed_tokens.weight} itself, so its
 * gradient accumulates into the embedding's, as autograd does for the shared tensor.
 */
public final class LmHead {
    private LmHead() {}

    /** {@code logits} [rows, V] of {@code x} [rows, D], with {@link FalconH1Parameters#lmHead} (f32 or packed). */
    public static void forward(Backend backend, FalconH1Parameters p, float[] x, int rows, float[] logits) {
        FalconH1Config c = p.config();
        p.lmHead().matmul(backend, logits, x, rows, c.vocabSize(), c.hiddenSize());
        backend.scale(logits, 0, rows * c.vocabSize(), (float) c.lmHeadMultiplier());
    }

    /**
     * The backward of {@link #forward}: with {@code g = dLogits · lm_head_multiplier},
     * {@code dx += g · W} and {@code dW += gᵀ · x}, W being {@code lm_head.weight}, or
     * {@code model.embed_tokens.weight} when tied (then added to what {@link Embedding#backward} adds).
     *
     * @param x       [rows, D] the forward's input
     * @param dLogits [rows, V] (not modified)
     * @param grads   gradients, same names and shapes as {@code p}, accumulated (+=)
     * @param dx      [rows, D] the input's gradient, accumulated (+=)
     */
    public static void backward(Backend backend, FalconH1Parameters p, float[] x, int rows, float[] dLogits,
                                FalconH1Parameters grads, float[] dx) {
        FalconH1Config c = p.config();
        int vocab = c.vocabSize(), d = c.hiddenSize();
        String name = c.tieWordEmbeddings() ? ParameterShapes.EMBED : ParameterShapes.LM_HEAD;
        float[] g = new float[rows * vocab];
        backend.axpy((float) c.lmHeadMultiplier(), dLogits, 0, g, 0, rows * vocab);
        Linear.backward(backend, dx, g, x, rows, p.get(name), grads.get(name), null, vocab, d);
    }
}
