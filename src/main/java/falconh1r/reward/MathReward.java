package falconh1r.reward;

import falconh1r.reward.MathVerify.Candidate;
import java.util.List;

/**
 * Falcon-H1R's binary math reward (pipeline.md §3.7): 1 if either tier accepts the prediction, else 0.
 * <ul>
 * <li>Tier 1 ({@link HendrycksMath}): verl {@code math_reward.compute_score}: the last \boxed{} of the
 *     prediction, Hendrycks normalisation, string equality with the ground truth.
 * <li>Tier 2: verl {@code math_verify.compute_score}: Math-Verify parses "\boxed{gold}" with the LaTeX
 *     extraction and the prediction with expression then LaTeX extraction ({@link AnswerExtractor}),
 *     and accepts if {@code verify(g, p)} holds for some pair of candidates ({@link MathVerify}).
 * </ul>
 * Both tiers do bounded work and never throw on any text (verl's compute_score maps every exception
 * to 0; so does this class): hostile input (deep nesting, huge numbers, huge exponents, unbalanced
 * delimiters) scores 0.
 */
public final class MathReward {
    private MathReward() {}

    /** The reward: 1 if tier 1 or tier 2 accepts {@code prediction} for the ground truth {@code gold}, else 0. */
    public static int score(String gold, String prediction) {
        check(gold, prediction);
        return tier1(gold, prediction) || tier2(gold, prediction) ? 1 : 0;
    }

    /** Tier 1: verl math_reward.compute_score(prediction, gold) == 1. */
    public static boolean tier1(String gold, String prediction) {
        check(gold, prediction);
        return HendrycksMath.accepts(gold, prediction);
    }

    /** Tier 2: verl math_verify.compute_score(prediction, gold) == 1. */
    public static boolean tier2(String gold, String prediction) {
        check(gold, prediction);
        WorkBudget budget = new WorkBudget(WorkBudget.DEFAULT_UNITS);
        try {
            List<Candidate> golds = AnswerExtractor.parseGold(gold, budget);
            if (golds.isEmpty()) return false;
            List<Candidate> preds = AnswerExtractor.parsePrediction(prediction, budget);
            for (Candidate p : preds) for (Candidate g : golds) if (MathVerify.verify(g, p)) return true;
            return false;
        } catch (RuntimeException | StackOverflowError e) {
            return false;   // a spent WorkBudget is Math-Verify's timeout; compute_score maps both (and any error) to 0
        }
    }

    private static void check(String gold, String prediction) {
        if (gold == null) throw new IllegalArgumentException("gold must not be null");
        if (prediction == null) throw new IllegalArgumentException("prediction must not be null");
    }
}
