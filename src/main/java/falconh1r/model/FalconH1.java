package falconh1r.model;

import falconh1r.kernels.Backend;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole Falcon-H1 causal LM forward for one sequence, as transformers'
 * {@code FalconH1ForCausalLM.forward} (no cache):
 *
 * <pre>
 * h = embed_tokens[ids] · embedding_multiplier                                      [L, D]
 * for each layer:
 *     x = RMSNorm(h; input_layernorm)                       one norm feeds both branches
 *     h = h + Mamba2(x) · ssm_out_multiplier + Attention(x · attention_in_multiplier) · attention_out_multiplier
 *     h = h + MLP(RMSNorm(h; pre_ff_layernorm))
 * logits = lm_head(RMSNorm(h; final_layernorm)) · lm_head_multiplier              [L, V]
 * </pre>
 *
 * A left-padded row of a batch is run with {@code padding} > 0: its first {@code padding} tokens
 * are masked out of both branches (keys for attention, zeroed states for Mamba). Every matrix
 * product goes through the {@link Backend}.
 */
public final class FalconH1 {

    /** What one forward returns: hidden states as transformers' {@code output_hidden_states}, and logits. */
    public record Output(List<float[]> hiddenStates, float[] lastLayerOut, float[] logits) {}

    private final FalconH1Parameters p;
    private final FalconH1Config c;
    private final Backend backend;
    private final Rope rope;

    public FalconH1(FalconH1Parameters parameters, Backend backend) {
        this.p = parameters;
        this.c = parameters.config();
        this.backend = backend;
        this.rope = new Rope(c.headDim(), c.ropeTheta());
    }

    public FalconH1Config config() {
        return c;
    }

    /**
     * Runs {@code ids} at {@code positions} (null: 0..L−1). hiddenStates[0] is the scaled embedding,
     * [i] the output of layer i, and the last entry is after the final norm (transformers replaces
     * the last layer's raw output with it; that raw output is {@code lastLayerOut}).
     */
    public Output forward(int[] ids, int[] positions, int padding) {
        int length = ids.length, d = c.hiddenSize(), vocab = c.vocabSize();
        if (positions == null) {
            positions = new int[length];
            for (int i = 0; i < length; i++) positions[i] = i;
        }
        float[] embed = p.get(ParameterShapes.EMBED);
        float[] h = new float[length * d];
        for (int t = 0; t < length; t++) {
            if (ids[t] < 0 || ids[t] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[t] + " at position " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
            System.arraycopy(embed, ids[t] * d, h, t * d, d);
        }
        backend.scale(h, 0, h.length, (float) c.embeddingMultiplier());
        List<float[]> hidden = new ArrayList<>();
        hidden.add(h.clone());

        float eps = (float) c.rmsNormEps();
        float[] x = new float[length * d], mamba = new float[length * d], attn = new float[length * d];
        int inter = c.intermediateSize();
        float[] gate = new float[length * inter], up = new float[length * inter];
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            backend.rmsNorm(x, h, p.get(ParameterShapes.layer(layer, "input_layernorm.weight")), length, d, eps);
            Mamba2Mixer.forward(backend, p, layer, x, length, padding, mamba);
            backend.scale(x, 0, x.length, (float) c.attentionInMultiplier());
            SelfAttention.forward(backend, p, layer, rope, x, length, positions, padding, attn);
            backend.scale(mamba, 0, mamba.length, (float) c.ssmOutMultiplier());
            backend.axpy((float) c.attentionOutMultiplier(), attn, 0, mamba, 0, mamba.length);
            backend.add(h, h, mamba, h.length);                       // residual + (mamba + attention)
            backend.rmsNorm(x, h, p.get(ParameterShapes.layer(layer, "pre_ff_layernorm.weight")), length, d, eps);
            Mlp.forward(backend, attn, x, length, d, inter, mlpWeights(layer), gate, up);
            backend.add(h, h, attn, h.length);
            hidden.add(h.clone());
        }
        float[] lastLayerOut = hidden.removeLast();
        backend.rmsNorm(x, h, p.get(ParameterShapes.FINAL_NORM), length, d, eps);
        hidden.add(x.clone());
        float[] logits = new float[length * vocab];
        backend.matmul(logits, x, p.lmHead(), length, vocab, d);
        backend.scale(logits, 0, logits.length, (float) c.lmHeadMultiplier());
        return new Output(hidden, lastLayerOut, logits);
    }

    private Mlp.Weights mlpWeights(int layer) {
        String pre = ParameterShapes.layer(layer, "feed_forward.");
        return new Mlp.Weights(p.get(pre + "gate_proj.weight"), p.getOrNull(pre + "gate_proj.bias"),
                p.get(pre + "up_proj.weight"), p.getOrNull(pre + "up_proj.bias"),
                p.get(pre + "down_proj.weight"), p.getOrNull(pre + "down_proj.bias"),
                c.mlpMultipliers().get(0).floatValue(), c.mlpMultipliers().get(1).floatValue());
    }
}
