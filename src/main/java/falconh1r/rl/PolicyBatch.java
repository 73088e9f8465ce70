package falconh1r.rl;

import java.util.ArrayList;
import java.util.List;

/**
 * One step's policy batch: B groups of G rollouts (B·G trajectories), each group's rollouts
 * adjacent in group order (verl's {@code repeat(interleave=True)} layout), and what the sampler did
 * to assemble it.
 */
public record PolicyBatch<R>(int step, List<RolloutGroup<R>> groups, BackfillMetrics metrics) {

    public PolicyBatch {
        groups = List.copyOf(groups);
    }

    /** The rollouts [B·G], group after group. */
    public List<R> rollouts() {
        List<R> all = new ArrayList<>();
        for (RolloutGroup<R> g : groups) all.addAll(g.rollouts());
        return all;
    }

    /** The rewards [B·G], group after group. */
    public float[] rewards() {
        float[] r = new float[trajectories()];
        int i = 0;
        for (RolloutGroup<R> g : groups) {
            for (int j = 0; j < g.scored().size(); j++) r[i++] = g.scored().reward(j);
        }
        return r;
    }

    /** Each trajectory's group index in this batch [B·G], the uid {@code GroupAdvantage.compute} takes. */
    public int[] groupIndex() {
        int[] ids = new int[trajectories()];
        int i = 0;
        for (int b = 0; b < groups.size(); b++) {
            for (int j = 0; j < groups.get(b).scored().size(); j++) ids[i++] = b;
        }
        return ids;
    }

    /** B·G. */
    public int trajectories() {
        int n = 0;
        for (RolloutGroup<R> g : groups) n += g.scored().size();
        return n;
    }
}
