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
 * transformers does); so does the caller of {@link #backward}, on the gradients.
 */
public final class SelfAttention {
    private SelfAttention() {}

    /**
     * What {@link #backward} needs from the forward of one unpadded sequence of {@code rows} tokens
     * without a cache; {@link #forward} fills it. The attention probabilities [Hq, L, L] are not
     * stored: the backward recomputes them from q and k, one block of query rows at a time.
     */
    public static final class Activations {
        public final int rows;
        /** [L, D] the branch input, as given (already × attention_in_multiplier). */
        public final float[] x;
        /** [L, Hq·hd] after RoPE. */
        public final float[] q;
        /** [L, Hkv·hd] after the key multiplier and RoPE. */
        public final float[] k;
        /** [L, Hkv·hd]. */
        public final float[] v;
        /** [L, Hq·hd] the attention output, o_proj's input. */
        public final float[] attended;

        public Activations(FalconH1Config c, int rows) {
            int qSize = c.numAttentionHeads() * c.headDim(), kvSize = c.numKeyValueHeads() * c.headDim();
            this.rows = rows;
            this.x = new float[rows * c.hiddenSize()];
            this.q = new float[rows * qSize];
            this.k = new float[rows * kvSize];
            this.v = new float[rows * kvSize];
            this.attended = new float[rows * qSize];
        }
    }

    /** {@link #forward(Backend, FalconH1Parameters, int, Rope, float[], int, Rope.Angles, int, FalconH1Cache[], float[], Activations)} for inference (nothing saved). */
    public static void forward(Backend backend, FalconH1Parameters p, int layer, Rope rope, float[] x, int rows,
                               Rope.Angles angles, int padding, FalconH1Cache[] caches, float[] out) {
        forward(backend, p, layer, rope, x, rows, angles, padding, caches, out, null);
    }

    /**
     * @param angles    the RoPE angles of each of the {@code rows} rows (computed once per forward)
     * @param padding   left padding of the sequence (keys before it masked) when the rows are one
     *                  sequence; ignored when continuing (each cache holds its own)
     * @param caches    null (uncached forward); one empty cache (prefill: the new k and v, after RoPE
     *                  and the key multiplier as transformers' cache stores them, are appended); or
     *                  {@code rows} filled caches, one per row (decode: row r appends to and attends
     *                  over {@code caches[r]})
     * @param saved     null, or the activations to fill for {@link #backward} (then {@code caches}
     *                  must be null and {@code padding} 0)
     */
    public static void forward(Backend backend, FalconH1Parameters p, int layer, Rope rope, float[] x, int rows,
                               Rope.Angles angles, int padding, FalconH1Cache[] caches, float[] out, Activations saved) {
        FalconH1Config c = p.config();
        int d = c.hiddenSize(), hq = c.numAttentionHeads(), hkv = c.numKeyValueHeads(), hd = c.headDim();
        int qSize = hq * hd, kvSize = hkv * hd;
        String pre = ParameterShapes.layer(layer, "self_attn.");
        if (saved != null) {
            if (caches != null || padding != 0 || saved.rows != rows) {
                throw new IllegalArgumentException("saved activations need one unpadded sequence without a cache, of "
                        + saved.rows + " rows (got " + rows + " rows, padding " + padding + ", caches " + (caches != null) + ")");
            }
            System.arraycopy(x, 0, saved.x, 0, rows * d);
        }
        float[] q = saved != null ? saved.q : new float[rows * qSize];
        float[] k = saved != null ? saved.k : new float[rows * kvSize];
        float[] v = saved != null ? saved.v : new float[rows * kvSize];
        Linear.forward(backend, q, x, rows, p.weight(pre + "q_proj.weight"), p.getOrNull(pre + "q_proj.bias"), qSize, d);
        Linear.forward(backend, k, x, rows, p.weight(pre + "k_proj.weight"), p.getOrNull(pre + "k_proj.bias"), kvSize, d);
        Linear.forward(backend, v, x, rows, p.weight(pre + "v_proj.weight"), p.getOrNull(pre + "v_proj.bias"), kvSize, d);
        backend.scale(k, 0, k.length, (float) c.keyMultiplier());
        rope.apply(q, hq, angles);
        rope.apply(k, hkv, angles);
        float[] attended = saved != null ? saved.attended : new float[rows * qSize];
        if (caches != null && caches[0].filled()) {
            // one decode token per sequence: row r over its own cache, with its own padding
            float[] qRow = new float[qSize], oRow = new float[qSize];
            for (int r = 0; r < rows; r++) {
                FalconH1Cache.Kv kv = caches[r].kv(layer);
                int past = kv.append(k, v, r, 1);
                System.arraycopy(q, r * qSize, qRow, 0, qSize);
                Attention.causal(backend, oRow, qRow, 1, kv.keys(), kv.values(), past, caches[r].padding(), hq, hkv, hd,
                        softmaxScale(hd), new float[past + 1]);
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
            Attention.causalBlocked(backend, attended, q, rows, keys, values, padding, hq, hkv, hd, softmaxScale(hd));
        }
        Linear.forward(backend, out, attended, rows, p.weight(pre + "o_proj.weight"), p.getOrNull(pre + "o_proj.bias"), d, qSize);
    }

    /**
     * The backward of {@link #forward} for the sequence {@code saved} was filled from, as autograd
     * differentiates {@code FalconH1Attention.forward}: o_proj, attention (probabilities recomputed),
     * RoPE transposed, the key multiplier, then q/k/v_proj. f32 parameters only.
     *
     * @param angles the forward's RoPE angles
     * @param dOut   [L, D] the gradient of the branch output (already × attention_out_multiplier)
     * @param grads  gradients, same names and shapes as {@code p}: this layer's attention weights
     *               and biases accumulate (+=)
     * @param dx     [L, D] the input's gradient accumulates (+=); the caller then multiplies it by
     *               attention_in_multiplier
     */
    public static void backward(Backend backend, FalconH1Parameters p, int layer, Rope rope, Rope.Angles angles,
                                Activations saved, float[] dOut, FalconH1Parameters grads, float[] dx) {
        FalconH1Config c = p.config();
        int d = c.hiddenSize(), hq = c.numAttentionHeads(), hkv = c.numKeyValueHeads(), hd = c.headDim();
        int qSize = hq * hd, kvSize = hkv * hd, rows = saved.rows;
        String pre = ParameterShapes.layer(layer, "self_attn.");
        float[] dAttended = new float[rows * qSize];
        Linear.backward(backend, dAttended, dOut, saved.attended, rows, p.get(pre + "o_proj.weight"),
                grads.get(pre + "o_proj.weight"), grads.getOrNull(pre + "o_proj.bias"), d, qSize);
        float[] dq = new float[rows * qSize], dk = new float[rows * kvSize], dv = new float[rows * kvSize];
        Attention.causalBackwardBlocked(backend, dq, dk, dv, dAttended, saved.q, saved.k, saved.v, rows, hq, hkv, hd,
                softmaxScale(hd));
        rope.backward(dq, hq, angles);
        rope.backward(dk, hkv, angles);
        backend.scale(dk, 0, dk.length, (float) c.keyMultiplier());
        Linear.backward(backend, dx, dq, saved.x, rows, p.get(pre + "q_proj.weight"),
                grads.get(pre + "q_proj.weight"), grads.getOrNull(pre + "q_proj.bias"), qSize, d);
        Linear.backward(backend, dx, dk, saved.x, rows, p.get(pre + "k_proj.weight"),
                grads.get(pre + "k_proj.weight"), grads.getOrNull(pre + "k_proj.bias"), kvSize, d);
        Linear.backward(backend, dx, dv, saved.x, rows, p.get(pre + "v_proj.weight"),
                grads.get(pre + "v_proj.weight"), grads.getOrNull(pre + "v_proj.bias"), kvSize, d);
    }

    /** transformers' {@code scaling = head_dim**-0.5}. */
    private static float softmaxScale(int headDim) {
        return (float) Math.pow(headDim, -0.5);
    }
}
