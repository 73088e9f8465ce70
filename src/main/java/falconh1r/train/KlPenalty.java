package falconh1r.train;

/**
 * The k3 estimator of KL(π_θ ‖ π_ref) per token (Schulman, "Approximating KL divergence"), with
 * its derivative in logp = log π_θ:
 * <pre>
 *   k = ref − logp,   k3 = exp(k) − k − 1,   ∂k3/∂logp = 1 − exp(k)
 * </pre>
 * verl's {@code kl_penalty(..., "low_var_kl")} clamps k to ±20 and k3 to [−10, 10] (no gradient
 * past either clamp); TRL's {@code _compute_loss} does not clamp.
 */
final class KlPenalty {
    private KlPenalty() {}

    static double k3(double logp, double ref, boolean verlClamps) {
        double k = ref - logp;
        if (!verlClamps) return Math.exp(k) - k - 1;
        k = Math.max(-20, Math.min(20, k));
        return Math.max(-10, Math.min(10, Math.exp(k) - k - 1));
    }

    static double k3Grad(double logp, double ref, boolean verlClamps) {
        double k = ref - logp;
        if (!verlClamps) return 1 - Math.exp(k);
        if (k < -20 || k > 20) return 0;
        double value = Math.exp(k) - k - 1;
        return value < -10 || value > 10 ? 0 : 1 - Math.exp(k);
    }
}
