package falconh1r.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors of transformers' {@code FalconH1ForCausalLM} state dict, by HF name, in the order
 * {@code state_dict()} lists them, with their shapes ({@code nn.Linear} weights are [out, in]).
 *
 * <p>Checked against transformers 5.24 by printing {@code FalconH1ForCausalLM(config).state_dict()}
 * for tiny configs: per layer the modules register as {@code feed_forward}, {@code mamba},
 * {@code self_attn}, then the two norms; {@code attention_bias} adds q/k/v/o biases,
 * {@code mlp_bias} gate/up/down biases, {@code mamba_proj_bias} {@code in_proj.bias},
 * {@code projectors_bias} {@code out_proj.bias}; {@code mamba.norm.weight} exists only with
 * {@code mamba_rms_norm} (else {@code nn.Identity}). The buffers {@code mamba.mup_vector},
 * {@code rotary_emb.inv_freq} and {@code rotary_emb.original_inv_freq} are non-persistent: never in
 * a checkpoint. With {@code tie_word_embeddings} the state dict still lists {@code lm_head.weight}
 * (the same storage as {@code model.embed_tokens.weight}), but {@code save_pretrained} drops it;
 * so does this list.
 */
public final class ParameterShapes {
    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.final_layernorm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    private ParameterShapes() {}

    /** {@code model.layers.<layer>.<suffix>}, e.g. {@code layer(3, "mamba.A_log")}. */
    public static String layer(int layer, String suffix) {
        return "model.layers." + layer + "." + suffix;
    }

    /** Every tensor a checkpoint of this config holds, name to shape, in state-dict order. */
    public static Map<String, int[]> of(FalconH1Config c) {
        Map<String, int[]> m = new LinkedHashMap<>();
        int d = c.hiddenSize();
        int f = c.intermediateSize();
        int q = c.numAttentionHeads() * c.headDim();
        int kv = c.numKeyValueHeads() * c.headDim();
        int ssm = c.mambaDSsm();
        int h = c.mambaNHeads();
        m.put(EMBED, new int[] {c.vocabSize(), d});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            linear(m, layer(i, "feed_forward.gate_proj"), f, d, c.mlpBias());
            linear(m, layer(i, "feed_forward.up_proj"), f, d, c.mlpBias());
            linear(m, layer(i, "feed_forward.down_proj"), d, f, c.mlpBias());
            m.put(layer(i, "mamba.dt_bias"), new int[] {h});
            m.put(layer(i, "mamba.A_log"), new int[] {h});
            m.put(layer(i, "mamba.D"), new int[] {h});
            m.put(layer(i, "mamba.conv1d.weight"), new int[] {c.convDim(), 1, c.mambaDConv()});
            if (c.mambaConvBias()) m.put(layer(i, "mamba.conv1d.bias"), new int[] {c.convDim()});
            linear(m, layer(i, "mamba.in_proj"), c.inProjSize(), d, c.mambaProjBias());
            if (c.mambaRmsNorm()) m.put(layer(i, "mamba.norm.weight"), new int[] {ssm});
            linear(m, layer(i, "mamba.out_proj"), d, ssm, c.projectorsBias());
            linear(m, layer(i, "self_attn.q_proj"), q, d, c.attentionBias());
            linear(m, layer(i, "self_attn.k_proj"), kv, d, c.attentionBias());
            linear(m, layer(i, "self_attn.v_proj"), kv, d, c.attentionBias());
            linear(m, layer(i, "self_attn.o_proj"), d, q, c.attentionBias());
            m.put(layer(i, "input_layernorm.weight"), new int[] {d});
            m.put(layer(i, "pre_ff_layernorm.weight"), new int[] {d});
        }
        m.put(FINAL_NORM, new int[] {d});
        if (!c.tieWordEmbeddings()) m.put(LM_HEAD, new int[] {c.vocabSize(), d});
        return Collections.unmodifiableMap(m);
    }

    private static void linear(Map<String, int[]> m, String module, int out, int in, boolean bias) {
        m.put(module + ".weight", new int[] {out, in});
        if (bias) m.put(module + ".bias", new int[] {out});
    }
}
