package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * The attention branch of one Falcon-H1 layer for one sequence, as transformers'
 * {@code FalconH1Attention.forward} without a cache:
 *
 * <pre>
 * q = q_proj(x);  k = k_proj(x) · key_multiplier;  v = v_proj(x)      [L, Hq·d], [L, Hkv·d]
 * q, k = rope(q, k, positions)
 * o = o_proj( causal_gqa_attention(q, k, v, scale = d^−½) )           [L, D]
 * </pre>
 *
 * The caller multiplies the input by attention_in_multiplier and the output by
 * attention_out_multiplier (the decoder layer does, as transformers does).
 */
public final class SelfAttention {
    private SelfAttention() {}

    /**
     * @param positions the position of each of the {@code length} rows (RoPE)
     * @param padding   left-padding rows: keys before it are masked
     */
    public static void forward(Backend backend, FalconH1Parameters p, int layer, Rope rope, float[] x, int length,
                               int[] positions, int padding, float[] out) {
        FalconH1Config c = p.config();
        int d = c.hiddenSize(), hq = c.numAttentionHeads(), hkv = c.numKeyValueHeads(), hd = c.headDim();
        String pre = ParameterShapes.layer(layer, "self_attn.");
        float[] q = new float[length * hq * hd], k = new float[length * hkv * hd], v = new float[length * hkv * hd];
        Linear.forward(backend, q, x, length, p.get(pre + "q_proj.weight"), p.getOrNull(pre + "q_proj.bias"), hq * hd, d);
        Linear.forward(backend, k, x, length, p.get(pre + "k_proj.weight"), p.getOrNull(pre + "k_proj.bias"), hkv * hd, d);
        Linear.forward(backend, v, x, length, p.get(pre + "v_proj.weight"), p.getOrNull(pre + "v_proj.bias"), hkv * hd, d);
        backend.scale(k, 0, k.length, (float) c.keyMultiplier());
        rope.apply(q, length, hq, positions);
        rope.apply(k, length, hkv, positions);
        float[] attended = new float[length * hq * hd];
        Attention.causal(backend, attended, q, length, k, v, 0, padding, hq, hkv, hd, (float) Math.pow(hd, -0.5),
                new float[length]);
        Linear.forward(backend, out, attended, length, p.get(pre + "o_proj.weight"), p.getOrNull(pre + "o_proj.bias"), d, hq * hd);
    }
}
