package falconh1r.infer;

/**
 * DeepConf's token and group confidences (pipeline.md §4.1, §4.4), exactly as deepconf 0.1.0
 * (facebookresearch/deepconf at 675529d) computes them:
 * <pre>
 *   C_i        = −mean(logprob entries of position i), rounded to 3 decimals     (token)
 *   C_stop,i   = −Σ_{j≤k} log P_i(j) / k, unrounded                                (stopToken)
 *   C_G        = mean of C_t over a window G of n consecutive tokens, stride 1      (grouped)
 * </pre>
 */
public final class Confidence {
    private Confidence() {}

    /**
     * {@code utils.compute_confidence} for one generated position. vLLM V1 keys a position's
     * logprobs by token id in the order [emitted token, top-1 … top-k], a duplicate only
     * overwriting the first slot ({@code logprobs.py}, {@code append_logprobs_for_next_position});
     * the reference averages those entries with {@code np.mean} and rounds the {@code np.float64}
     * with numpy: {@code round(−mean, 3)}.
     *
     * @param topLogprobs the raw top-k logprobs of the position, descending (vLLM's {@code logprobs=20})
     * @param emitted     the emitted token's raw logprob
     * @param rank        the emitted token's 1-based rank among {@code topLogprobs}, or 0 when it is
     *                    outside them (then the position has k + 1 entries)
     */
    public static double token(double[] topLogprobs, double emitted, int rank) {
        PyNumerics.noNaN("topLogprobs", topLogprobs);
        int k = topLogprobs.length;
        if (k == 0) throw new IllegalArgumentException("topLogprobs is empty");
        if (Double.isNaN(emitted)) throw new IllegalArgumentException("emitted logprob is NaN");
        if (rank < 0 || rank > k) throw new IllegalArgumentException("rank must be in [0, " + k + "], got " + rank);
        double[] entries = new double[rank == 0 ? k + 1 : k];
        entries[0] = emitted;
        for (int j = 0, e = 1; j < k; j++) {
            if (j != rank - 1) entries[e++] = topLogprobs[j];
        }
        return PyNumerics.round3(-PyNumerics.mean(entries));
    }

    /**
     * {@code processors.ConfPerReqLogitsProcessor.compute_conf}: the top-k log-probabilities of
     * the raw distribution, summed and divided by k, negated; not rounded. (The reference takes
     * {@code log(topk(softmax(logits)))} in the logits' dtype; from log-softmax values the two
     * agree to rounding.)
     */
    public static double stopToken(double[] topLogprobs) {
        PyNumerics.noNaN("topLogprobs", topLogprobs);
        if (topLogprobs.length == 0) throw new IllegalArgumentException("topLogprobs is empty");
        double s = 0;
        for (double v : topLogprobs) s += v;
        return -s / topLogprobs.length;
    }

    /**
     * {@code utils.compute_least_grouped(confs, window)}: for a trace of at least {@code window}
     * tokens, every window's {@code sum(window)/window} (Python's sequential sum) rounded as numpy
     * rounds an {@code np.float64}; a shorter trace gives its one unrounded mean; an empty one {@code [0]}.
     * Each window is summed afresh, as the reference does (O(n·window)): a running sum would round
     * differently.
     */
    public static double[] grouped(double[] confs, int window) {
        PyNumerics.noNaN("confs", confs);
        if (window < 1) throw new IllegalArgumentException("window must be at least 1, got " + window);
        int n = confs.length;
        if (n < window) return new double[] {n == 0 ? 0.0 : PyNumerics.sequentialSum(confs, 0, n) / n};
        double[] groups = new double[n - window + 1];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = PyNumerics.round3(PyNumerics.sequentialSum(confs, i, i + window) / window);
        }
        return groups;
    }

    /** {@code min(compute_least_grouped(confs, window))}: {@code process_output}'s {@code min_conf}. */
    public static double minGrouped(double[] confs, int window) {
        double min = Double.POSITIVE_INFINITY;
        for (double g : grouped(confs, window)) min = Math.min(min, g);
        return min;
    }
}
