package falconh1r.train;

import java.util.Arrays;

/**
 * Token cross-entropy for supervised fine-tuning: the masked, weighted sum of per-token losses, times
 * the normaliser a {@link TokenNormalization} mode gives this rank and micro-batch:
 * <pre>
 *   ℓ_i     = logsumexp(z_i) − z_i[y_i]                  torch.nn.CrossEntropyLoss(reduction="none")
 *   loss    = scale · Σ_i m_i w_i ℓ_i
 *   ∂loss/∂z_i = scale · m_i w_i (softmax(z_i) − onehot(y_i))
 * </pre>
 * verl's {@code FSDPSFTTrainer._compute_loss_and_backward} is this with w = 1 and
 * {@code scale = dp_size / (global valid tokens + 1e-8) / n_micro_batches}. The weight w is the
 * difficulty weight of the sample a token belongs to (pipeline.md §1.5, loss-weight mode), applied
 * before the normalisation; the valid-token count stays unweighted.
 *
 * <p>Rows are already aligned: row i's logits predict label i. For a causal LM that is
 * {@code logits[:, :-1]} against {@code input_ids[:, 1:]} with {@code loss_mask[:, 1:]}.
 * Shapes: logits and dlogits [N, V], labels and mask [N], weights [N] or null (all 1).
 */
public final class CrossEntropy {
    private CrossEntropy() {}

    /**
     * @param loss         the scaled loss this micro-batch contributes
     * @param weightedSum  Σ m w ℓ, before scaling
     * @param lossSum      Σ m ℓ, unweighted and unscaled
     * @param validTokens  Σ m
     */
    public record Result(double loss, double weightedSum, double lossSum, long validTokens) {
        /** Mean unweighted token loss of this micro-batch (0 when it has no valid token). */
        public double tokenMean() {
            return validTokens == 0 ? 0 : lossSum / validTokens;
        }
    }

    /** Forward and backward; {@code dlogits} is overwritten. */
    public static Result compute(float[] logits, int[] labels, boolean[] mask, float[] weights, int rows, int vocab,
                                 double scale, float[] dlogits) {
        if (!Double.isFinite(scale)) throw new IllegalArgumentException("scale must be finite, got " + scale);
        if (weights != null) {
            Checks.length("weights", weights, rows);
            for (int i = 0; i < rows; i++) {
                if (!(weights[i] >= 0) || weights[i] == Float.POSITIVE_INFINITY) {
                    throw new IllegalArgumentException("weights[" + i + "] = " + weights[i] + " is not a finite weight ≥ 0");
                }
            }
        }
        TokenLogprobs t = TokenLogprobs.compute(logits, labels, mask, rows, vocab, false);
        double[] grad = new double[rows];
        double weighted = 0, plain = 0;
        long valid = 0;
        for (int i = 0; i < rows; i++) {
            if (!mask[i]) continue;
            double w = weights == null ? 1 : weights[i];
            weighted -= w * t.logp()[i];
            plain -= t.logp()[i];
            valid++;
            grad[i] = -scale * w;
        }
        t.backward(logits, labels, mask, vocab, grad, null, dlogits);
        return new Result(scale * weighted, weighted, plain, valid);
    }

    /** Per-token weights for samples of equal length: {@code out[s·T + t] = sampleWeights[s]}. */
    public static float[] perToken(float[] sampleWeights, int tokensPerSample) {
        Checks.positive("tokensPerSample", tokensPerSample);
        float[] out = new float[Checks.product("weights", sampleWeights.length, tokensPerSample)];
        for (int s = 0; s < sampleWeights.length; s++) {
            Arrays.fill(out, s * tokensPerSample, (s + 1) * tokensPerSample, sampleWeights[s]);
        }
        return out;
    }
}
