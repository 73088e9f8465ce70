package falconh1r.rl;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The generation call of the GRPO loop ({@link GroupGenerator}): the next {@code promptsPerCall}
 * problems of the stream, G rollouts each from the {@link RolloutSampler}, scored. The stream is
 * the problems in a seeded random order, reshuffled at every pass (verl's shuffled train
 * dataloader), and a call draws a fixed number of prompts whatever the batch still misses, as
 * verl's {@code gen_batch_size} does: the surplus is what the backfill cache keeps. Every group
 * draws with the next seed of one seeded stream, so a run is reproducible. Counts of everything a
 * step generated, kept or not, are the on-policy accuracy and lengths of the step's metrics.
 */
public final class SampledGroups implements GroupGenerator<Rollout> {

    /**
     * What the generation calls of one step produced.
     *
     * @param rollouts       responses generated
     * @param correct        of those, with reward &gt; 0
     * @param truncated      of those, cut at the length limit
     * @param responseTokens their tokens
     */
    public record Stats(int rollouts, int correct, int truncated, long responseTokens) {
        public static final Stats NONE = new Stats(0, 0, 0, 0);

        Stats plus(Rollout r) {
            return new Stats(rollouts + 1, correct + (r.correct() ? 1 : 0), truncated + (r.truncated() ? 1 : 0),
                    responseTokens + r.response().length);
        }

        /** correct / rollouts; NaN when nothing was generated. */
        public double accuracy() {
            return rollouts == 0 ? Double.NaN : (double) correct / rollouts;
        }
    }

    private final List<Problem> problems;
    private final RolloutSampler sampler;
    private final int groupSize;
    private final int promptsPerCall;
    private final SplittableRandom order;
    private final SplittableRandom seeds;
    private int[] permutation;
    private int next;
    private int epoch;
    private int statsStep = Integer.MIN_VALUE;
    private Stats stats = Stats.NONE;

    /**
     * @param groupSize      G, rollouts per prompt (paper 16)
     * @param promptsPerCall prompts per generation call (verl {@code gen_batch_size}; default B)
     */
    public SampledGroups(List<Problem> problems, RolloutSampler sampler, int groupSize, int promptsPerCall, long seed) {
        if (problems == null || problems.isEmpty()) throw new IllegalArgumentException("no problems");
        if (sampler == null) throw new IllegalArgumentException("sampler is null");
        if (groupSize < 1) throw new IllegalArgumentException("groupSize must be at least 1, got " + groupSize);
        if (promptsPerCall < 1) throw new IllegalArgumentException("promptsPerCall must be at least 1, got " + promptsPerCall);
        this.problems = List.copyOf(problems);
        this.sampler = sampler;
        this.groupSize = groupSize;
        this.promptsPerCall = promptsPerCall;
        SplittableRandom root = new SplittableRandom(seed);
        this.order = root.split();
        this.seeds = root.split();
        this.next = this.problems.size();
        this.epoch = -1;
    }

    @Override
    public List<ScoredGroup<Rollout>> generate(int step, int missing) {
        if (step != statsStep) {
            statsStep = step;
            stats = Stats.NONE;
        }
        List<ScoredGroup<Rollout>> groups = new ArrayList<>(promptsPerCall);
        for (int i = 0; i < promptsPerCall; i++) {
            Problem p = nextProblem();
            List<Rollout> rollouts = sampler.sample(p, groupSize, seeds.nextLong());
            float[] rewards = new float[groupSize];
            for (int j = 0; j < groupSize; j++) {
                rewards[j] = rollouts.get(j).reward();
                stats = stats.plus(rollouts.get(j));
            }
            groups.add(new ScoredGroup<>(p.id(), rollouts, rewards));
        }
        return groups;
    }

    /** What the calls of training step {@code step} generated ({@link Stats#NONE} when it made none, e.g. served from the cache). */
    public Stats stats(int step) {
        return step == statsStep ? stats : Stats.NONE;
    }

    /** Completed passes over the problems before the current one (0 during the first). */
    public int epoch() {
        return Math.max(epoch, 0);
    }

    private Problem nextProblem() {
        if (next == problems.size()) {
            permutation = shuffled(problems.size(), order);
            next = 0;
            epoch++;
        }
        return problems.get(permutation[next++]);
    }

    /** A Fisher–Yates permutation of 0..n−1. */
    private static int[] shuffled(int n, SplittableRandom r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
