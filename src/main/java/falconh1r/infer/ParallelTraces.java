package falconh1r.infer;

import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Cache;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * N traces of one prompt, as a test-time-scaling engine runs them: the prompt is prefilled once and
 * its cache copied N times ({@link FalconH1Cache#copy}); then every step decodes the unfinished
 * traces as one batch ({@link FalconH1#decode(FalconH1Cache[], int[])}: each weight read once per
 * step for all of them). Trace i draws with its own random stream, the i-th split of the seed, so a
 * run is reproducible whatever the batch composition. Each token carries its {@link TokenLogprobs}.
 *
 * <p>A trace ends at a stop token (kept), at {@code maxNewTokens}, or when the {@link Listener}
 * returns false for its latest token (DeepConf's online early stop).
 */
public final class ParallelTraces {

    /** Sees every position of every trace as it is generated. */
    @FunctionalInterface
    public interface Listener {
        /**
         * Before trace {@code trace}'s token at {@code step} is drawn, with the raw top-k log-probs of
         * that position: true emits the first stop token (EOS) instead of a draw and ends the trace
         * (DeepConf's online stop forces EOS this way).
         */
        default boolean forceStop(int trace, int step, float[] topLogprobs) {
            return false;
        }

        /** After the token is chosen: false ends the trace after it. */
        boolean onToken(int trace, int step, TokenLogprobs token);
    }

    /** Why a trace ended: a drawn stop token, the length limit, or the listener (forced EOS or false). */
    public enum Finish { STOP_TOKEN, LENGTH, LISTENER }

    /** One generated continuation: its tokens in order and why it ended. */
    public record Trace(List<TokenLogprobs> tokens, Finish finish) {
        public int[] ids() {
            return tokens.stream().mapToInt(TokenLogprobs::token).toArray();
        }
    }

    private final FalconH1 model;
    private final int topLogprobs;

    /** @param topLogprobs top-k raw log-probs captured per token (DeepConf: 20; 0: none) */
    public ParallelTraces(FalconH1 model, int topLogprobs) {
        if (topLogprobs < 0) throw new IllegalArgumentException("top logprobs must be >= 0, got " + topLogprobs);
        this.model = model;
        this.topLogprobs = topLogprobs;
    }

    /** {@code n} traces of {@code prompt}, streamed to {@code listener} (null: none). */
    public Trace[] generate(int[] prompt, int n, SamplingParams p, Listener listener) {
        if (n < 1) throw new IllegalArgumentException("need at least one trace, got " + n);
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty");
        int vocab = model.config().vocabSize();
        FalconH1Cache shared = model.newCache(prompt.length + p.maxNewTokens());
        float[] first = model.prefillLast(shared, prompt, 0, null);
        SplittableRandom root = new SplittableRandom(p.seed());
        SplittableRandom[] random = new SplittableRandom[n];
        FalconH1Cache[] caches = new FalconH1Cache[n];
        List<List<TokenLogprobs>> tokens = new ArrayList<>();
        Finish[] finish = new Finish[n];
        for (int i = 0; i < n; i++) {
            random[i] = root.split();
            caches[i] = i == n - 1 ? shared : shared.copy(prompt.length + p.maxNewTokens());
            tokens.add(new ArrayList<>());
        }
        Sampler sampler = new Sampler(vocab);
        int[] active = new int[n];
        int activeCount = 0;
        for (int i = 0; i < n; i++) active[activeCount++] = i;
        float[] logits = new float[n * vocab];
        for (int i = 0; i < n; i++) System.arraycopy(first, 0, logits, i * vocab, vocab);
        if (p.maxNewTokens() == 0) activeCount = 0;
        for (int step = 0; activeCount > 0; step++) {
            int[] next = new int[activeCount];
            int kept = 0;
            for (int a = 0; a < activeCount; a++) {
                int i = active[a];
                TokenLogprobs.Position position = TokenLogprobs.at(logits, a * vocab, vocab, p.temperature(), topLogprobs);
                boolean forced = listener != null && listener.forceStop(i, step, position.topLogprobs());
                if (forced && p.stopTokens().length == 0) {
                    throw new IllegalStateException("the listener forced a stop but the sampling params have no stop token");
                }
                int token = forced ? p.stopTokens()[0] : sampler.next(logits, a * vocab, p, random[i]);
                TokenLogprobs t = position.token(token);
                tokens.get(i).add(t);
                boolean go = listener == null || listener.onToken(i, step, t);
                if (forced) finish[i] = Finish.LISTENER;
                else if (p.isStop(token)) finish[i] = Finish.STOP_TOKEN;
                else if (tokens.get(i).size() >= p.maxNewTokens()) finish[i] = Finish.LENGTH;
                else if (!go) finish[i] = Finish.LISTENER;
                else {
                    active[kept] = i;
                    next[kept++] = token;
                }
            }
            activeCount = kept;
            if (activeCount == 0) break;
            FalconH1Cache[] batch = new FalconH1Cache[activeCount];
            for (int a = 0; a < activeCount; a++) batch[a] = caches[active[a]];
            logits = model.decode(batch, java.util.Arrays.copyOf(next, activeCount));
        }
        Trace[] out = new Trace[n];
        for (int i = 0; i < n; i++) out[i] = new Trace(List.copyOf(tokens.get(i)), finish[i]);
        return out;
    }
}
