package falconh1r.train;

/**
 * The Python implementation a GRPO loss reproduces. They differ in the policy-loss details
 * ({@link PolicyLoss}, {@link KlPenalty}) and in how a batch is aggregated ({@link LossAggregation}).
 */
public enum Reference {
    /**
     * verl 0.6.0, whose loss code is that of commit 7f277899 (October 2025, the period Falcon-H1R
     * trained in): {@code agg_loss(loss_mat, loss_mask, loss_agg_mode)} over the micro-batch, and
     * {@code dp_actor.update_policy} multiplying the loss by {@code 1 / gradient_accumulation}.
     * (verl 0.6.1 already changed the seq-mean modes to skip empty rows.)
     */
    VERL_0_6_0,
    /**
     * verl 0.9 (HEAD in 2026): {@code agg_loss} normalised by the global batch
     * ({@code dp_size}, {@code batch_num_tokens}, {@code global_batch_size}, {@code loss_scale_factor}).
     */
    VERL_0_9,
    /** TRL 1.16 {@code GRPOTrainer._compute_loss}: no log-ratio clamp, no dual clip, unclamped k3. */
    TRL;

    boolean isVerl() {
        return this != TRL;
    }
}
