package falconh1r.rl;

import java.util.List;

/**
 * A {@link ScoredGroup} as the {@link BackfillSampler} tracks it: a unique id (in the order groups
 * were generated) and the training step whose generation calls produced it, which fixes its age.
 */
public record RolloutGroup<R>(long id, int createdStep, ScoredGroup<R> scored) {

    public RolloutGroup {
        if (scored == null) throw new IllegalArgumentException("scored is null");
    }

    public String promptId() {
        return scored.promptId();
    }

    public List<R> rollouts() {
        return scored.rollouts();
    }

    /** Steps since it was generated, at training step {@code step}. */
    public int age(int step) {
        return step - createdStep;
    }
}
