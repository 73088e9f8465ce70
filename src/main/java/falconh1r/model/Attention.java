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
}
