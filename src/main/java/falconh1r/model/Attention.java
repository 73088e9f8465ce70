package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * Causal grouped-query attention over cached keys and values, as transformers'
 * {@code eager_attention_forward} with a causal mask: per query head h (kv head h / (Hq / Hkv)),
 * {@code out = softmax(q·kᵀ·scale) · v} over the keys it may see.
 *
 * <p>Layouts are token-major so that a decode step appends one contiguous block to the cache:
 * q and out [L, Hq, D], k and v [T, Hkv, D]. Query row i is at absolute position {@code past + i}
 * and sees keys {@code firstKey ≤ j ≤ past + i}; keys before {@code firstKey} are left padding.
 * A query that sees no key (a padding position itself) gets zeros.
 */
public final class Attention {
    private Attention() {}

    /**
     * @param scores scratch of at least T floats
     */
    public static void causal(Backend backend, float[] out, float[] q, int rows, float[] k, float[] v, int past,
                              int firstKey, int hq, int hkv, int d, float scale, float[] scores) {
        if (hq % hkv != 0) throw new IllegalArgumentException("kv heads " + hkv + " must divide query heads " + hq);
        int group = hq / hkv;
        for (int i = 0; i < rows; i++) {
            int last = past + i;                                  // the newest key this query sees
            int count = last - firstKey + 1;
            for (int h = 0; h < hq; h++) {
                int qOff = (i * hq + h) * d, kvh = h / group;
                int oOff = qOff;
                java.util.Arrays.fill(out, oOff, oOff + d, 0f);
                if (count <= 0) continue;
                for (int j = firstKey; j <= last; j++) {
                    scores[j - firstKey] = backend.dot(q, qOff, k, (j * hkv + kvh) * d, d) * scale;
                }
                backend.softmax(scores, 1, count);
                for (int j = firstKey; j <= last; j++) {
                    backend.axpy(scores[j - firstKey], v, (j * hkv + kvh) * d, out, oOff, d);
                }
            }
        }
    }

    /**
     * The backward of {@link #causal} over one unpadded sequence without a cache (past 0, firstKey 0,
     * the keys being the rows' own), as autograd differentiates {@code eager_attention_forward}. The
     * attention probabilities are not stored: each query row recomputes its {@code p} from q and k
     * exactly as the forward does, then
     *
     * <pre>
     * p_j   = softmax_j(q_i·k_j·scale)                 j ≤ i
     * dv_j += p_j · do_i
     * dp_j  = do_i · v_j
     * ds_j  = p_j · (dp_j − Σ_j' p_j'·dp_j')           the softmax backward
     * dq_i += scale · Σ_j ds_j · k_j;   dk_j += scale · ds_j · q_i
     * </pre>
     *
     * Query heads sharing a kv head (h / (Hq / Hkv)) accumulate into its dk and dv. Every gradient
     * accumulates (+=). q, dq and dOut [L, Hq, D]; k, v, dk and dv [L, Hkv, D].
     */
    public static void causalBackward(Backend backend, float[] dq, float[] dk, float[] dv, float[] dOut, float[] q,
                                      float[] k, float[] v, int rows, int hq, int hkv, int d, float scale) {
        if (hq % hkv != 0) throw new IllegalArgumentException("kv heads " + hkv + " must divide query heads " + hq);
        int group = hq / hkv;
        float[] p = new float[rows], dp = new float[rows];
        for (int i = 0; i < rows; i++) {
            for (int h = 0; h < hq; h++) {
                int qOff = (i * hq + h) * d, kvh = h / group;
                for (int j = 0; j <= i; j++) p[j] = backend.dot(q, qOff, k, (j * hkv + kvh) * d, d) * scale;
                backend.softmax(p, 1, i + 1);
                float pDotDp = 0f;
                for (int j = 0; j <= i; j++) {
                    int kvOff = (j * hkv + kvh) * d;
                    dp[j] = backend.dot(dOut, qOff, v, kvOff, d);
                    pDotDp += p[j] * dp[j];
                    backend.axpy(p[j], dOut, qOff, dv, kvOff, d);
                }
                for (int j = 0; j <= i; j++) {
                    int kvOff = (j * hkv + kvh) * d;
                    float ds = p[j] * (dp[j] - pDotDp) * scale;
                    backend.axpy(ds, k, kvOff, dq, qOff, d);
                    backend.axpy(ds, q, qOff, dk, kvOff, d);
                }
            }
        }
    }
}
