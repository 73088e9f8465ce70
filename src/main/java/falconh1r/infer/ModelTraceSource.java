package falconh1r.infer;

import falconh1r.model.FalconH1;
import java.util.List;
import java.util.function.Function;

/**
 * DeepConf's traces from the model: each {@link #generate} call is one {@link ParallelTraces} batch
 * of the prompt (one shared prefill, batched decode). Before every draw the trace's
 * {@link TraceRecorder} observes the raw top-k log-probs and may force EOS (the first stop token of
 * the sampling params); the emitted token's raw log-prob and rank follow; at the end the trace's
 * token ids go through {@code answerOf} (decode and extract). The batch that starts at trace number
 * {@code first} is seeded {@code seed + first}, so a whole run is reproducible from its seed.
 */
public final class ModelTraceSource implements TraceSource {
    private final ParallelTraces engine;
    private final int[] prompt;
    private final SamplingParams params;
    private final Function<int[], String> answerOf;
    private final int topK;

    /**
     * @param params   sampling (DeepConf: T 0.6, top-p 0.95), with the EOS id as first stop token
     * @param topK     log-probs per position the recorders read (20)
     * @param answerOf the answer of a trace's generated ids, or null when none is found
     */
    public ModelTraceSource(FalconH1 model, int[] prompt, SamplingParams params, int topK, Function<int[], String> answerOf) {
        if (params.stopTokens().length == 0) throw new IllegalArgumentException("DeepConf needs an EOS id to force");
        this.engine = new ParallelTraces(model, topK);
        this.prompt = prompt.clone();
        this.params = params;
        this.answerOf = answerOf;
        this.topK = topK;
    }

    @Override
    public void generate(int first, List<TraceRecorder> traces) {
        int n = traces.size();
        ParallelTraces.Trace[] batch = engine.generate(prompt, n, params.withSeed(params.seed() + first), new ParallelTraces.Listener() {
            private final double[] top = new double[topK];

            @Override
            public boolean forceStop(int trace, int step, float[] topLogprobs) {
                for (int j = 0; j < topK; j++) top[j] = topLogprobs[j];
                return traces.get(trace).observe(top);
            }

            @Override
            public boolean onToken(int trace, int step, TokenLogprobs token) {
                int rank = 0;
                for (int j = 0; j < token.topIds().length; j++) {
                    if (token.topIds()[j] == token.token()) {
                        rank = j + 1;
                        break;
                    }
                }
                traces.get(trace).emit(token.logprob(), rank);
                return true;
            }
        });
        for (int i = 0; i < n; i++) traces.get(i).finish(answerOf.apply(batch[i].ids()));
    }
}
