package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import falconh1r.io.SafetensorsFile;
import falconh1r.kernels.Backend;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Parameters;
import falconh1r.testing.Close;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The llm.c check for SFT: 10 AdamW steps of the Java model, loss and optimizer on the fixed data of
 * fixtures/train/sft (written by fixtures/make_train_fixtures.py with transformers 5.24 and torch
 * 2.9.1) reproduce torch's run: every step's loss within 1e-4 relative, the gradient norm before
 * clipping within 1e-4 relative, the learning rate exactly (1e-12), and every final parameter within
 * 1e-4 (absolute; the weights are O(1)). Each step: per sequence, {@link FalconH1#forwardTrain},
 * {@link CrossEntropy} over the L−1 next-token predictions with the recorded mask and sample weight,
 * scaled by 1 / (the batch's masked tokens) (the global token mean), {@link FalconH1#backward}; then
 * {@link AdamW#step} with clipping at 1.0 and the lr of {@link LrSchedule#linear}(1e-3, 2, 10), and
 * {@link FalconH1#weightsChanged} (the opencl backend re-uploads its resident weights).
 */
class SftTrajectoryTest {

    static final Path DIR = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "train", "sft");
    static final double LOSS_RTOL = 1e-4, PARAM_ATOL = 1e-4;

    static Iterable<String> backends() {
        return falconh1r.kernels.TestBackendsAccess.selected();
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("backends")
    void tenAdamWStepsMatchTorch(String backendName) {
        FalconH1Parameters params = FalconH1Parameters.load(DIR.resolve("initial"));
        int vocab = params.config().vocabSize();
        try (Backend backend = falconh1r.kernels.TestBackendsAccess.create(backendName);
             SafetensorsFile fx = SafetensorsFile.open(DIR.resolve("trajectory.safetensors"))) {
            FalconH1 model = new FalconH1(params, backend);
            AdamW adamw = new AdamW(ParameterGroups.of(params, 0.1),
                    new AdamW.Settings(0.9, 0.95, 1e-8, 1.0, NonFiniteGradientPolicy.ABORT));
            LrSchedule schedule = LrSchedule.linear(1e-3, 2, 10);
            double[] losses = fx.doubles("loss"), lrs = fx.doubles("lr"), norms = fx.doubles("grad_norm");
            FalconH1Parameters grads = FalconH1Parameters.zeros(params.config());
            Map<String, float[]> gradMap = new LinkedHashMap<>();
            for (String name : grads.names()) gradMap.put(name, grads.get(name));
            for (int step = 0; step < losses.length; step++) {
                float[] weights = fx.floats("batch." + step + ".weight");
                long tokens = 0;
                for (int b = 0; b < weights.length; b++) {
                    for (float m : fx.floats("batch." + step + ".mask." + b)) tokens += m != 0 ? 1 : 0;
                }
                double loss = 0;
                for (int b = 0; b < weights.length; b++) {
                    int[] ids = ints(fx.longs("batch." + step + ".ids." + b));
                    float[] maskF = fx.floats("batch." + step + ".mask." + b);
                    int rows = ids.length - 1;
                    boolean[] mask = new boolean[rows];
                    float[] w = new float[rows];
                    for (int t = 0; t < rows; t++) {
                        mask[t] = maskF[t] != 0;
                        w[t] = weights[b];
                    }
                    FalconH1.Trace trace = model.forwardTrain(ids);
                    float[] dPredictions = new float[rows * vocab];
                    CrossEntropy.Result r = CrossEntropy.compute(Arrays.copyOf(trace.logits(), rows * vocab),
                            Arrays.copyOfRange(ids, 1, ids.length), mask, w, rows, vocab, 1.0 / tokens, dPredictions);
                    loss += r.loss();
                    model.backward(trace, Arrays.copyOf(dPredictions, ids.length * vocab), grads);  // the last position predicts nothing
                }
                String tag = backendName + " step " + step;
                assertEquals(losses[step], loss, LOSS_RTOL * Math.abs(losses[step]), tag + " loss");
                double lr = schedule.lr(step);
                assertEquals(lrs[step], lr, 1e-12 * lrs[step] + 1e-300, tag + " lr");
                float norm = adamw.step(gradMap, lr);
                model.weightsChanged();
                assertEquals(norms[step], norm, LOSS_RTOL * norms[step], tag + " grad norm");
                for (float[] g : gradMap.values()) Arrays.fill(g, 0f);
                System.out.printf("sft %s: loss %.6f (torch %.6f), grad norm %.5f (torch %.5f)%n", tag, loss, losses[step],
                        norm, norms[step]);
            }
            double worst = 0;
            for (String name : params.names()) {
                float[] expected = fx.floats("final." + name), actual = params.get(name);
                Close.assertClose(backendName + " final " + name, expected, actual, expected.length, PARAM_ATOL, 0);
                for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
            }
            System.out.printf("sft on %s: final parameters max |diff| %.3e%n", backendName, worst);
        }
    }

    static int[] ints(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }
}
