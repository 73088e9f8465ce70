package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole GRPO loss, logits to (loss, dlogits, metrics), against the references run by
 * fixtures/make_loss_fixtures.py with torch autograd for the gradient:
 * <ul>
 *   <li>{@code grpo_v06_*}: verl 0.6.0's {@code compute_policy_loss_vanilla}, {@code agg_loss},
 *       {@code kl_penalty(low_var_kl)} and {@code entropy_from_logits}, composed as
 *       {@code dp_actor.update_policy} (× 1/gradient accumulation); TIS as at 7f277899; one case
 *       adds our positive-sample NLL term (torch, no reference);
 *   <li>{@code grpo_v09_*}: verl 0.9.1, with the global batch information of {@code agg_loss}
 *       and the TIS weights of {@code compute_rollout_correction_weights}, composed as {@code ppo_loss};
 *   <li>{@code trl_*}: TRL 1.16.0 {@code GRPOTrainer._compute_loss} itself, run on a stand-in model
 *       through TRL's fused LM head, loss types grpo, bnpo, dr_grpo, dapo.
 * </ul>
 * 6 responses of 7 tokens, vocabulary 11; ratios from e^-25 to e^25 (verl) or e^±3 (TRL), clipped
 * both ways and dual-clipped; empty responses in most cases. Tolerances in {@link Tolerances}
 * (loss 1e-5 relative, dlogits 1e-5 of the tensor's max); clip fractions 1e-6 absolute.
 */
class GrpoLossTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String part : List.of("verl_legacy", "verl_trl")) {
            try (LossFixtures fx = LossFixtures.open(part)) {
                fx.cases.fieldNames().forEachRemaining(name -> {
                    if (name.startsWith("grpo_") || name.startsWith("trl_")) out.add(Arguments.of(part, name));
                });
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("cases")
    void matchesTheReference(String part, String name) {
        try (LossFixtures fx = LossFixtures.open(part)) {
            JsonNode info = fx.info(name);
            Reference reference = name.startsWith("trl_") ? Reference.TRL
                    : name.startsWith("grpo_v06") ? Reference.VERL_0_6_0 : Reference.VERL_0_9;
            GrpoLoss.Config config = config(reference, info);
            GrpoLoss.Batch batch = batch(fx, name, info, normalizers(reference, info));
            float[] dlogits = new float[batch.logits().length];
            GrpoLoss.Result result = GrpoLoss.compute(config, batch, dlogits);

            double expectedLoss = info.get("loss").asDouble();
            Tolerances.scalar(name + " loss", expectedLoss, result.loss());
            double gradDiff = Tolerances.gradient(name + " dlogits", fx.floats(name + ".dlogits"), dlogits);
            GrpoLoss.Metrics m = result.metrics();
            JsonNode metrics = info.get("metrics");
            if (reference.isVerl()) {
                assertEquals(metrics.get("pg_clipfrac").asDouble(), m.pgClipfrac(), 1e-6, name + " pg_clipfrac");
                assertEquals(metrics.get("pg_clipfrac_lower").asDouble(), m.pgClipfracLower(), 1e-6, name + " pg_clipfrac_lower");
                Tolerances.scalar(name + " ppo_kl", metrics.get("ppo_kl").asDouble(), m.ppoKl());
                Tolerances.scalar(name + " entropy", info.get("entropy").asDouble(), m.entropy());
                double gradAccum = reference == Reference.VERL_0_6_0 ? info.get("grad_accum").asDouble() : 1;
                Tolerances.scalar(name + " pg_loss", info.get("pg_loss").asDouble() / gradAccum, m.pgLoss());
            } else {
                assertEquals(metrics.get("clip_ratio/low_mean").asDouble(), m.clipLow(), 1e-6, name + " clip_ratio/low_mean");
                assertEquals(metrics.get("clip_ratio/high_mean").asDouble(), m.clipHigh(), 1e-6, name + " clip_ratio/high_mean");
                assertEquals(metrics.get("clip_ratio/region_mean").asDouble(), m.clipRegion(), 1e-6, name + " clip_ratio/region_mean");
                Tolerances.scalar(name + " entropy", metrics.get("entropy").asDouble(), m.entropy());
                if (metrics.has("kl")) Tolerances.scalar(name + " kl", metrics.get("kl").asDouble(), m.kl());
            }
            System.out.printf("%s: loss %.9f, |loss diff| %.2e, max |dlogits diff| / max |dlogits| %.2e%n",
                    name, result.loss(), Math.abs(result.loss() - expectedLoss), gradDiff);
        }
    }

    static GrpoLoss.Config config(Reference reference, JsonNode info) {
        String mode = info.has("loss_type") ? info.get("loss_type").asText() : info.get("mode").asText();
        GrpoLoss.Config c = GrpoLoss.Config.FALCON_H1R.withAggregation(reference, LossAggregation.Mode.ofPythonName(mode))
                .withClip(info.get("eps_low").asDouble(), info.get("eps_high").asDouble())
                .withKl(info.get("beta").asDouble())
                .withEntropy(info.get("gamma").asDouble());
        double cap = LossFixtures.number(info, "tis_cap");
        c = c.withTisCap(Double.isNaN(cap) ? Double.POSITIVE_INFINITY : cap);
        if (info.has("clip_ratio_c")) c = c.withDualClip(info.get("clip_ratio_c").asDouble());
        if (info.has("mu")) c = c.withNll(info.get("mu").asDouble(), GrpoLoss.Positive.REWARD);
        return c;
    }

    static LossAggregation.Normalizers normalizers(Reference reference, JsonNode info) {
        LossAggregation.Normalizers n = LossAggregation.Normalizers.LOCAL;
        return switch (reference) {
            case VERL_0_6_0 -> n.withGradAccum(info.get("grad_accum").asDouble());
            case VERL_0_9 -> n.withDpSize(info.get("dp_size").asInt())
                    .withGlobalTokens(LossFixtures.number(info, "batch_num_tokens"))
                    .withGlobalSequences(LossFixtures.number(info, "global_batch_size"))
                    .withHorizon(LossFixtures.number(info, "loss_scale_factor"));
            case TRL -> n.withDpSize(info.get("num_processes").asInt())
                    .withGlobalTokens(LossFixtures.number(info, "num_items_in_batch"))
                    .withHorizon(info.get("max_completion_length").asDouble())
                    .withGradAccum(info.get("grad_accum").asDouble())
                    .withStepsPerGeneration(info.get("steps_per_generation").asDouble());
        };
    }

    static GrpoLoss.Batch batch(LossFixtures fx, String name, JsonNode info, LossAggregation.Normalizers n) {
        return new GrpoLoss.Batch(fx.floats(name + ".logits"), fx.ints(name + ".labels"), fx.mask(name + ".mask"),
                info.get("rows").asInt(), info.get("length").asInt(), info.get("vocab").asInt(), fx.floats(name + ".advantages"),
                fx.floats(name + ".old"), fx.floats(name + ".rollout"), fx.floats(name + ".ref"), fx.floats(name + ".rewards"), n);
    }

    /** A tiny batch: 2 responses of 2 tokens over 3 tokens of vocabulary. */
    static GrpoLoss.Batch small(float[] old, float[] rollout, float[] ref) {
        return new GrpoLoss.Batch(new float[] {0, 1, 2, 2, 1, 0, 1, 1, 1, 0, 0, 3}, new int[] {0, 1, 2, 0},
                new boolean[] {true, true, true, false}, 2, 2, 3, new float[] {1, -1}, old, rollout, ref, new float[] {1, 0},
                LossAggregation.Normalizers.LOCAL);
    }

    @Test
    void badInputsNameTheArgument() {
        GrpoLoss.Config falcon = GrpoLoss.Config.FALCON_H1R;
        float[] z = new float[4], d = new float[12];
        CrossEntropyTest.expect("rolloutLogprobs", () -> GrpoLoss.compute(falcon, small(z, null, null), d));
        CrossEntropyTest.expect("oldLogprobs", () -> GrpoLoss.compute(falcon, small(new float[] {0, Float.NaN, 0, 0}, z, null), d));
        CrossEntropyTest.expect("oldLogprobs", () -> GrpoLoss.compute(falcon, small(new float[3], z, null), d));
        CrossEntropyTest.expect("refLogprobs", () -> GrpoLoss.compute(falcon.withKl(0.1), small(z, z, null), d));
        CrossEntropyTest.expect("refLogprobs", () -> GrpoLoss.compute(falcon.withKl(0.1), small(z, z, new float[] {Float.NaN, 0, 0, 0}), d));
        CrossEntropyTest.expect("dlogits", () -> GrpoLoss.compute(falcon, small(z, z, null), new float[11]));
        CrossEntropyTest.expect("mode grpo", () -> falcon.withAggregation(Reference.VERL_0_9, LossAggregation.Mode.GRPO));
        CrossEntropyTest.expect("beta", () -> falcon.withKl(Double.NaN));
        CrossEntropyTest.expect("dualClip", () -> falcon.withDualClip(0.5));
        // a NaN in a masked position (padding) is no error
        GrpoLoss.compute(falcon, small(new float[] {0, 0, 0, Float.NaN}, new float[] {0, 0, 0, Float.NaN}, null), d);
    }

    @Test
    void onPolicyFalconLossIsMinusTheTokenMeanAdvantage() {
        // ρ ≡ 1 and no TIS: l = −A on every token, so verl 0.6's token-mean gives −Σ A·n_b / (N + 1e-8),
        // here (−1·2 + 1·1) / (3 + 1e-8).
        float[] d = new float[12];
        GrpoLoss.Result r = GrpoLoss.compute(GrpoLoss.Config.FALCON_H1R.withTisCap(Double.POSITIVE_INFINITY), small(null, null, null), d);
        assertEquals(-1.0 / (3 + 1e-8), r.loss(), 1e-15);
        assertEquals(1.0, r.metrics().meanRatio(), 1e-12);
        assertTrue(Double.isNaN(r.metrics().kl()) && Double.isNaN(r.metrics().nll()), r.metrics().toString());
    }
}
