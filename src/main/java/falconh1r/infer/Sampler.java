package falconh1r.infer;

import java.util.SplittableRandom;

/**
 * Draws the next token of one row of logits: greedy (argmax of the raw logits, lowest id on ties,
 * as {@code torch.argmax}) at temperature 0; otherwise the {@link LogitsWarpers} and a draw from the
 * softmax of what they leave, by inverse CDF with the row's own {@link SplittableRandom} (seeded and
 * reproducible; not torch's {@code multinomial} stream, so the same seed does not give torch's
 * tokens, only the same distribution). One instance per vocabulary size; not thread-safe.
 */
public final class Sampler {
    private final int vocab;
    private final LogitsWarpers warpers;
    private final float[] row;

    public Sampler(int vocab) {
        this.vocab = vocab;
        this.warpers = new LogitsWarpers(vocab);
        this.row = new float[vocab];
    }

    /** The chosen token of {@code logits[off, off + vocab)} (left unchanged). */
    public int next(float[] logits, int off, SamplingParams p, SplittableRandom random) {
        if (p.greedy()) return LogitsWarpers.argmax(logits, off, vocab);
        System.arraycopy(logits, off, row, 0, vocab);
        warpers.apply(row, 0, p);
        return draw(row, random.nextDouble());
    }

    /** The processed distribution softmax(warpers(logits)) of one row, as the fixture records it. */
    public double[] distribution(float[] logits, int off, SamplingParams p) {
        System.arraycopy(logits, off, row, 0, vocab);
        warpers.apply(row, 0, p);
        double max = row[LogitsWarpers.argmax(row, 0, vocab)], sum = 0;
        double[] probs = new double[vocab];
        for (int i = 0; i < vocab; i++) sum += probs[i] = Math.exp(row[i] - max);
        for (int i = 0; i < vocab; i++) probs[i] /= sum;
        return probs;
    }

    /** Inverse CDF of softmax(s) at u ∈ [0, 1); only tokens with a finite logit can be drawn. */
    private int draw(float[] s, double u) {
        int top = LogitsWarpers.argmax(s, 0, vocab);
        double max = s[top], sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(s[i] - max);
        double target = u * sum, cumulative = 0;
        int last = top;
        for (int i = 0; i < vocab; i++) {
            if (s[i] == Float.NEGATIVE_INFINITY) continue;
            cumulative += Math.exp(s[i] - max);
            last = i;
            if (cumulative > target) return i;
        }
        return last;                                           // u·sum beyond the rounded total
    }
}
