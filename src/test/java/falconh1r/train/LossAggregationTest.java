package falconh1r.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Token weights against verl 0.6.0's {@code agg_loss(loss_mat, loss_mask, loss_agg_mode)} on a
 * loss matrix with an empty row (the whole mask empty for token-mean's 1e-8 case). The verl 0.9
 * and TRL modes are held to their references through whole losses in {@link GrpoLossTest}.
 * Tolerance 1e-5 relative.
 */
class LossAggregationTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"agg_token_mean", "agg_seq_mean_token_mean", "agg_seq_mean_token_sum",
                            "agg_seq_mean_token_sum_norm", "agg_token_mean_empty"})
    void verl06AggLoss(String name) {
        try (LossFixtures fx = LossFixtures.open("verl_legacy")) {
            long[] shape = fx.shape(name + ".loss_mat");
            int rows = (int) shape[0], length = (int) shape[1];
            LossAggregation.Mode mode = LossAggregation.Mode.ofPythonName(fx.info(name).get("mode").asText());
            double[] c = LossAggregation.weights(Reference.VERL_0_6_0, mode, fx.mask(name + ".mask"), rows, length,
                    LossAggregation.Normalizers.LOCAL);
            float[] l = fx.floats(name + ".loss_mat");
            double loss = 0;
            for (int i = 0; i < l.length; i++) loss += c[i] * l[i];
            Tolerances.scalar(name, fx.info(name).get("loss").asDouble(), loss);
        }
    }

    @Test
    void refusals() {
        boolean[] mask = {true, true, false, false};
        var local = LossAggregation.Normalizers.LOCAL;
        CrossEntropyTest.expect("mode grpo", () -> LossAggregation.weights(Reference.VERL_0_6_0, LossAggregation.Mode.GRPO, mask, 2, 2, local));
        CrossEntropyTest.expect("mode token-mean", () -> LossAggregation.weights(Reference.TRL, LossAggregation.Mode.TOKEN_MEAN, mask, 2, 2, local));
        CrossEntropyTest.expect("row 1", () -> LossAggregation.weights(Reference.VERL_0_6_0, LossAggregation.Mode.SEQ_MEAN_TOKEN_MEAN, mask, 2, 2, local));
        CrossEntropyTest.expect("globalTokens", () -> LossAggregation.weights(Reference.VERL_0_9, LossAggregation.Mode.TOKEN_MEAN, mask, 2, 2, local.withDpSize(2)));
        CrossEntropyTest.expect("globalTokens", () -> LossAggregation.weights(Reference.VERL_0_9, LossAggregation.Mode.TOKEN_MEAN, new boolean[4], 2, 2, local));
        CrossEntropyTest.expect("normalizers", () -> LossAggregation.weights(Reference.VERL_0_6_0, LossAggregation.Mode.TOKEN_MEAN, mask, 2, 2, local.withGlobalTokens(9)));
        CrossEntropyTest.expect("mask", () -> LossAggregation.weights(Reference.VERL_0_9, LossAggregation.Mode.TOKEN_MEAN, mask, 3, 2, local));
        CrossEntropyTest.expect("gradAccum", () -> local.withGradAccum(0));
        CrossEntropyTest.expect("horizon", () -> local.withHorizon(-1));
        CrossEntropyTest.expect("loss_type", () -> LossAggregation.Mode.ofPythonName("sum"));
    }
}
