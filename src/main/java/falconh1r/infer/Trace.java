package falconh1r.infer;

/**
 * One generated trace as DeepConf's votes see it: the extracted answer ({@code null} when none;
 * only a non-empty answer votes, as the reference's {@code if trace.get('extracted_answer')}) and
 * the per-token confidences {@link Confidence#token} gave it, one per generated token.
 */
public record Trace(String answer, double[] confs) {
    public Trace {
        PyNumerics.noNaN("confs", confs);
    }

    /** Whether the trace votes: its answer is non-null and non-empty. */
    public boolean hasAnswer() {
        return answer != null && !answer.isEmpty();
    }

    /** Generated tokens (the EOS included when one was emitted), what the budget accounts. */
    public int tokens() {
        return confs.length;
    }
}
