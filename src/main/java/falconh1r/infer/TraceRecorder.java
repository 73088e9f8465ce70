package falconh1r.infer;

import java.util.Arrays;

/**
 * One trace's state while a {@link TraceSource} generates it: at every decoding step the source
 * {@link #observe observes} the raw top-k logprobs before sampling (which, in DeepConf's final
 * phase, may demand EOS), then {@link #emit emits} the token, and at the end {@link #finish
 * finishes} the trace with its extracted answer. Each emitted token's confidence is
 * {@link Confidence#token}, as {@code utils.process_output} computes it after generation.
 */
public final class TraceRecorder {
    private final int topK;
    private final EarlyStop stop;
    private final double[] top;
    private double[] confs = new double[64];
    private int tokens;
    private boolean observed;
    private boolean forced;
    private boolean finished;
    private String answer;

    /**
     * @param topK the number of top logprobs per step (the reference's 20)
     * @param stop the early stop of a final-phase trace, or {@code null} (warm-up, offline)
     */
    public TraceRecorder(int topK, EarlyStop stop) {
        if (topK < 1) throw new IllegalArgumentException("topK must be at least 1, got " + topK);
        this.topK = topK;
        this.stop = stop;
        this.top = new double[topK];
    }

    /**
     * Step 1: the raw (before temperature and top-p) top-k logprobs of the next position,
     * descending, {@code topK} of them (copied: the caller may reuse the array). Returns true when
     * the trace must emit EOS at this step instead of sampling (the early stop fired).
     */
    public boolean observe(double[] topLogprobs) {
        if (finished || forced) throw new IllegalStateException(finished ? "the trace is finished" : "the trace was stopped: emit EOS and finish");
        if (observed) throw new IllegalStateException("observe called twice without emit");
        if (topLogprobs == null || topLogprobs.length != topK) {
            throw new IllegalArgumentException("topLogprobs must hold " + topK + " values, got "
                    + (topLogprobs == null ? "null" : topLogprobs.length));
        }
        PyNumerics.noNaN("topLogprobs", topLogprobs);
        System.arraycopy(topLogprobs, 0, top, 0, topK);
        observed = true;
        forced = stop != null && stop.push(Confidence.stopToken(top));
        return forced;
    }

    /**
     * Step 2: the emitted token's raw logprob and its 1-based rank among the observed top-k (0
     * when outside them); for a forced stop, those of EOS.
     */
    public void emit(double logprob, int rank) {
        if (!observed) throw new IllegalStateException("emit without observe");
        observed = false;
        if (tokens == confs.length) confs = Arrays.copyOf(confs, 2 * tokens);
        confs[tokens++] = Confidence.token(top, logprob, rank);
    }

    /** Ends the trace (EOS emitted, or the length limit reached) with its extracted answer, {@code null} when none. */
    public void finish(String answer) {
        if (finished) throw new IllegalStateException("the trace is already finished");
        if (observed) throw new IllegalStateException("finish after observe without emit");
        this.answer = answer;
        finished = true;
    }

    public boolean isFinished() {
        return finished;
    }

    /** Whether the early stop forced this trace's last token to be EOS. */
    public boolean forcedEos() {
        return forced;
    }

    /** Tokens emitted so far. */
    public int tokens() {
        return tokens;
    }

    /** The finished trace. */
    public Trace trace() {
        if (!finished) throw new IllegalStateException("the trace is not finished");
        return new Trace(answer, Arrays.copyOf(confs, tokens));
    }
}
