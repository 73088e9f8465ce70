package falconh1r.rl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The G rollouts generated for one prompt and their scalar rewards, as one generation call returns
 * them. The rollout payload {@code R} is opaque here (token ids, logprobs, text: whatever the
 * trainer needs later).
 *
 * @param promptId which prompt the rollouts answer
 * @param rollouts the G rollouts [G]
 * @param rewards  their rewards [G], finite
 */
public record ScoredGroup<R>(String promptId, List<R> rollouts, float[] rewards) {

    public ScoredGroup {
        if (promptId == null) throw new IllegalArgumentException("promptId is null");
        if (rollouts == null || rollouts.isEmpty()) throw new IllegalArgumentException("rollouts of prompt " + promptId + " are empty");
        if (rewards == null || rewards.length != rollouts.size()) {
            throw new IllegalArgumentException("rewards of prompt " + promptId + " hold " + (rewards == null ? "null" : rewards.length + " values")
                    + " for " + rollouts.size() + " rollouts");
        }
        for (int i = 0; i < rewards.length; i++) {
            if (!Float.isFinite(rewards[i])) throw new IllegalArgumentException("rewards[" + i + "] of prompt " + promptId + " is " + rewards[i]);
        }
        rollouts = Collections.unmodifiableList(new ArrayList<>(rollouts));
        rewards = rewards.clone();
    }

    /** A copy of the rewards [G]. */
    @Override
    public float[] rewards() {
        return rewards.clone();
    }

    public float reward(int i) {
        return rewards[i];
    }

    /** G. */
    public int size() {
        return rewards.length;
    }

    /**
     * verl DAPO's {@code filter_groups} keep rule: reward std &gt; 0 or a single member. Equal rewards
     * are tested exactly, so a group whose advantages {@code GroupAdvantage} makes exactly 0 is never
     * informative; verl's {@code np.std} can return float noise &gt; 0 for equal rewards that are not
     * exactly representable (seven float32 0.7s give 6e-8) and would keep such a group.
     */
    public boolean informative() {
        for (int i = 1; i < rewards.length; i++) {
            if (rewards[i] != rewards[0]) return true;
        }
        return rewards.length == 1;
    }
}
