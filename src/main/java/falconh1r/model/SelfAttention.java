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
        forward(backend, p, layer, rope, x, length, positions, padding, null, out);
    }

    /**
     * As above, attending over the cached keys too: the new k and v (after RoPE and the key
     * multiplier, as transformers' cache stores them) are appended to {@code kv}, and query row i
     * sits at cache position {@code past + i}.
     *
     * @param padding left padding of the whole sequence (keys before it masked)
     * @param kv      the layer's KV cache, or null for the uncached forward
     */
    public static void forward(Backend backend, FalconH1Parameters p, int layer, Rope rope, float[] x, int length,
                               int[] positions, int padding, FalconH1Cache.Kv kv, float[] out) {
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
        float[] keys = k, values = v;
        int past = 0;
        if (kv != null) {
            past = kv.append(k, v, length);
            keys = kv.keys();
            values = kv.values();
        }
        float[] attended = new float[length * hq * hd];
        Attention.causal(backend, attended, q, length, keys, values, past, padding, hq, hkv, hd, (float) Math.pow(hd, -0.5),
                new float[past + length]);
        Linear.forward(backend, out, attended, length, p.get(pre + "o_proj.weight"), p.getOrNull(pre + "o_proj.bias"), d, hq * hd);
    }
}
