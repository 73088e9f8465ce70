package falconh1r.train;

/**
 * How the SFT loss of one rank's micro-batch is normalised under data parallelism with gradient
 * accumulation (pipeline.md §1.7): the factor {@code scale[r][k]} that multiplies the masked loss
 * sum {@code S[r][k] = Σ ℓ m} of rank r's micro-batch k (what {@link CrossEntropy} takes as
 * {@code scale}). R ranks each run M micro-batches; {@code n[r][k]} are their valid-token counts.
 * The gradient all-reduce averages over ranks and accumulates over micro-batches, so the step
 * optimises {@code (1/R) Σ_r Σ_k scale[r][k] · S[r][k]}.
 *
 * <ul>
 *   <li>{@link Mode#VERL_PER_MICRO_STEP}: verl's {@code balance_dp_token} ({@code fsdp_sft_trainer},
 *       PR #3332), {@code scale = R / (Σ_r' n[r'][k] + 1e-8) / M}: tokens weigh the same across
 *       ranks within a micro-step; each micro-step weighs 1/M.
 *   <li>{@link Mode#GLOBAL_BATCH}: the paper's formula and verl 0.9's {@code sft_loss}
 *       ({@code / batch_num_tokens * dp_size}), {@code scale = R / Σ_r' Σ_k' n[r'][k']}: the
 *       global token mean, whatever the split.
 *   <li>{@link Mode#PER_RANK_MEAN}: verl without {@code balance_dp_token},
 *       {@code scale = 1 / (n[r][k] + 1e-8) / M}: each rank's own token mean, so a rank holding a
 *       short sample weighs as much as one holding a long trace.
 * </ul>
 * With Ulysses sequence parallelism the ranks of an SP group hold the same tokens; R is then the
 * number of ranks whose counts the all-reduce sums (world size, PR #3691).
 */
public final class TokenNormalization {
    private TokenNormalization() {}

    public enum Mode { VERL_PER_MICRO_STEP, GLOBAL_BATCH, PER_RANK_MEAN }

    /** verl's {@code + 1e-8} in the per-micro-step denominators. */
    static final double EPS = 1e-8;

    /** {@code scale[r][k]} for valid-token counts {@code validTokens[r][k]} [R][M]. */
    public static double[][] scales(Mode mode, long[][] validTokens) {
        int ranks = validTokens.length;
        Checks.positive("ranks (validTokens.length)", ranks);
        int micro = validTokens[0].length;
        Checks.positive("micro-batches (validTokens[0].length)", micro);
        long total = 0;
        for (int r = 0; r < ranks; r++) {
            if (validTokens[r].length != micro) {
                throw new IllegalArgumentException("validTokens[" + r + "] has " + validTokens[r].length + " micro-batches, rank 0 has " + micro);
            }
            for (int k = 0; k < micro; k++) {
                if (validTokens[r][k] < 0) throw new IllegalArgumentException("validTokens[" + r + "][" + k + "] is negative");
                total += validTokens[r][k];
            }
        }
        if (mode == Mode.GLOBAL_BATCH && total == 0) {
            throw new IllegalArgumentException("validTokens: the global batch has no valid token to average over");
        }
        double[][] scale = new double[ranks][micro];
        for (int k = 0; k < micro; k++) {
            long step = 0;
            for (long[] rank : validTokens) step += rank[k];
            for (int r = 0; r < ranks; r++) {
                scale[r][k] = switch (mode) {
                    case VERL_PER_MICRO_STEP -> ranks / (step + EPS) / micro;
                    case GLOBAL_BATCH -> (double) ranks / total;
                    case PER_RANK_MEAN -> 1 / (validTokens[r][k] + EPS) / micro;
                };
            }
        }
        return scale;
    }
}
