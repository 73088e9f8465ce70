package falconh1r.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.io.SafetensorsFile;
import falconh1r.kernels.Backend;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Parameters;
import falconh1r.testing.Close;
import falconh1r.train.AdamW;
import falconh1r.train.GroupAdvantage;
import falconh1r.train.GrpoLoss;
import falconh1r.train.LossAggregation;
import falconh1r.train.LrSchedule;
import falconh1r.train.NonFiniteGradientPolicy;
import falconh1r.train.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link GrpoTrainer#update} reproduces verl's run of fixtures/train/grpo (make_train_fixtures.py:
 * transformers 5.24, torch 2.9.1, verl 0.9.1's compute_grpo_outcome_advantage,
 * compute_rollout_correction_weights and compute_policy_loss_vanilla; the checks of
 * train/GrpoTrajectoryTest, here through the trainer): 8 rollouts (2 prompts × 4) with the
 * fixture's rollout log-probs, 5 PPO epochs of one mini-batch (lr 1e-4 constant, weight decay 0.1,
 * betas (0.9, 0.95), clip 1.0), the trainer computing old log-probs itself. Checked: its own
 * log-probs against verl's old_log_probs (1e-4, the model's logits tolerance against torch; they
 * are log-probs down to −23, where a float32 ulp is 2e-6), the advantages (1e-6), every step's loss (1e-4
 * relative, at least 1e-6), clip fractions and ppo_kl (1e-4), gradient norm (1e-4 relative) and
 * every final parameter (1e-4). verl 0.9's token-mean over global counts makes the micro-batch
 * size a memory knob only, so micro-batches of 8 (verl's own), 3 and 1 must all match; verl 0.6.0's
 * token-mean (the Falcon-H1R default) with the micro-batch equal to the batch is the same mean.
 */
class GrpoTrainerTest {

    static final Path DIR = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "train", "grpo");

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String backend : falconh1r.kernels.TestBackendsAccess.selected()) {
            out.add(Arguments.of(backend, Reference.VERL_0_9, 8));
            out.add(Arguments.of(backend, Reference.VERL_0_9, 3));
        }
        out.add(Arguments.of("scalar", Reference.VERL_0_9, 1));
        out.add(Arguments.of("scalar", Reference.VERL_0_6_0, 0));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}, {1} token-mean, micro-batch {2}")
    @MethodSource("cases")
    void fivePpoEpochsMatchVerl(String backendName, Reference reference, int microBatch) {
        FalconH1Parameters params = FalconH1Parameters.load(DIR.resolve("initial"));
        try (Backend backend = falconh1r.kernels.TestBackendsAccess.create(backendName);
             SafetensorsFile fx = SafetensorsFile.open(DIR.resolve("trajectory.safetensors"))) {
            FalconH1 model = new FalconH1(params, backend);
            int batch = (int) fx.shape("mask")[0], width = (int) fx.shape("mask")[1];
            float[] rolloutLp = fx.floats("rollout_log_probs"), oldLp = fx.floats("old_log_probs"), rewards = fx.floats("rewards");
            List<Rollout> rollouts = new ArrayList<>();
            int[] groups = new int[batch];
            for (int b = 0; b < batch; b++) {
                groups[b] = b / 4;
                int[] response = ints(fx.longs("response." + b));
                float[] lp = java.util.Arrays.copyOfRange(rolloutLp, b * width, b * width + response.length);
                rollouts.add(new Rollout("p" + groups[b], ints(fx.longs("prompt." + groups[b])), response, lp, false, "", null, rewards[b]));
            }
            GrpoTrainer.Settings settings = new GrpoTrainer.Settings(
                    GrpoLoss.Config.FALCON_H1R.withAggregation(reference, LossAggregation.Mode.TOKEN_MEAN), GroupAdvantage.Config.VERL,
                    0.85, 5, 1, microBatch, LrSchedule.constant(1e-4), 0.1,
                    new AdamW.Settings(0.9, 0.95, 1e-8, 1.0, NonFiniteGradientPolicy.ABORT));
            GrpoTrainer trainer = new GrpoTrainer(params, model, settings);
            String tag = backendName + " " + reference + " micro " + microBatch;

            float[][] own = trainer.ownLogprobs(rollouts);
            double worstOld = 0;
            for (int b = 0; b < batch; b++) {
                Close.assertClose(tag + " old log-probs " + b, oldLp, b * width, own[b], 0, own[b].length, 1e-4, 0, null);
                for (int t = 0; t < own[b].length; t++) worstOld = Math.max(worstOld, Math.abs(own[b][t] - oldLp[b * width + t]));
            }

            GrpoTrainer.Update update = trainer.update(rollouts, rewards, groups);
            Close.assertClose(tag + " advantages", fx.floats("advantages"), update.advantages(), batch, 1e-6, 0);
            double[] losses = fx.doubles("loss"), clip = fx.doubles("pg_clipfrac"), clipLower = fx.doubles("pg_clipfrac_lower"),
                    kl = fx.doubles("ppo_kl"), norms = fx.doubles("grad_norm");
            assertEquals(losses.length, update.steps().size(), tag + " optimizer steps");
            for (int s = 0; s < losses.length; s++) {
                GrpoTrainer.Step step = update.steps().get(s);
                String at = tag + " step " + s;
                assertEquals(losses[s], step.loss(), Math.max(1e-6, 1e-4 * Math.abs(losses[s])), at + " loss");
                assertEquals(clip[s], step.metrics().pgClipfrac(), 1e-4, at + " pg_clipfrac");
                assertEquals(clipLower[s], step.metrics().pgClipfracLower(), 1e-4, at + " pg_clipfrac_lower");
                assertEquals(kl[s], step.metrics().ppoKl(), 1e-4, at + " ppo_kl");
                assertEquals(norms[s], step.gradNorm(), 1e-4 * norms[s], at + " grad norm");
                assertEquals(1e-4, step.lr(), 0, at + " lr");
            }
            double worst = 0;
            for (String name : params.names()) {
                float[] expected = fx.floats("final." + name), actual = params.get(name);
                Close.assertClose(tag + " final " + name, expected, actual, expected.length, 1e-4, 0);
                worst = Math.max(worst, Close.maxAbsDiff(expected, actual, expected.length));
            }
            System.out.printf("grpo trainer %s: old log-probs max |diff| %.3e, final parameters max |diff| %.3e%n", tag, worstOld, worst);
        }
    }

    /**
     * The trainer's log-probs of sampled responses equal the sampler's (ParallelTraces' cached
     * decode, {@code scaledLogprob}) at the sampling temperature: the rows, the shift by one and
     * the temperature line up, so on-policy TIS weights are 1 up to float rounding (1e-5).
     */
    @org.junit.jupiter.api.Test
    void ownLogprobsEqualTheSamplers() {
        FalconH1Parameters params = TinyPolicy.params(4);
        try (Backend backend = falconh1r.kernels.Backends.create("scalar", 1)) {
            FalconH1 model = new FalconH1(params, backend);
            RolloutSampler sampler = new RolloutSampler(model, TinyPolicy.codec(4, 2, 7), TinyPolicy.PREFIX,
                    falconh1r.infer.SamplingParams.temperature(0.85, 9, 0));
            List<Rollout> rollouts = new ArrayList<>(sampler.sample(TinyPolicy.problems(2, "a").get(0), 8, 3));
            rollouts.addAll(sampler.sample(TinyPolicy.problems(2, "a").get(1), 8, 4));
            GrpoTrainer trainer = new GrpoTrainer(params, model, GrpoTrainer.Settings.falconH1r(1e-6));
            float[][] own = trainer.ownLogprobs(rollouts);
            double worst = 0;
            for (int i = 0; i < rollouts.size(); i++) {
                float[] expected = rollouts.get(i).logprobs();
                Close.assertClose("rollout " + i, expected, own[i], expected.length, 1e-5, 0);
                worst = Math.max(worst, Close.maxAbsDiff(expected, own[i], expected.length));
            }
            System.out.printf("trainer vs sampler log-probs at T 0.85: max |diff| %.3e%n", worst);
        }
    }

    /**
     * Two mini-batches split the batch by whole groups into two optimizer steps per epoch, each
     * against the old log-probs of the start of the update: the first step is exactly an update on
     * the first half alone (same advantages, ρ ≡ 1), the second moves on from there with ρ ≠ 1,
     * and the schedule advances by optimizer step.
     */
    @org.junit.jupiter.api.Test
    void miniBatchesAreOptimizerStepsOverContiguousGroups() {
        List<Rollout> rollouts;
        float[] rewards;
        try (SafetensorsFile fx = SafetensorsFile.open(DIR.resolve("trajectory.safetensors"))) {
            rollouts = new ArrayList<>();
            rewards = fx.floats("rewards");
            for (int b = 0; b < 8; b++) {
                int[] response = ints(fx.longs("response." + b));
                rollouts.add(new Rollout("p", ints(fx.longs("prompt." + b / 4)), response, new float[response.length], false, "", null, rewards[b]));
            }
        }
        int[] groups = {0, 0, 0, 0, 1, 1, 1, 1};
        GrpoTrainer.Settings settings = GrpoTrainer.Settings.falconH1r(1e-3).withLoss(GrpoLoss.Config.FALCON_H1R.withTisCap(Double.POSITIVE_INFINITY))
                .withOptimizer(LrSchedule.linear(1e-3, 0, 4), 0.01, new AdamW.Settings(0.9, 0.999, 1e-8, 1.0, NonFiniteGradientPolicy.ABORT));
        try (Backend backend = falconh1r.kernels.Backends.create("scalar", 1)) {
            FalconH1Parameters split = FalconH1Parameters.load(DIR.resolve("initial")), half = FalconH1Parameters.load(DIR.resolve("initial"));
            GrpoTrainer.Update both = new GrpoTrainer(split, new FalconH1(split, backend), settings.withPpo(1, 2, 0))
                    .update(rollouts, rewards, groups);
            GrpoTrainer.Update first = new GrpoTrainer(half, new FalconH1(half, backend), settings)
                    .update(rollouts.subList(0, 4), java.util.Arrays.copyOf(rewards, 4), java.util.Arrays.copyOf(groups, 4));
            assertEquals(2, both.steps().size());
            GrpoTrainer.Step a = both.steps().get(0), b = first.steps().get(0);
            assertEquals(b.loss(), a.loss(), 1e-7, "first mini-batch loss");
            assertEquals(b.gradNorm(), a.gradNorm(), 1e-6 * b.gradNorm(), "first mini-batch grad norm");
            assertEquals(1.0, a.metrics().meanRatio(), 1e-6);
            assertEquals(1e-3, a.lr(), 0);
            assertEquals(0.75e-3, both.steps().get(1).lr(), 1e-18);
            assertTrue(Math.abs(both.steps().get(1).metrics().meanRatio() - 1) > 1e-4,
                    "the second mini-batch sees the first step's policy: " + both.steps().get(1).metrics());
            System.out.printf("mini-batches: first step loss %.9f (alone %.9f), second step mean ratio %.6f%n", a.loss(), b.loss(),
                    both.steps().get(1).metrics().meanRatio());
        }
    }

    static int[] ints(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }
}
