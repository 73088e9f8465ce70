package falconh1r.infer;

import java.util.Arrays;

/**
 * transformers 5.24's sampling warpers on one row of logits, in place, in generate's order:
 * {@code TemperatureLogitsWarper}, {@code TopKLogitsWarper}, {@code TopPLogitsWarper},
 * {@code MinPLogitsWarper} (each {@code min_tokens_to_keep = 1}). A removed token's logit becomes
 * −∞ ({@code filter_value}); the sampler then draws from the softmax of what is left.
 *
 * <pre>
 * temperature  s = s / T
 * top-k        remove s_i &lt; (k-th largest s)                             ties at the threshold stay
 * top-p        sort ascending; remove the tokens whose cumulative softmax ≤ 1 − p, never the largest
 * min-p        p = softmax(s); remove p_i &lt; min_p · max(p), never the largest
 * </pre>
 *
 * The sort of top-p breaks ties by token id (torch's sort order among equal logits is unspecified).
 * One instance holds the scratch arrays for one vocabulary size; not thread-safe.
 */
public final class LogitsWarpers {
    private final int vocab;
    private final float[] sorted;
    private final long[] keys;

    public LogitsWarpers(int vocab) {
        if (vocab < 1) throw new IllegalArgumentException("vocab must be >= 1, got " + vocab);
        this.vocab = vocab;
        this.sorted = new float[vocab];
        this.keys = new long[vocab];
    }

    /** Applies every enabled warper of {@code p} to {@code s[off, off + vocab)}; temperature 0 (greedy) leaves s as is. */
    public void apply(float[] s, int off, SamplingParams p) {
        if (!p.greedy() && p.temperature() != 1) {
            float t = (float) p.temperature();
            for (int i = 0; i < vocab; i++) s[off + i] /= t;
        }
        if (p.topK() > 0 && p.topK() < vocab) topK(s, off, p.topK());
        if (p.topP() < 1) topP(s, off, p.topP());
        if (p.minP() > 0) minP(s, off, p.minP());
    }

    private void topK(float[] s, int off, int k) {
        System.arraycopy(s, off, sorted, 0, vocab);
        Arrays.sort(sorted);
        float threshold = sorted[vocab - k];
        for (int i = 0; i < vocab; i++) if (s[off + i] < threshold) s[off + i] = Float.NEGATIVE_INFINITY;
    }

    private void topP(float[] s, int off, double topP) {
        for (int i = 0; i < vocab; i++) keys[i] = ((long) sortableBits(s[off + i]) << 32) | i;
        Arrays.sort(keys);                                        // ascending logit, ties by id
        float max = s[off + (int) keys[vocab - 1]];
        double sum = 0;
        for (int r = 0; r < vocab; r++) sum += Math.exp((double) s[off + (int) keys[r]] - max);
        double cumulative = 0, limit = 1 - topP;
        for (int r = 0; r < vocab - 1; r++) {                    // the largest is always kept
            int i = (int) keys[r];
            cumulative += Math.exp((double) s[off + i] - max) / sum;
            if (cumulative > limit) break;
            s[off + i] = Float.NEGATIVE_INFINITY;
        }
    }

    private void minP(float[] s, int off, double minP) {
        int top = argmax(s, off, vocab);
        double max = s[off + top];
        // p_i < min_p · p_top  ⇔  exp(s_i − s_top) < min_p (the softmax's normaliser cancels)
        for (int i = 0; i < vocab; i++) {
            if (i != top && Math.exp(s[off + i] - max) < minP) s[off + i] = Float.NEGATIVE_INFINITY;
        }
    }

    /** The index of the largest of {@code n} values from {@code off}, the lowest on ties (torch.argmax). */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[off + i] > x[off + best]) best = i;
        return best;
    }

    /** An int whose signed order is the float's order (−∞ lowest); NaN above +∞. */
    static int sortableBits(float f) {
        int bits = Float.floatToIntBits(f);
        return bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
    }
}
