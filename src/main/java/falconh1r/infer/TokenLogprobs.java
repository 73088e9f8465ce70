package falconh1r.infer;

/**
 * What a generated token carries for DeepConf and for RL: its id; its log-probability under the
 * model's raw distribution ({@code log_softmax(logits)}, before temperature and filtering: vLLM V1's
 * logprobs, which DeepConf reads); under the sampling temperature without filtering
 * ({@code log_softmax(logits / T)}: what a trainer recomputes, the rollout log-prob of truncated
 * importance sampling); and the top-k of the raw distribution (ids and log-probs, largest first,
 * ties to the lower id).
 */
public record TokenLogprobs(int token, float logprob, float scaledLogprob, int[] topIds, float[] topLogprobs) {

    /**
     * Fills everything but the draw from raw {@code logits[off, off + vocab)} (unchanged).
     *
     * @param k top log-probs to keep (DeepConf: 20)
     */
    public static TokenLogprobs of(float[] logits, int off, int vocab, int token, double temperature, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(logits[off + i] - max);
        double logZ = max + Math.log(sum);
        double scaled = logits[off + token] - logZ;
        if (temperature > 0 && temperature != 1) {
            double t = temperature, sumT = 0;
            for (int i = 0; i < vocab; i++) sumT += Math.exp((logits[off + i] - max) / t);
            scaled = (logits[off + token] - max) / t - Math.log(sumT);
        }
        int n = Math.min(k, vocab);
        int[] ids = new int[n];
        float[] lps = new float[n];
        int filled = 0;
        for (int i = 0; i < vocab && n > 0; i++) {         // insertion into a sorted top-n buffer
            float v = logits[off + i];
            if (filled == n && !(v > logits[off + ids[n - 1]])) continue;
            int pos = filled < n ? filled++ : n - 1;
            while (pos > 0 && v > logits[off + ids[pos - 1]]) {
                ids[pos] = ids[pos - 1];
                pos--;
            }
            ids[pos] = i;
        }
        for (int j = 0; j < n; j++) lps[j] = (float) (logits[off + ids[j]] - logZ);
        return new TokenLogprobs(token, (float) (logits[off + token] - logZ), (float) scaled, ids, lps);
    }
}
