package falconh1r.train;

/**
 * What {@link AdamW#step} does when the gradients' global norm is NaN or infinite (a NaN or ±Inf
 * anywhere, or a norm past the float range). torch would clip by a NaN coefficient and write NaN
 * into every weight and moment; here the weights and the optimizer state are never touched.
 */
public enum NonFiniteGradientPolicy {
    /** Skip the update: log a warning, count it ({@link AdamW#skippedSteps()}), leave the step count as it was. */
    SKIP,
    /** Throw an {@link ArithmeticException} naming the step, the norm and the first non-finite gradient. */
    ABORT
}
