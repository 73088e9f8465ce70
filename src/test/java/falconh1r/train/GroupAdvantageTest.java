package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import falconh1r.testing.Close;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Group advantages against verl 0.9.1's {@code compute_grpo_outcome_advantage} (groups keyed by
 * uid, not adjacent, with a singleton, a zero-variance group, with and without std normalisation;
 * the script checks {@code compute_grpo_vectorized_outcome_advantage} agrees) and TRL 1.16's
 * formula with its {@code nanstd} (adjacent groups, scale_rewards group/none, num_generations 1).
 * Tolerance 1e-6 relative + 1e-7 (torch runs float32).
 */
class GroupAdvantageTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"adv_verl_std, VERL, true", "adv_verl_no_std, VERL, false", "adv_trl_group, TRL, true",
                "adv_trl_none, TRL, false", "adv_trl_single, TRL, true"})
    void matchesTheReference(String name, String reference, boolean normalize) {
        try (LossFixtures fx = LossFixtures.open("verl_trl")) {
            GroupAdvantage.Config config = (reference.equals("VERL") ? GroupAdvantage.Config.VERL : GroupAdvantage.Config.TRL)
                    .withNormalizeByStd(normalize);
            assertEquals(LossFixtures.number(fx.info(name), "epsilon"), config.epsilon());
            float[] expected = fx.floats(name + ".advantages");
            float[] actual = GroupAdvantage.compute(fx.floats(name + ".rewards"), fx.ints(name + ".uid"), config);
            Close.assertClose(name, expected, actual, expected.length, 1e-7, 1e-6);
        }
    }

    @Test
    void badInputsNameTheArgument() {
        CrossEntropyTest.expect("rewards", () -> GroupAdvantage.compute(new float[] {1, Float.NaN}, new int[] {0, 0}, GroupAdvantage.Config.VERL));
        CrossEntropyTest.expect("rewards", () -> GroupAdvantage.compute(new float[] {1, 0, 1}, new int[] {0, 0}, GroupAdvantage.Config.VERL));
        CrossEntropyTest.expect("groupIds", () -> GroupAdvantage.compute(new float[] {1}, null, GroupAdvantage.Config.VERL));
        CrossEntropyTest.expect("epsilon", () -> new GroupAdvantage.Config(Double.NaN, true, GroupAdvantage.Singleton.ZERO));
    }
}
