package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import falconh1r.io.SafetensorsFile;
import falconh1r.kernels.Backend;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Parameters;
import falconh1r.testing.Close;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The llm.c check for GRPO: 5 AdamW steps of the GRPO objective on the fixed rollouts of
 * fixtures/train/grpo (make_train_fixtures.py: transformers 5.24, torch 2.9.1 and verl 0.9.1's
 * compute_grpo_outcome_advantage, compute_rollout_correction_weights and
 * compute_policy_loss_vanilla) reproduce verl's run: the advantages (1e-6), every step's loss (1e-4
 * relative to its magnitude, at least 1e-6), the clip fractions and ppo_kl (1e-4), the gradient norm
 * (1e-4 relative) and every final parameter (1e-4). Per step: each prompt + response through
 * {@link FalconH1#forwardTrain}; the rows that predict response tokens, divided by the sampling
 * temperature 0.85, gathered into a right-padded [8·T, V] batch; {@link GrpoLoss} (verl 0.9,
 * token-mean, ε 0.2/0.28, dual clip 3, TIS cap 2); its dlogits, times 1/0.85, scattered back to each
 * sequence's rows for {@link FalconH1#backward}; {@link AdamW} (lr 1e-4, clip 1.0).
 */
class GrpoTrajectoryTest {

    static final Path DIR = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "train", "grpo");
    static final float TEMPERATURE = 0.85f;
    static final int GROUP = 4;

    static Iterable<String> backends() {
        return falconh1r.kernels.TestBackendsAccess.selected();
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("backends")
    void fiveGrpoStepsMatchVerl(String backendName) {
        FalconH1Parameters params = FalconH1Parameters.load(DIR.resolve("initial"));
        int vocab = params.config().vocabSize();
        try (Backend backend = falconh1r.kernels.TestBackendsAccess.create(backendName);
             SafetensorsFile fx = SafetensorsFile.open(DIR.resolve("trajectory.safetensors"))) {
            FalconH1 model = new FalconH1(params, backend);
            float[] maskF = fx.floats("mask");
            int batch = (int) fx.shape("mask")[0], width = (int) fx.shape("mask")[1];
            int[][] prompts = {SftTrajectoryTest.ints(fx.longs("prompt.0")), SftTrajectoryTest.ints(fx.longs("prompt.1"))};
            int[][] responses = new int[batch][];
            int[] groups = new int[batch];
            for (int b = 0; b < batch; b++) {
                responses[b] = SftTrajectoryTest.ints(fx.longs("response." + b));
                groups[b] = b / GROUP;
            }
            boolean[] mask = new boolean[batch * width];
            int[] labels = new int[batch * width];
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < responses[b].length; t++) {
                    mask[b * width + t] = true;
                    labels[b * width + t] = responses[b][t];
                }
                for (int t = 0; t < width; t++) assertEquals(mask[b * width + t], maskF[b * width + t] != 0, "mask " + b);
            }
            float[] advantages = GroupAdvantage.compute(fx.floats("rewards"), groups, GroupAdvantage.Config.VERL);
            Close.assertClose("advantages", fx.floats("advantages"), advantages, batch, 1e-6, 0);

            GrpoLoss.Config config = GrpoLoss.Config.FALCON_H1R.withAggregation(Reference.VERL_0_9, LossAggregation.Mode.TOKEN_MEAN);
            AdamW adamw = new AdamW(ParameterGroups.of(params, 0.1),
                    new AdamW.Settings(0.9, 0.95, 1e-8, 1.0, NonFiniteGradientPolicy.ABORT));
            FalconH1Parameters grads = FalconH1Parameters.zeros(params.config());
            Map<String, float[]> gradMap = new LinkedHashMap<>();
            for (String name : grads.names()) gradMap.put(name, grads.get(name));
            double[] losses = fx.doubles("loss"), clip = fx.doubles("pg_clipfrac"), clipLower = fx.doubles("pg_clipfrac_lower"),
                    kl = fx.doubles("ppo_kl"), norms = fx.doubles("grad_norm");
            for (int step = 0; step < losses.length; step++) {
                // forward every sequence; gather the rows predicting response tokens, at the temperature
                FalconH1.Trace[] traces = new FalconH1.Trace[batch];
                float[] logits = new float[batch * width * vocab];
                for (int b = 0; b < batch; b++) {
                    int[] prompt = prompts[groups[b]];
                    traces[b] = model.forwardTrain(concat(prompt, responses[b]));
                    for (int t = 0; t < responses[b].length; t++) {
                        int from = (prompt.length - 1 + t) * vocab, to = (b * width + t) * vocab;
                        for (int v = 0; v < vocab; v++) logits[to + v] = traces[b].logits()[from + v] / TEMPERATURE;
                    }
                }
                float[] dlogits = new float[logits.length];
                GrpoLoss.Result result = GrpoLoss.compute(config, new GrpoLoss.Batch(logits, labels, mask, batch, width, vocab,
                        advantages, fx.floats("old_log_probs"), fx.floats("rollout_log_probs"), null, null,
                        LossAggregation.Normalizers.LOCAL), dlogits);
                String tag = backendName + " step " + step;
                assertEquals(losses[step], result.loss(), Math.max(1e-6, 1e-4 * Math.abs(losses[step])), tag + " loss");
                assertEquals(clip[step], result.metrics().pgClipfrac(), 1e-4, tag + " pg_clipfrac");
                assertEquals(clipLower[step], result.metrics().pgClipfracLower(), 1e-4, tag + " pg_clipfrac_lower");
                assertEquals(kl[step], result.metrics().ppoKl(), 1e-4, tag + " ppo_kl");
                // scatter back (chain rule of the temperature) and backward each sequence
                for (int b = 0; b < batch; b++) {
                    int[] prompt = prompts[groups[b]];
                    float[] d = new float[(prompt.length + responses[b].length) * vocab];
                    for (int t = 0; t < responses[b].length; t++) {
                        int from = (b * width + t) * vocab, to = (prompt.length - 1 + t) * vocab;
                        for (int v = 0; v < vocab; v++) d[to + v] = dlogits[from + v] / TEMPERATURE;
                    }
                    model.backward(traces[b], d, grads);
                }
                float norm = adamw.step(gradMap, 1e-4);
                model.weightsChanged();
                assertEquals(norms[step], norm, 1e-4 * norms[step], tag + " grad norm");
                for (float[] g : gradMap.values()) java.util.Arrays.fill(g, 0f);
                System.out.printf("grpo %s: loss %.7f (verl %.7f), clipfrac %.4f (verl %.4f), grad norm %.5f (torch %.5f)%n",
                        tag, result.loss(), losses[step], result.metrics().pgClipfrac(), clip[step], norm, norms[step]);
            }
            double worst = 0;
            for (String name : params.names()) {
                float[] expected = fx.floats("final." + name), actual = params.get(name);
                Close.assertClose(backendName + " final " + name, expected, actual, expected.length, 1e-4, 0);
                for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
            }
            System.out.printf("grpo on %s: final parameters max |diff| %.3e%n", backendName, worst);
        }
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
