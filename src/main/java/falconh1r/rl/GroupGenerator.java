package falconh1r.rl;

import java.util.List;

/**
 * One generation call of the RL loop: take the next prompts of the data stream, sample G rollouts
 * for each and score them. The {@link BackfillSampler} calls it until its batch is full.
 */
@FunctionalInterface
public interface GroupGenerator<R> {
    /**
     * @param step    the training step the groups are for
     * @param missing groups the step's batch still lacks; a hint (verl generates a fixed
     *                {@code gen_batch_size} of prompts per call, whatever is missing)
     * @return the scored groups of this call, G rollouts each, in prompt order; may be empty
     */
    List<ScoredGroup<R>> generate(int step, int missing);
}
