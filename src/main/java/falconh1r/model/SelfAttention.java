package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * The attention branch of one Falcon-H1 layer, as transformers' {@code FalconH1Attention.forward}:
 *
 * <pre>
 * q = q_proj(x);  k = k_proj(x) · key_multiplier;  v = v_proj(x)      [R, Hq·d], [R, Hkv·d]
 * q, k = rope(q, k, positions)
 * o = o_proj( causal_gqa_attention(q, k, v, scale = d^−½) )           [R, D]
 * </pre>
 *
 * The R rows of {@code x} are either one sequence (the forward, or a prefill that fills one cache)
 * or one decode token of each of R sequences (each continuing its own cache). Either way the four
 * projections are one matmul over all R rows; only RoPE (each row at its own position) and the
 * attention over a sequence's keys are per sequence. The caller multiplies the input by
 * attention_in_multiplier and the output by attention_out_multiplier (the decoder layer does, as
 * transformers does).
 */
public final class SelfAttention {
    private SelfAttention() {}

    /**
     * @param angles    the RoPE angles of each of the {@code rows} rows (computed once per forward)
     * @param padding   left padding of the sequence (keys before it masked) when the rows are one
     *                  sequence; ignored when continuing (each cache holds its own)
     * @param caches    null (uncached forward); one empty cache (prefill: the new k and v, after RoPE
     *                  and the key multiplier as transformers' cache stores them, are appended); or
     *                  {@code rows} filled caches, one per row (decode: row r appends to and attends
     *                  over {@code caches[r]})
     */
    public static void forward(Backend backend, FalconH1Parameters p, int layer, Rope rope, float[] x, int rows,
                               Rope.Angles angles, int padding, FalconH1Cache[] caches, float[] out) {
        FalconH1Config c = p.config();
        int d = c.hiddenSize(), hq = c.numAttentionHeads(), hkv = c.numKeyValueHeads(), hd = c.headDim();
        int qSize = hq * hd, kvSize = hkv * hd;
        float scale = (float) Math.pow(hd, -0.5);
        String pre = ParameterShapes.layer(layer, "self_attn.");
        float[] q = new float[rows * qSize], k = new float[rows * kvSize], v = new float[rows * kvSize];
        Linear.forward(backend, q, x, rows, p.weight(pre + "q_proj.weight"), p.getOrNull(pre + "q_proj.bias"), qSize, d);
        Linear.forward(backend, k, x, rows, p.weight(pre + "k_proj.weight"), p.getOrNull(pre + "k_proj.bias"), kvSize, d);
        Linear.forward(backend, v, x, rows, p.weight(pre + "v_proj.weight"), p.getOrNull(pre + "v_proj.bias"), kvSize, d);
        backend.scale(k, 0, k.length, (float) c.keyMultiplier());
        rope.apply(q, hq, angles);
        rope.apply(k, hkv, angles);
        float[] attended = new float[rows * qSize];
        if (caches != null && caches[0].filled()) {
            // one decode token per sequence: row r over its own cache, with its own padding
            float[] qRow = new float[qSize], oRow = new float[qSize];
            for (int r = 0; r < rows; r++) {
                FalconH1Cache.Kv kv = caches[r].kv(layer);
                int past = kv.append(k, v, r, 1);
                System.arraycopy(q, r * qSize, qRow, 0, qSize);
                Attention.causal(backend, oRow, qRow, 1, kv.keys(), kv.values(), past, caches[r].padding(), hq, hkv, hd,
                        scale, new float[past + 1]);
                System.arraycopy(oRow, 0, attended, r * qSize, qSize);
            }
        } else {
            // the rows are one sequence, from position 0 of an empty cache (or no cache)
            float[] keys = k, values = v;
            if (caches != null) {
                FalconH1Cache.Kv kv = caches[0].kv(layer);
                kv.append(k, v, rows);
                keys = kv.keys();
                values = kv.values();
            }
            Attention.causal(backend, attended, q, rows, keys, values, 0, padding, hq, hkv, hd, scale, new float[rows]);
        }
        Linear.forward(backend, out, attended, rows, p.weight(pre + "o_proj.weight"), p.getOrNull(pre + "o_proj.bias"), d, qSize);
    }
}
