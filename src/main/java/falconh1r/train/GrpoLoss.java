package falconh1r.train;

/**
 * The GRPO objective of one micro-batch, from logits to (loss, dlogits, metrics), pipeline.md
 * §3.3–§3.5. Per valid token (b, t), with logp and entropy H from the logits ({@link TokenLogprobs}):
 * <pre>
 *   loss = Σ c·(l_pg + β·k3)  −  γ·Σ c_H·H  +  μ·NLL⁺ / gradAccum
 * </pre>
 * <ul>
 *   <li>l_pg: the clipped surrogate with dual clip and truncated importance sampling ({@link PolicyLoss});
 *   <li>k3: the KL estimator against the reference policy ({@link KlPenalty}), weighted like l_pg
 *       but not by TIS, as verl's {@code kl_loss} and TRL's {@code per_token_loss + beta * per_token_kl};
 *   <li>c: the token weights of the aggregation mode ({@link LossAggregation}); c_H = c for verl
 *       ({@code agg_loss(entropy)}), and TRL's token mean {@code Σ H m / max(Σ m, 1) / gradAccum};
 *   <li>NLL⁺ (§3.5, our own definition; no reference has it): the token mean of −logp over the
 *       valid tokens of the positive responses of this micro-batch (reward &gt; 0 or advantage &gt; 0,
 *       {@link Positive}), 0 when there is none; as a micro-batch mean it is divided by the
 *       gradient-accumulation count like everything else.
 * </ul>
 * verl composes this in {@code dp_actor.update_policy} (0.6.0) and {@code workers/utils/losses.py::ppo_loss}
 * (0.9): {@code pg_loss − entropy_coeff · entropy_loss + kl_loss_coef · kl_loss}. With Falcon-H1R's
 * β = γ = μ = 0 the loss is the aggregated surrogate alone, and the model sees only
 * {@code ∂loss/∂logits} through log_softmax (and through the whole distribution for H).
 */
public final class GrpoLoss {
    private GrpoLoss() {}

    /** Which responses feed the NLL term. */
    public enum Positive {
        /** Reward &gt; 0: the correct answers of binary rewards, including all-correct groups (A = 0). */
        REWARD,
        /** Advantage &gt; 0: better than the group mean. */
        ADVANTAGE
    }

    /**
     * @param reference   the implementation reproduced
     * @param aggregation verl {@code loss_agg_mode} or TRL {@code loss_type}, matching the reference
     * @param epsilonLow  ε_low ({@code clip_ratio_low}; TRL {@code epsilon})
     * @param epsilonHigh ε_high ({@code clip_ratio_high}; TRL {@code epsilon_high})
     * @param dualClip    verl's {@code clip_ratio_c} (&gt; 1; TRL has no dual clip and ignores it)
     * @param tisCap      truncated-IS cap C (verl 0.6.0 {@code tis_imp_ratio_cap}, 0.9 {@code rollout_is_threshold};
     *                    TRL {@code vllm_importance_sampling_clip_max} with {@code token_truncate});
     *                    +∞ disables TIS
     * @param beta        KL coefficient ({@code kl_loss_coef}; TRL {@code beta})
     * @param gamma       entropy coefficient ({@code entropy_coeff}; TRL {@code entropy_coef})
     * @param mu          positive-sample NLL coefficient (VAPO uses 0.1)
     * @param positive    which responses the NLL term uses
     */
    public record Config(Reference reference, LossAggregation.Mode aggregation, double epsilonLow, double epsilonHigh,
                         double dualClip, double tisCap, double beta, double gamma, double mu, Positive positive) {

        /** Falcon-H1R's RL settings (report Table 2) on verl 0.6.0 with its default token-mean. */
        public static final Config FALCON_H1R = new Config(Reference.VERL_0_6_0, LossAggregation.Mode.TOKEN_MEAN,
                0.2, 0.28, 3.0, 2.0, 0, 0, 0, Positive.REWARD);

        public Config {
            LossAggregation.checkPair(reference, aggregation);
            if (positive == null) throw new IllegalArgumentException("positive is null");
            finite("beta", beta);
            finite("gamma", gamma);
            finite("mu", mu);
            clip(reference, epsilonLow, epsilonHigh, dualClip, tisCap);   // validates the clip parameters
        }

        private static void finite(String name, double v) {
            if (!Double.isFinite(v)) throw new IllegalArgumentException(name + " must be finite, got " + v);
        }

        PolicyLoss.Clip clip() {
            return clip(reference, epsilonLow, epsilonHigh, dualClip, tisCap);
        }

        private static PolicyLoss.Clip clip(Reference reference, double epsLow, double epsHigh, double dualClip, double tisCap) {
            boolean verl = reference.isVerl();
            return new PolicyLoss.Clip(epsLow, epsHigh, verl ? dualClip : Double.POSITIVE_INFINITY,
                    verl ? 20 : Double.POSITIVE_INFINITY, tisCap);
        }

        /** Reference and aggregation together, since each reference has its own modes. */
        public Config withAggregation(Reference r, LossAggregation.Mode m) {
            return new Config(r, m, epsilonLow, epsilonHigh, dualClip, tisCap, beta, gamma, mu, positive);
        }

        public Config withClip(double low, double high) {
            return new Config(reference, aggregation, low, high, dualClip, tisCap, beta, gamma, mu, positive);
        }

        public Config withDualClip(double c) {
            return new Config(reference, aggregation, epsilonLow, epsilonHigh, c, tisCap, beta, gamma, mu, positive);
        }

        public Config withTisCap(double cap) {
            return new Config(reference, aggregation, epsilonLow, epsilonHigh, dualClip, cap, beta, gamma, mu, positive);
        }

        public Config withKl(double b) {
            return new Config(reference, aggregation, epsilonLow, epsilonHigh, dualClip, tisCap, b, gamma, mu, positive);
        }

        public Config withEntropy(double g) {
            return new Config(reference, aggregation, epsilonLow, epsilonHigh, dualClip, tisCap, beta, g, mu, positive);
        }

        public Config withNll(double m, Positive p) {
            return new Config(reference, aggregation, epsilonLow, epsilonHigh, dualClip, tisCap, beta, gamma, m, p);
        }
    }

    /**
     * One micro-batch of B responses of T tokens (right-padded to T).
     *
     * @param logits          [B·T, V], row b·T + t scores token t of response b
     * @param labels          [B·T] the sampled tokens
     * @param mask            [B·T] response mask
     * @param advantages      [B] ({@link GroupAdvantage})
     * @param oldLogprobs     [B·T] π_old of the training engine; null: on-policy (ρ = 1)
     * @param rolloutLogprobs [B·T] π of the inference engine, for TIS; null only with tisCap +∞
     * @param refLogprobs     [B·T] π_ref; needed when β ≠ 0
     * @param rewards         [B]; needed when μ ≠ 0 with {@link Positive#REWARD}
     * @param normalizers     the batch counts of the aggregation
     */
    public record Batch(float[] logits, int[] labels, boolean[] mask, int rows, int length, int vocab, float[] advantages,
                        float[] oldLogprobs, float[] rolloutLogprobs, float[] refLogprobs, float[] rewards,
                        LossAggregation.Normalizers normalizers) {}

    /**
     * Means over the valid tokens of the micro-batch (0 when it has none).
     *
     * @param pgLoss          the aggregated surrogate term Σ c·l_pg (with the gradAccum division)
     * @param pgClipfrac      verl {@code pg_clipfrac}: l2 &gt; l1
     * @param pgClipfracLower verl {@code pg_clipfrac_lower}: the dual clip binds
     * @param ppoKl           verl {@code ppo_kl}: mean of −Δ (clamped log-ratio)
     * @param clipLow         TRL {@code clip_ratio/low_mean}: ρ &lt; 1 − ε_low with A &lt; 0
     * @param clipHigh        TRL {@code clip_ratio/high_mean}: ρ &gt; 1 + ε_high with A &gt; 0
     * @param meanRatio       mean ρ
     * @param entropy         mean H (verl {@code actor/entropy} under token-mean; TRL {@code entropy})
     * @param kl              mean k3, NaN without reference log-probs
     * @param nll             NLL⁺, NaN when μ = 0
     */
    public record Metrics(double pgLoss, double pgClipfrac, double pgClipfracLower, double ppoKl, double clipLow,
                          double clipHigh, double meanRatio, double entropy, double kl, double nll, long validTokens) {
        /** TRL {@code clip_ratio/region_mean}. */
        public double clipRegion() {
            return clipLow + clipHigh;
        }
    }

    public record Result(double loss, Metrics metrics) {}

    /** Forward and backward; {@code dlogits} [B·T, V] is overwritten. */
    public static Result compute(Config config, Batch batch, float[] dlogits) {
        int rows = batch.rows(), length = batch.length();
        Checks.positive("rows", rows);
        Checks.positive("length", length);
        int n = Checks.product("tokens", rows, length);
        Checks.positive("vocab", batch.vocab());
        Checks.length("dlogits", dlogits, (long) n * batch.vocab());
        boolean[] mask = batch.mask();
        boolean verl = config.reference().isVerl();
        if (config.beta() != 0 && batch.refLogprobs() == null) {
            throw new IllegalArgumentException("refLogprobs are needed for the KL term (beta " + config.beta() + ")");
        }
        if (batch.refLogprobs() != null) {
            Checks.length("refLogprobs", batch.refLogprobs(), n);
            Checks.noNaN("refLogprobs", batch.refLogprobs(), mask);
        }
        boolean[] positive = config.mu() != 0 ? positives(config.positive(), batch) : null;
        if (batch.normalizers() == null) throw new IllegalArgumentException("normalizers is null");

        TokenLogprobs t = TokenLogprobs.compute(batch.logits(), batch.labels(), mask, n, batch.vocab(), true);
        double[] pg = new double[n];
        double[] gradPg = new double[n];
        PolicyLoss.Stats stats = PolicyLoss.compute(config.clip(), t.logp(), batch.oldLogprobs(), batch.rolloutLogprobs(),
                batch.advantages(), mask, rows, length, pg, gradPg);
        LossAggregation.Normalizers norm = batch.normalizers();
        double[] c = LossAggregation.weights(config.reference(), config.aggregation(), mask, rows, length, norm);
        double[] cEntropy = verl ? c : LossAggregation.weights(Reference.TRL, LossAggregation.Mode.BNPO, mask, rows, length, norm);
        long positiveTokens = 0;
        if (positive != null) {
            for (int i = 0; i < n; i++) if (mask[i] && positive[i / length]) positiveTokens++;
        }
        double nllWeight = 1.0 / Math.max(positiveTokens, 1) / norm.gradAccum();

        double[] gradLogp = new double[n];
        double[] gradEntropy = config.gamma() != 0 ? new double[n] : null;
        double pgLoss = 0, klLoss = 0, entropyLoss = 0, nll = 0, entropySum = 0, klSum = 0;
        for (int i = 0; i < n; i++) {
            if (!mask[i]) continue;
            double logp = t.logp()[i];
            pgLoss += c[i] * pg[i];
            double g = c[i] * gradPg[i];
            entropySum += t.entropy()[i];
            if (batch.refLogprobs() != null) {
                double k = KlPenalty.k3(logp, batch.refLogprobs()[i], verl);
                klSum += k;
                klLoss += c[i] * k;
                g += config.beta() * c[i] * KlPenalty.k3Grad(logp, batch.refLogprobs()[i], verl);
            }
            if (gradEntropy != null) {
                entropyLoss += cEntropy[i] * t.entropy()[i];
                gradEntropy[i] = -config.gamma() * cEntropy[i];
            }
            if (positive != null && positive[i / length]) {
                nll -= logp;
                g -= config.mu() * nllWeight;
            }
            gradLogp[i] = g;
        }
        nll /= Math.max(positiveTokens, 1);
        double loss = pgLoss + config.beta() * klLoss - config.gamma() * entropyLoss + config.mu() * nll / norm.gradAccum();
        t.backward(batch.logits(), batch.labels(), mask, batch.vocab(), gradLogp, gradEntropy, dlogits);

        long valid = stats.validTokens();
        double per = valid == 0 ? 0 : 1.0 / valid;
        Metrics metrics = new Metrics(pgLoss, stats.clipped() * per, stats.dualClipped() * per, stats.negLogRatioSum() * per,
                stats.lowClipped() * per, stats.highClipped() * per, stats.ratioSum() * per, entropySum * per,
                batch.refLogprobs() == null ? Double.NaN : klSum * per, positive == null ? Double.NaN : nll, valid);
        return new Result(loss, metrics);
    }

    private static boolean[] positives(Positive which, Batch batch) {
        float[] values = which == Positive.REWARD ? batch.rewards() : batch.advantages();
        Checks.length(which == Positive.REWARD ? "rewards" : "advantages", values, batch.rows());
        Checks.noNaN(which == Positive.REWARD ? "rewards" : "advantages", values, null);
        boolean[] positive = new boolean[values.length];
        for (int b = 0; b < values.length; b++) positive[b] = values[b] > 0;
        return positive;
    }
}
