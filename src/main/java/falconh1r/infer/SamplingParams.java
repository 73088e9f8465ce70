package falconh1r.infer;

import java.util.Arrays;

/**
 * How each next token is chosen, with the semantics of transformers' logits warpers in the order
 * {@code generate} applies them ({@code _get_logits_processor}): temperature, top-k, top-p, min-p,
 * then a draw from the softmax. Defaults are vLLM's (and so DeepConf's and verl's rollouts'): no
 * top-k, no top-p, no min-p, no repetition penalty; note transformers' own GenerationConfig defaults
 * top_k to 50.
 *
 * @param temperature  {@code TemperatureLogitsWarper}: logits / T; 0 means greedy (argmax, lowest id on ties)
 * @param topK         {@code TopKLogitsWarper}: keep the tokens whose logit is at least the k-th largest; 0 = off
 * @param topP         {@code TopPLogitsWarper}: drop the smallest tokens whose cumulative probability is at most 1 − p; 1 = off
 * @param minP         {@code MinPLogitsWarper}: drop tokens whose probability is below min_p · the top probability; 0 = off
 * @param maxNewTokens tokens to generate at most
 * @param stopTokens   ids that end a trace (kept as its last token), e.g. the EOS id
 * @param seed         the seed of the draws; trace i of a batch draws from its own stream split off it
 */
public record SamplingParams(double temperature, int topK, double topP, double minP, int maxNewTokens, int[] stopTokens,
                             long seed) {

    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0 (0: off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        if (maxNewTokens < 0) throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        stopTokens = stopTokens == null ? new int[0] : stopTokens.clone();
    }

    /** Greedy decoding of up to {@code maxNewTokens} tokens. */
    public static SamplingParams greedy(int maxNewTokens, int... stopTokens) {
        return new SamplingParams(0, 0, 1, 0, maxNewTokens, stopTokens, 0);
    }

    /** Plain sampling at temperature {@code t}, no filtering. */
    public static SamplingParams temperature(double t, int maxNewTokens, long seed, int... stopTokens) {
        return new SamplingParams(t, 0, 1, 0, maxNewTokens, stopTokens, seed);
    }

    public boolean greedy() {
        return temperature == 0;
    }

    public boolean isStop(int token) {
        for (int s : stopTokens) if (s == token) return true;
        return false;
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, k, topP, minP, maxNewTokens, stopTokens, seed);
    }

    public SamplingParams withTopP(double p) {
        return new SamplingParams(temperature, topK, p, minP, maxNewTokens, stopTokens, seed);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, minP, maxNewTokens, stopTokens, s);
    }

    public SamplingParams withMinP(double p) {
        return new SamplingParams(temperature, topK, topP, p, maxNewTokens, stopTokens, seed);
    }

    @Override
    public String toString() {
        return "T=" + temperature + " top_k=" + topK + " top_p=" + topP + " min_p=" + minP + " max_new=" + maxNewTokens
                + " stop=" + Arrays.toString(stopTokens) + " seed=" + seed;
    }
}
