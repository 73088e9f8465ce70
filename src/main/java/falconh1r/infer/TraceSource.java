package falconh1r.infer;

import java.util.List;

/**
 * What generates DeepConf's traces of one prompt: the model's batched sampler, or recorded or
 * synthetic logprob streams in tests. The online algorithm asks for the warm-up traces as one
 * batch, then for the final-phase traces.
 */
public interface TraceSource {
    /**
     * Generates one trace per recorder, as a batch; {@code traces.get(i)} is the run's trace
     * number {@code first + i} (what a sampler seeds it by). For each decoding step of trace i the
     * source
     * <ol>
     *   <li>calls {@link TraceRecorder#observe} with the raw top-k logprobs of the next position,
     *       descending, before sampling;</li>
     *   <li>emits EOS when that returned true, otherwise samples as usual;</li>
     *   <li>calls {@link TraceRecorder#emit} with the emitted token's raw logprob and its rank among
     *       the top k (0 when outside them);</li>
     * </ol>
     * and when the trace ends (EOS, or its length limit) calls {@link TraceRecorder#finish} with
     * the extracted answer. Every recorder must be finished on return.
     */
    void generate(int first, List<TraceRecorder> traces);
}
