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

    /** One position's distribution before its token is drawn: normalisers and the raw top-k. */
    public static final class Position {
        private final float[] logits;
        private final int off;
        private final double max, logZ, logZScaled, temperature;
        private final int[] topIds;
        private final float[] topLogprobs;

        private Position(float[] logits, int off, int vocab, double temperature, int k) {
            this.logits = logits;
            this.off = off;
            this.temperature = temperature > 0 ? temperature : 1;
            double m = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) m = Math.max(m, logits[off + i]);
            double sum = 0, sumScaled = 0;
            for (int i = 0; i < vocab; i++) {
                sum += Math.exp(logits[off + i] - m);
                if (this.temperature != 1) sumScaled += Math.exp((logits[off + i] - m) / this.temperature);
            }
            this.max = m;
            this.logZ = m + Math.log(sum);
            this.logZScaled = this.temperature != 1 ? Math.log(sumScaled) : Double.NaN;
            int n = Math.min(k, vocab), filled = 0;
            topIds = new int[n];
            for (int i = 0; i < vocab && n > 0; i++) {         // insertion into a sorted top-n buffer
                float v = logits[off + i];
                if (filled == n && !(v > logits[off + topIds[n - 1]])) continue;
                int pos = filled < n ? filled++ : n - 1;
                while (pos > 0 && v > logits[off + topIds[pos - 1]]) {
                    topIds[pos] = topIds[pos - 1];
                    pos--;
                }
                topIds[pos] = i;
            }
            topLogprobs = new float[n];
            for (int j = 0; j < n; j++) topLogprobs[j] = (float) (logits[off + topIds[j]] - logZ);
        }

        /** The raw top-k log-probs, largest first (what DeepConf's stop rule reads before the draw). */
        public float[] topLogprobs() {
            return topLogprobs;
        }

        /** The record for {@code token} drawn at this position. */
        public TokenLogprobs token(int token) {
            double raw = logits[off + token] - logZ;
            double scaled = temperature != 1 ? (logits[off + token] - max) / temperature - logZScaled : raw;
            return new TokenLogprobs(token, (float) raw, (float) scaled, topIds, topLogprobs);
        }
    }

    /**
     * The position {@code logits[off, off + vocab)} (read, not changed; held until its token is recorded).
     *
     * @param temperature the sampling temperature (0, greedy, scales nothing)
     * @param k           top log-probs to keep (DeepConf: 20)
     */
    public static Position at(float[] logits, int off, int vocab, double temperature, int k) {
        return new Position(logits, off, vocab, temperature, k);
    }

    /** {@link #at} and {@link Position#token} in one. */
    public static TokenLogprobs of(float[] logits, int off, int vocab, int token, double temperature, int k) {
        return at(logits, off, vocab, temperature, k).token(token);
    }
}
