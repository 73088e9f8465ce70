package falconh1r.rl;

/**
 * The outcome reward of one response (pipeline.md §3.7): 1 if {@code prediction}, the whole decoded
 * response, answers the problem whose ground truth is {@code gold}, else 0. Falcon-H1R's math reward
 * is {@code falconh1r.reward.MathReward::score}; tests give stubs.
 */
@FunctionalInterface
public interface Rewarder {
    int score(String gold, String prediction);
}
