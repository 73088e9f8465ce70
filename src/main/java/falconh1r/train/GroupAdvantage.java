package falconh1r.train;

import java.util.HashMap;
import java.util.Map;

/**
 * GRPO's outcome advantage (pipeline.md §3.2): each response's reward against the other responses
 * to the same prompt, the same value on every token of the response,
 * <pre>
 *   A_i = (R_i − mean(R_group)) / (std(R_group) + ε)     or  R_i − mean(R_group) without std normalisation
 * </pre>
 * with the unbiased (Bessel-corrected, n − 1) standard deviation. Two references:
 * <ul>
 *   <li>{@link Config#VERL}: verl {@code core_algos.compute_grpo_outcome_advantage}, ε = 1e-6,
 *       groups keyed by the prompt's uid (members need not be adjacent); a group of one uses mean 0
 *       and std 1, so A = R.
 *   <li>{@link Config#TRL}: TRL {@code GRPOTrainer._generate_and_score_completions} with
 *       {@code nanstd} ({@code scale_rewards="group"}), ε = 1e-4; a group of one has std 0 and mean R,
 *       so A = 0. TRL's groups are {@code num_generations} adjacent rows: give ids {@code i / G}.
 * </ul>
 * A group whose rewards are all equal gets A = 0 in both. Sums run in double; torch runs float32,
 * which agrees to about 1e-7 relative for rewards such as 0/1 (and can leave float noise of order
 * ε⁻¹·ulp where a zero-variance group holds a reward like 0.7 that float32 cannot average exactly;
 * here that group is exactly 0). TRL's NaN rewards (unscorable completions) are not supported:
 * a NaN reward is refused.
 */
public final class GroupAdvantage {
    private GroupAdvantage() {}

    /** What a group of one response gets. */
    public enum Singleton {
        /** verl: mean 0, std 1, so A = R. */
        REWARD,
        /** TRL: its own mean and std 0, so A = 0. */
        ZERO
    }

    /**
     * @param epsilon        added to the std in the denominator
     * @param normalizeByStd verl {@code norm_adv_by_std_in_grpo}; TRL {@code scale_rewards != "none"}
     */
    public record Config(double epsilon, boolean normalizeByStd, Singleton singleton) {
        public static final Config VERL = new Config(1e-6, true, Singleton.REWARD);
        public static final Config TRL = new Config(1e-4, true, Singleton.ZERO);

        public Config {
            if (!(epsilon >= 0) || Double.isInfinite(epsilon)) throw new IllegalArgumentException("epsilon must be finite and ≥ 0, got " + epsilon);
            if (singleton == null) throw new IllegalArgumentException("singleton is null");
        }

        public Config withNormalizeByStd(boolean normalize) {
            return new Config(epsilon, normalize, singleton);
        }
    }

    /** Advantages [B] of rewards [B] whose prompts are {@code groupIds} [B]. */
    public static float[] compute(float[] rewards, int[] groupIds, Config config) {
        if (groupIds == null) throw new IllegalArgumentException("groupIds is null");
        Checks.length("rewards", rewards, groupIds.length);
        Checks.noNaN("rewards", rewards, null);
        int n = rewards.length;
        Map<Integer, double[]> groups = new HashMap<>();       // id -> {count, sum, sum of squared deviations}
        for (int i = 0; i < n; i++) {
            double[] g = groups.computeIfAbsent(groupIds[i], id -> new double[3]);
            g[0]++;
            g[1] += rewards[i];
        }
        for (int i = 0; i < n; i++) {
            double[] g = groups.get(groupIds[i]);
            double d = rewards[i] - g[1] / g[0];
            g[2] += d * d;
        }
        float[] advantages = new float[n];
        for (int i = 0; i < n; i++) {
            double[] g = groups.get(groupIds[i]);
            double mean, std;
            if (g[0] == 1) {
                mean = config.singleton() == Singleton.REWARD ? 0 : rewards[i];
                std = config.singleton() == Singleton.REWARD ? 1 : 0;
            } else {
                mean = g[1] / g[0];
                std = Math.sqrt(g[2] / (g[0] - 1));
            }
            double centred = rewards[i] - mean;
            advantages[i] = (float) (config.normalizeByStd() ? centred / (std + config.epsilon()) : centred);
        }
        return advantages;
    }
}
