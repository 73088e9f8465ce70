package falconh1r.train;

import java.util.Arrays;

/**
 * What every loss here sees of the model: per token, the log-probability of its label and the
 * entropy of its next-token distribution, and the way back from their gradients to the logits.
 * For row i with logits z [V], label y and p = softmax(z):
 * <pre>
 *   logp[i] = z[y] − logsumexp(z)            torch.log_softmax(z).gather(y); verl logprobs_from_logits
 *   H[i]    = logsumexp(z) − Σ_v p_v z_v      verl entropy_from_logits
 * </pre>
 * and, given {@code g = ∂L/∂logp[i]} and {@code h = ∂L/∂H[i]} (∂H/∂z_v = −p_v (log p_v + H)):
 * <pre>
 *   ∂L/∂z_v = g (δ_{v,y} − p_v) − h p_v (log p_v + H)
 * </pre>
 * Computed in double, one row at a time. Rows whose mask is false are skipped: their log-prob,
 * entropy and gradient are 0, and their label may be anything (padding). A logit of −∞ is an
 * excluded token (p = 0, no contribution); NaN or +∞ in a valid row, or a row of only −∞, is refused.
 * Shapes: logits [rows, V] row-major, labels and mask [rows].
 *
 * @param logsumexp [rows]
 * @param logp      [rows]
 * @param entropy   [rows], or null when not asked for
 */
public record TokenLogprobs(double[] logsumexp, double[] logp, double[] entropy) {

    /** Forward over all rows; {@code withEntropy} also fills {@link #entropy}. */
    public static TokenLogprobs compute(float[] logits, int[] labels, boolean[] mask, int rows, int vocab, boolean withEntropy) {
        Checks.positive("rows", rows);
        Checks.positive("vocab", vocab);
        Checks.length("logits", logits, (long) rows * vocab);
        Checks.length("labels", labels, rows);
        Checks.length("mask", mask, rows);
        Checks.labels(labels, mask, vocab);
        double[] lse = new double[rows];
        double[] logp = new double[rows];
        double[] entropy = withEntropy ? new double[rows] : null;
        for (int r = 0; r < rows; r++) {
            if (!mask[r]) continue;
            int off = r * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) max = Math.max(max, logits[off + v]);   // Math.max propagates NaN
            if (Double.isNaN(max) || max == Double.POSITIVE_INFINITY || max == Double.NEGATIVE_INFINITY) {
                throw new IllegalArgumentException("logits row " + r + " is not a distribution (NaN, +Inf or all −Inf; max " + max + ")");
            }
            double sum = 0, shiftedDot = 0;
            for (int v = 0; v < vocab; v++) {
                double d = logits[off + v] - max;
                double e = Math.exp(d);
                sum += e;
                if (e != 0) shiftedDot += e * d;
            }
            double logSum = Math.log(sum);
            lse[r] = max + logSum;
            logp[r] = logits[off + labels[r]] - lse[r];
            if (withEntropy) entropy[r] = logSum - shiftedDot / sum;   // Σ p z = max + Σ p (z − max)
        }
        return new TokenLogprobs(lse, logp, entropy);
    }

    /**
     * Writes {@code dlogits} [rows, V]: the formula above for valid rows, zeros for the others.
     * {@code gradEntropy} may be null (no entropy term); then {@link #entropy} is not needed.
     */
    public void backward(float[] logits, int[] labels, boolean[] mask, int vocab, double[] gradLogp, double[] gradEntropy,
                         float[] dlogits) {
        int rows = logp.length;
        Checks.length("dlogits", dlogits, (long) rows * vocab);
        Checks.length("gradLogp", gradLogp, rows);
        if (gradEntropy != null) {
            if (entropy == null) throw new IllegalArgumentException("gradEntropy given but the entropy was not computed");
            Checks.length("gradEntropy", gradEntropy, rows);
        }
        for (int r = 0; r < rows; r++) {
            int off = r * vocab;
            if (!mask[r]) {
                Arrays.fill(dlogits, off, off + vocab, 0f);
                continue;
            }
            double g = gradLogp[r];
            double h = gradEntropy == null ? 0 : gradEntropy[r];
            double lse = logsumexp[r];
            double entropyRow = h == 0 ? 0 : entropy[r];
            int label = labels[r];
            for (int v = 0; v < vocab; v++) {
                double logProb = logits[off + v] - lse;
                double p = Math.exp(logProb);
                double d = v == label ? g : 0;
                if (p != 0) d -= g * p + h * p * (logProb + entropyRow);
                dlogits[off + v] = (float) d;
            }
        }
    }
}
