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
 *
 * <p>Two forms of each pass. {@link #causal} and {@link #causalBackward} go query row by query row
 * with dot products and axpys: the readable definition, and decode's form (one query over a cache).
 * {@link #causalBlocked} and {@link #causalBackwardBlocked}, for a whole sequence from position 0
 * (prefill and training), compute the same per head and per block of {@value #BLOCK} query rows with
 * matrix products over the keys the block sees ({@code S = Q·Kᵀ}, {@code O = P·V}, and the
 * backward's transposes), one {@link Backend#forEach} task per head; tests hold the two forms equal.
 */
public final class Attention {
    private Attention() {}

    /** Query rows per block of the blocked forms. */
    static final int BLOCK = 64;

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

    /**
     * {@link #causal} for a whole sequence from position 0 (past 0, the keys being the rows' own),
     * keys before {@code firstKey} masked: per query head h and block of query rows [i0, i1), with the
     * visible keys [firstKey, i1) of kv head h / (Hq / Hkv) gathered into dense [keys, D] arrays,
     * <pre>
     * S = Q_blk · K[firstKey, i1)ᵀ · scale,  S[r, j] = −∞ where key j is after query i0 + r
     * O_blk = softmax(S) · V[firstKey, i1)
     * </pre>
     * Query rows before {@code firstKey} see no key and get zeros. q and out [L, Hq, D]; k and v
     * [T ≥ L, Hkv, D].
     */
    public static void causalBlocked(Backend backend, float[] out, float[] q, int rows, float[] k, float[] v, int firstKey,
                                     int hq, int hkv, int d, float scale) {
        if (hq % hkv != 0) throw new IllegalArgumentException("kv heads " + hkv + " must divide query heads " + hq);
        int group = hq / hkv, keys = rows - firstKey, block = Math.min(BLOCK, Math.max(1, keys));
        backend.forEach(hq, h -> {
            for (int i = 0; i < Math.min(rows, firstKey); i++) java.util.Arrays.fill(out, (i * hq + h) * d, (i * hq + h + 1) * d, 0f);
            if (keys <= 0) return;
            float[] kh = gather(k, firstKey, keys, hkv, h / group, d), vh = gather(v, firstKey, keys, hkv, h / group, d);
            float[] qb = new float[block * d], ob = new float[block * d], s = new float[block * keys];
            for (int i0 = firstKey; i0 < rows; i0 += block) {
                int bq = Math.min(block, rows - i0), n = i0 + bq - firstKey;
                gatherRows(q, i0, bq, hq, h, d, qb);
                probabilities(backend, s, qb, kh, bq, n, d, i0 - firstKey, scale);
                java.util.Arrays.fill(ob, 0f);
                backend.matmulBackwardInput(ob, s, vh, bq, n, d);                 // O = P·V
                for (int r = 0; r < bq; r++) System.arraycopy(ob, r * d, out, ((i0 + r) * hq + h) * d, d);
            }
        });
    }

    /**
     * {@link #causalBackward} per block of query rows, with matrix products: per kv head (one task,
     * so that its query heads' dk and dv accumulate in one place) and each of its query heads, per
     * block of query rows with P recomputed as {@link #causalBlocked} computes it,
     * <pre>
     * dV += Pᵀ·dO_blk;   dP = dO_blk·Vᵀ;   dS = P ∘ (dP − rowsum(P ∘ dP)) · scale
     * dQ_blk += dS·K;    dK += dSᵀ·Q_blk
     * </pre>
     * over the keys the block sees. Same arguments and accumulation as {@link #causalBackward}.
     */
    public static void causalBackwardBlocked(Backend backend, float[] dq, float[] dk, float[] dv, float[] dOut, float[] q,
                                             float[] k, float[] v, int rows, int hq, int hkv, int d, float scale) {
        if (hq % hkv != 0) throw new IllegalArgumentException("kv heads " + hkv + " must divide query heads " + hq);
        if (rows == 0) return;
        int group = hq / hkv, block = Math.min(BLOCK, rows);
        backend.forEach(hkv, g -> {
            float[] kh = gather(k, 0, rows, hkv, g, d), vh = gather(v, 0, rows, hkv, g, d);
            float[] dkh = new float[rows * d], dvh = new float[rows * d];
            float[] qb = new float[block * d], dob = new float[block * d], dqb = new float[block * d];
            float[] p = new float[block * rows], ds = new float[block * rows];
            for (int h = g * group; h < (g + 1) * group; h++) {
                for (int i0 = 0; i0 < rows; i0 += block) {
                    int bq = Math.min(block, rows - i0), n = i0 + bq;
                    gatherRows(q, i0, bq, hq, h, d, qb);
                    gatherRows(dOut, i0, bq, hq, h, d, dob);
                    probabilities(backend, p, qb, kh, bq, n, d, i0, scale);
                    backend.matmulBackwardWeight(dvh, p, dob, bq, n, d);          // dV += Pᵀ·dO
                    backend.matmul(ds, dob, vh, bq, n, d);                       // dP = dO·Vᵀ
                    softmaxBackward(backend, p, ds, bq, n, scale);
                    java.util.Arrays.fill(dqb, 0f);
                    backend.matmulBackwardInput(dqb, ds, kh, bq, n, d);           // dQ = dS·K
                    backend.matmulBackwardWeight(dkh, ds, qb, bq, n, d);          // dK += dSᵀ·Q
                    for (int r = 0; r < bq; r++) backend.axpy(1f, dqb, r * d, dq, ((i0 + r) * hq + h) * d, d);
                }
            }
            for (int j = 0; j < rows; j++) {
                backend.axpy(1f, dkh, j * d, dk, (j * hkv + g) * d, d);
                backend.axpy(1f, dvh, j * d, dv, (j * hkv + g) * d, d);
            }
        });
    }

    /**
     * The attention probabilities of a block of {@code bq} query rows {@code qb} [bq, D] over the first
     * {@code n} keys of {@code kh} [keys, D] into {@code p} [bq, n]: query r is key position
     * {@code first + r} and sees keys 0..first + r.
     */
    private static void probabilities(Backend backend, float[] p, float[] qb, float[] kh, int bq, int n, int d, int first,
                                      float scale) {
        backend.matmul(p, qb, kh, bq, n, d);
        for (int r = 0; r < bq; r++) {
            int visible = first + r + 1;
            backend.scale(p, r * n, visible, scale);
            java.util.Arrays.fill(p, r * n + visible, (r + 1) * n, Float.NEGATIVE_INFINITY);
        }
        backend.softmax(p, bq, n);
    }

    /** {@code dS = P ∘ (dP − rowsum(P ∘ dP)) · scale} in place of dP, both [bq, n]. */
    private static void softmaxBackward(Backend backend, float[] p, float[] ds, int bq, int n, float scale) {
        for (int r = 0; r < bq; r++) {
            float pDotDp = backend.dot(p, r * n, ds, r * n, n);
            for (int j = 0; j < n; j++) ds[r * n + j] = p[r * n + j] * (ds[r * n + j] - pDotDp) * scale;
        }
    }

    /** Rows [from, from + count) of head h of x [·, heads, D], as a dense [count, D] array. */
    private static float[] gather(float[] x, int from, int count, int heads, int h, int d) {
        float[] out = new float[count * d];
        gatherRows(x, from, count, heads, h, d, out);
        return out;
    }

    private static void gatherRows(float[] x, int from, int count, int heads, int h, int d, float[] out) {
        for (int r = 0; r < count; r++) System.arraycopy(x, ((from + r) * heads + h) * d, out, r * d, d);
    }
}
