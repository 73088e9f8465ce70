package falconh1r.rl;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The RL data filter of pipeline.md §2.3 (report §3.1 and Appendix C, Figure 9). Each problem gets
 * k rollouts from the SFT checkpoint (§2.2: k = 8 at T 0.6, top-p 0.95, 32K tokens); with c of them
 * correct its pass rate is c / k, and
 * <pre>
 *   c == k                                          DROP  (too easy)                     ALL_CORRECT
 *   0 &lt; c &lt; k                                       KEEP  (standard training data)      PARTIALLY_SOLVED
 *   c == 0 and all k rollouts truncated             KEEP a random subset                ALL_TRUNCATED_SAMPLED / _UNSAMPLED
 *   c == 0 and one wrong answer given f ≥ ⌈φ·k⌉ times DROP (likely bad ground truth)     CONSISTENT_WRONG_MAJORITY
 *   c == 0 otherwise                                KEEP a random subset (default all)  ALL_WRONG_SAMPLED / _UNSAMPLED
 * </pre>
 * The branches are tried in this order, so an all-truncated problem never reaches the vote. The
 * paper's f ≥ 4 of 8 is the fraction φ = 1/2 scaled to k as ⌈φ·k⌉ (4 of 8, 3 of 5, 1 of 1). Rollouts
 * without an extracted answer ({@code answer == null}) do not vote (§2.3, [INFERRED]); answers vote
 * by exact string equality, so the caller passes them canonicalised (e.g. the reward's normalised
 * form). No public code exists for this filter; the tests are the table of §2.3.
 * <p>
 * The sub-sampling rates are not given ([UNCERTAIN], pipeline.md §8 item 7): "a small random subset"
 * for all-truncated problems is {@link Config#DEFAULT} 10%, and the other hard problems are all kept,
 * as the pseudo-code of §2.3 says (Figure 9 draws a sub-sampling box there too; set the fraction
 * below 1 to follow it). The draw is keyed by the problem id and the seed, so a problem's decision
 * does not depend on the order problems are curated in.
 */
public final class Curation {

    /** Why a problem is kept or dropped. */
    public enum Reason {
        /** c == k: too easy, no learning signal. */
        ALL_CORRECT(false),
        /** 0 &lt; c &lt; k. */
        PARTIALLY_SOLVED(true),
        /** c == 0, every rollout truncated, and the problem fell in the kept subset. */
        ALL_TRUNCATED_SAMPLED(true),
        /** c == 0, every rollout truncated, outside the kept subset. */
        ALL_TRUNCATED_UNSAMPLED(false),
        /** c == 0 and one wrong answer reaches the majority threshold: the ground truth is suspect. */
        CONSISTENT_WRONG_MAJORITY(false),
        /** c == 0, no consistent wrong answer, and the problem fell in the kept subset. */
        ALL_WRONG_SAMPLED(true),
        /** c == 0, no consistent wrong answer, outside the kept subset. */
        ALL_WRONG_UNSAMPLED(false);

        private final boolean keep;

        Reason(boolean keep) {
            this.keep = keep;
        }

        public boolean keep() {
            return keep;
        }
    }

    /**
     * One rollout's outcome.
     *
     * @param correct   the reward judged it correct
     * @param truncated it hit the maximum response length
     * @param answer    its extracted final answer, canonicalised; null when none could be extracted
     */
    public record Outcome(boolean correct, boolean truncated, String answer) {}

    /**
     * @param majorityFraction         φ: a wrong answer given by at least ⌈φ·k⌉ rollouts drops a 0/k problem (paper: 4 of 8, φ = 0.5)
     * @param allTruncatedKeepFraction the share of all-truncated 0/k problems kept [UNCERTAIN: "a small random subset"]
     * @param allWrongKeepFraction     the share of the other 0/k problems kept [UNCERTAIN: all, or a subset]
     * @param seed                     seeds the sub-sampling draws
     */
    public record Config(double majorityFraction, double allTruncatedKeepFraction, double allWrongKeepFraction, long seed) {
        public static final Config DEFAULT = new Config(0.5, 0.1, 1.0, 0);

        public Config {
            if (!(majorityFraction > 0 && majorityFraction <= 1)) {
                throw new IllegalArgumentException("majorityFraction must be in (0, 1], got " + majorityFraction);
            }
            if (!(allTruncatedKeepFraction >= 0 && allTruncatedKeepFraction <= 1)) {
                throw new IllegalArgumentException("allTruncatedKeepFraction must be in [0, 1], got " + allTruncatedKeepFraction);
            }
            if (!(allWrongKeepFraction >= 0 && allWrongKeepFraction <= 1)) {
                throw new IllegalArgumentException("allWrongKeepFraction must be in [0, 1], got " + allWrongKeepFraction);
            }
        }

        public Config withSeed(long newSeed) {
            return new Config(majorityFraction, allTruncatedKeepFraction, allWrongKeepFraction, newSeed);
        }

        /**
         * ⌈φ·k⌉: the count at which a wrong answer is a consistent majority among k rollouts (the 1e-9
         * keeps a product such as 0.3 · 10 = 3.0000000000000004 at 3).
         */
        public int majorityThreshold(int k) {
            return Math.max(1, (int) Math.ceil(majorityFraction * k - 1e-9));
        }
    }

    /**
     * The verdict on one problem.
     *
     * @param correct        c, rollouts judged correct
     * @param k              rollouts
     * @param truncated      rollouts that hit the length limit
     * @param majorityAnswer the most frequent answer among the wrong rollouts (first seen on ties); null when none gave one
     * @param majorityCount  how many wrong rollouts gave it
     */
    public record Decision(String problemId, Reason reason, int correct, int k, int truncated, String majorityAnswer,
                           int majorityCount) {
        public boolean keep() {
            return reason.keep();
        }

        /** c / k. */
        public double passRate() {
            return (double) correct / k;
        }
    }

    private final Config config;

    public Curation(Config config) {
        if (config == null) throw new IllegalArgumentException("config is null");
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /** Applies §2.3 to the k rollouts of one problem. */
    public Decision decide(String problemId, List<Outcome> outcomes) {
        if (problemId == null) throw new IllegalArgumentException("problemId is null");
        if (outcomes == null || outcomes.isEmpty()) throw new IllegalArgumentException("outcomes of " + problemId + " are empty");
        int k = outcomes.size();
        int correct = 0, truncated = 0;
        Map<String, Integer> votes = new LinkedHashMap<>();                 // answer -> count, in first-seen order
        for (int i = 0; i < k; i++) {
            Outcome o = outcomes.get(i);
            if (o == null) throw new IllegalArgumentException("outcomes[" + i + "] of " + problemId + " is null");
            if (o.correct()) correct++;
            if (o.truncated()) truncated++;
            if (!o.correct() && o.answer() != null) votes.merge(o.answer(), 1, Integer::sum);
        }
        String majority = null;
        int majorityCount = 0;
        for (Map.Entry<String, Integer> vote : votes.entrySet()) {
            if (vote.getValue() > majorityCount) {
                majority = vote.getKey();
                majorityCount = vote.getValue();
            }
        }
        return new Decision(problemId, reason(problemId, k, correct, truncated, majorityCount), correct, k, truncated,
                majority, majorityCount);
    }

    private Reason reason(String problemId, int k, int correct, int truncated, int majorityCount) {
        if (correct == k) return Reason.ALL_CORRECT;
        if (correct > 0) return Reason.PARTIALLY_SOLVED;
        if (truncated == k) {
            return draw(problemId) < config.allTruncatedKeepFraction() ? Reason.ALL_TRUNCATED_SAMPLED : Reason.ALL_TRUNCATED_UNSAMPLED;
        }
        if (majorityCount >= config.majorityThreshold(k)) return Reason.CONSISTENT_WRONG_MAJORITY;
        return draw(problemId) < config.allWrongKeepFraction() ? Reason.ALL_WRONG_SAMPLED : Reason.ALL_WRONG_UNSAMPLED;
    }

    /** A uniform draw in [0, 1) fixed by the seed and the problem id (64-bit FNV-1a of its chars). */
    private double draw(String problemId) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < problemId.length(); i++) h = (h ^ problemId.charAt(i)) * 0x100000001b3L;
        return new SplittableRandom(h ^ config.seed()).nextDouble();
    }
}
