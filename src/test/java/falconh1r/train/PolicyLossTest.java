package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * pipeline.md §3.3's worked per-token values (ε = (0.2, 0.28), c = 3, TIS cap 2), as verl 0.9.1's
 * {@code compute_policy_loss_vanilla} computes them for one-token batches (the TIS row with
 * {@code rollout_corr_helper.compute_rollout_correction_weights}). Tolerance 1e-5 relative.
 */
class PolicyLossTest {

    static final PolicyLoss.Clip FALCON = GrpoLoss.Config.FALCON_H1R.clip();

    @Test
    void workedValuesOfTheSpec() {
        try (LossFixtures fx = LossFixtures.open("verl_trl")) {
            for (JsonNode row : fx.info("policy_table").get("rows")) {
                float old = (float) row.get("old_log_prob").asDouble();
                double tisLog = LossFixtures.number(row, "tis_log_ratio");
                float rollout = Double.isNaN(tisLog) ? old : (float) (old - tisLog);
                double[] loss = new double[1], grad = new double[1];
                PolicyLoss.compute(FALCON, new double[] {row.get("log_prob").asDouble()}, new float[] {old}, new float[] {rollout},
                        new float[] {(float) row.get("advantage").asDouble()}, new boolean[] {true}, 1, 1, loss, grad);
                Tolerances.scalar("A " + row.get("advantage") + ", ρ " + row.get("ratio") + ", TIS log-ratio " + tisLog,
                        row.get("loss").asDouble(), loss[0]);
            }
        }
    }

    @Test
    void gradientIsMinusAdvantageTimesRatioOnlyWhereUnclipped() {
        double[] logp = {Math.log(1.1), Math.log(1.5), Math.log(0.5), Math.log(5), Math.log(1.1)};
        float[] old = new float[5];
        float[] adv = {1, 1, -1, -1, 1};
        double[] loss = new double[5], grad = new double[5];
        PolicyLoss.Stats s = PolicyLoss.compute(FALCON, logp, old, old.clone(), adv, new boolean[] {true, true, true, true, false},
                5, 1, loss, grad);
        assertEquals(-1.1, grad[0], 1e-12);   // inside the clip range
        assertEquals(0, grad[1]);             // clipped above (A > 0)
        assertEquals(0, grad[2]);             // clipped below (A < 0)
        assertEquals(0, grad[3]);             // dual clip
        assertEquals(0, grad[4]);             // masked
        assertEquals(4, s.validTokens());
        assertEquals(2, s.clipped());         // l2 > l1: tokens 1 and 2 (for token 3, l1 = 5 > l2 = 1.28)
        assertEquals(1, s.dualClipped());
    }

    @Test
    void badInputsNameTheArgument() {
        double[] l = new double[2], g = new double[2];
        boolean[] m = {true, true};
        CrossEntropyTest.expect("rolloutLogprobs", () -> PolicyLoss.compute(FALCON, new double[2], new float[2], null, new float[1], m, 1, 2, l, g));
        CrossEntropyTest.expect("oldLogprobs", () -> PolicyLoss.compute(FALCON, new double[2], new float[] {0, Float.NaN}, new float[2], new float[1], m, 1, 2, l, g));
        CrossEntropyTest.expect("advantages", () -> PolicyLoss.compute(FALCON, new double[2], new float[2], new float[2], new float[] {Float.NaN}, m, 1, 2, l, g));
        CrossEntropyTest.expect("advantages", () -> PolicyLoss.compute(FALCON, new double[2], new float[2], new float[2], new float[2], m, 1, 2, l, g));
        CrossEntropyTest.expect("dualClip", () -> new PolicyLoss.Clip(0.2, 0.28, 1.0, 20, 2));
        CrossEntropyTest.expect("epsilonLow", () -> new PolicyLoss.Clip(1.2, 0.28, 3, 20, 2));
    }
}
