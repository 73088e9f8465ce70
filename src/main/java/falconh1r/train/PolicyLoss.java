package falconh1r.train;

/**
 * The per-token clipped surrogate of GRPO (pipeline.md §3.3), as verl's
 * {@code core_algos.compute_policy_loss_vanilla} and TRL's {@code GRPOTrainer._compute_loss} write it,
 * with its derivative in the current log-prob. For a valid token with advantage A:
 * <pre>
 *   Δ  = logp − old              clamped to ±logRatioLimit (verl 20; TRL none)
 *   ρ  = exp(Δ)
 *   l1 = −A ρ,   l2 = −A clip(ρ, 1 − ε_low, 1 + ε_high),   l = max(l1, l2)
 *   A &lt; 0:  l = min(l, −A c)          verl's dual clip, c = clip_ratio_c (TRL has none)
 *   l ← l · min(exp(old − rollout), C)  truncated importance sampling, after clipping, a constant
 * </pre>
 * ∂l/∂logp is {@code −A ρ} times the TIS weight where the unclipped l1 is the one selected, and 0
 * where a clip binds or Δ lies beyond the clamp (torch's gradients of clamp, max and min). A token
 * with ρ inside the clip range has l1 = l2, and torch's half-and-half split of that tie adds up
 * to the same −A ρ.
 * Shapes: logp, old, rollout, loss and grad [B·T]; advantages [B]; mask [B·T].
 */
public final class PolicyLoss {
    private PolicyLoss() {}

    /**
     * @param epsilonLow    ε_low ({@code clip_ratio_low}, TRL {@code epsilon})
     * @param epsilonHigh   ε_high ({@code clip_ratio_high}, TRL {@code epsilon_high})
     * @param dualClip      c, applied where A &lt; 0; +∞ for none
     * @param logRatioLimit the clamp of Δ; +∞ for none
     * @param tisCap        C; +∞ for no truncated importance sampling
     */
    public record Clip(double epsilonLow, double epsilonHigh, double dualClip, double logRatioLimit, double tisCap) {
        public Clip {
            if (!(epsilonLow >= 0 && epsilonLow < 1)) throw new IllegalArgumentException("epsilonLow must be in [0, 1), got " + epsilonLow);
            if (!(epsilonHigh >= 0) || Double.isInfinite(epsilonHigh)) throw new IllegalArgumentException("epsilonHigh must be finite and ≥ 0, got " + epsilonHigh);
            if (!(dualClip > 1)) throw new IllegalArgumentException("dualClip (clip_ratio_c) must be > 1, got " + dualClip);
            if (!(logRatioLimit > 0)) throw new IllegalArgumentException("logRatioLimit must be > 0, got " + logRatioLimit);
            if (!(tisCap > 0)) throw new IllegalArgumentException("tisCap must be > 0, got " + tisCap);
        }
    }

    /**
     * Counts over the valid tokens, for the metrics.
     *
     * @param clipped      l2 &gt; l1 (verl {@code pg_clipfrac})
     * @param dualClipped  A &lt; 0 and the dual clip binds (verl {@code pg_clipfrac_lower})
     * @param lowClipped   ρ &lt; 1 − ε_low and A &lt; 0 (TRL {@code clip_ratio/low_mean})
     * @param highClipped  ρ &gt; 1 + ε_high and A &gt; 0 (TRL {@code clip_ratio/high_mean})
     * @param ratioSum     Σ ρ
     * @param negLogRatioSum Σ −Δ (verl {@code ppo_kl})
     */
    public record Stats(long validTokens, long clipped, long dualClipped, long lowClipped, long highClipped, double ratioSum,
                        double negLogRatioSum) {}

    /**
     * Writes the per-token loss and ∂loss/∂logp (0 on masked tokens). {@code old} null means
     * on-policy (old = logp, ρ = 1); {@code rollout} may be null only when {@code tisCap} is +∞.
     */
    public static Stats compute(Clip clip, double[] logp, float[] old, float[] rollout, float[] advantages, boolean[] mask,
                                int rows, int length, double[] loss, double[] grad) {
        int n = Checks.product("tokens", rows, length);
        Checks.length("advantages", advantages, rows);
        Checks.noNaN("advantages", advantages, null);
        Checks.length("mask", mask, n);
        Checks.length("logp", logp, n);
        Checks.length("loss", loss, n);
        Checks.length("grad", grad, n);
        boolean tis = clip.tisCap() != Double.POSITIVE_INFINITY;
        if (old != null) {
            Checks.length("oldLogprobs", old, n);
            Checks.noNaN("oldLogprobs", old, mask);
        }
        if (tis) {
            if (rollout == null) {
                throw new IllegalArgumentException("rolloutLogprobs are needed for truncated importance sampling (tisCap "
                        + clip.tisCap() + "); set tisCap to +Infinity to train without it");
            }
            Checks.length("rolloutLogprobs", rollout, n);
            Checks.noNaN("rolloutLogprobs", rollout, mask);
        }
        double lo = 1 - clip.epsilonLow(), hi = 1 + clip.epsilonHigh(), limit = clip.logRatioLimit();
        long valid = 0, clipped = 0, dual = 0, low = 0, high = 0;
        double ratioSum = 0, negLogRatioSum = 0;
        for (int i = 0; i < n; i++) {
            loss[i] = 0;
            grad[i] = 0;
            if (!mask[i]) continue;
            double a = advantages[i / length];
            double oldLogp = old == null ? logp[i] : old[i];
            double delta = logp[i] - oldLogp;
            boolean clamped = delta < -limit || delta > limit;
            delta = Math.max(-limit, Math.min(limit, delta));
            double ratio = Math.exp(delta);
            double l1 = -a * ratio;
            double l2 = -a * Math.max(lo, Math.min(hi, ratio));
            boolean unclipped = (ratio >= lo && ratio <= hi) || l1 > l2;
            double l = Math.max(l1, l2);
            double dl = unclipped && !clamped ? -a * ratio : 0;
            if (a < 0 && l > -a * clip.dualClip()) {
                l = -a * clip.dualClip();
                dl = 0;
                dual++;
            }
            double weight = tis ? Math.min(Math.exp(oldLogp - rollout[i]), clip.tisCap()) : 1;
            loss[i] = l * weight;
            grad[i] = dl * weight;
            valid++;
            if (l2 > l1) clipped++;
            if (ratio < lo && a < 0) low++;
            if (ratio > hi && a > 0) high++;
            ratioSum += ratio;
            negLogRatioSum -= delta;
        }
        return new Stats(valid, clipped, dual, low, high, ratioSum, negLogRatioSum);
    }
}
