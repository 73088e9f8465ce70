package falconh1r.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.io.SafetensorsFile;
import falconh1r.model.FalconH1Parameters;
import falconh1r.testing.Close;
import falconh1r.train.AdamW;
import falconh1r.train.NonFiniteGradientPolicy;
import falconh1r.train.ParameterGroups;
import falconh1r.train.TokenNormalization;
import falconh1r.tokenizer.ChatMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link DataParallel}, the balanced token normalisation of pipeline.md §1.7 over simulated ranks:
 * <ul>
 *   <li>torch parity: the 10 steps of fixtures/train/sft (transformers' FalconH1ForCausalLM, the
 *       global token mean with per-sample weights, AdamW at the recorded lrs; make_train_fixtures.py) run as 1 rank × 3
 *       micro-batches, 3 ranks × 1 and packed, all GLOBAL_BATCH, reproduce torch's losses, gradient
 *       norms and final weights with SftTrajectoryTest's tolerances (1e-4 relative, 1e-4 absolute);
 *   <li>R = 2 ranks × M = 2 micro-batches gives the gradients of R = 1 × M = 1 on the same batch in
 *       GLOBAL_BATCH mode (to float summation order), while verl's per-micro-step and the naive
 *       per-rank mean differ from them by far more;
 *   <li>the result does not depend on thread timing: two runs give the same bits.
 * </ul>
 */
class DataParallelTest {
    static final Path SFT = SftFixtures.fixtures().resolve("train").resolve("sft");

    static Map<String, float[]> map(FalconH1Parameters p) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (String name : p.names()) m.put(name, p.get(name));
        return m;
    }

    @ParameterizedTest(name = "{0} ranks x {1} micro-batches, pack {2}")
    @CsvSource({"1, 3, false", "3, 1, false", "1, 0, true"})
    void torchTrajectoryOnAnyLayout(int ranks, int micro, boolean pack) {
        FalconH1Parameters params = FalconH1Parameters.load(SFT.resolve("initial"));
        FalconH1Parameters grads = FalconH1Parameters.zeros(params.config());
        AdamW adamw = new AdamW(ParameterGroups.of(params, 0.1), new AdamW.Settings(0.9, 0.95, 1e-8, 1.0, NonFiniteGradientPolicy.ABORT));
        String tag = ranks + "x" + micro + (pack ? " packed" : "");
        try (SafetensorsFile fx = SafetensorsFile.open(SFT.resolve("trajectory.safetensors"));
             DataParallel dp = new DataParallel(params, ranks, "scalar", 1)) {
            double[] losses = fx.doubles("loss"), norms = fx.doubles("grad_norm"), lrs = fx.doubles("lr");
            for (int step = 0; step < losses.length; step++) {
                float[] weights = fx.floats("batch." + step + ".weight");
                List<SampleStream.Sample> batch = new ArrayList<>();
                for (int b = 0; b < weights.length; b++) {
                    long[] ids = fx.longs("batch." + step + ".ids." + b);
                    float[] mask = fx.floats("batch." + step + ".mask." + b);   // mask[t]: label ids[t+1] counts
                    boolean[] targets = new boolean[ids.length];
                    for (int t = 0; t < mask.length; t++) targets[t + 1] = mask[t] != 0;
                    batch.add(new SampleStream.Sample(Arrays.stream(ids).mapToInt(Math::toIntExact).toArray(), targets, weights[b],
                            new SampleStream.Ref(0, b, b + 1)));
                }
                var layout = pack ? MicroBatches.pack(batch, ranks, 32) : MicroBatches.split(batch, ranks, micro);
                DataParallel.Result r = dp.gradients(layout, TokenNormalization.Mode.GLOBAL_BATCH, grads);
                assertEquals(losses[step], r.loss(), 1e-4 * Math.abs(losses[step]), tag + " step " + step + " loss");
                float norm = adamw.step(map(grads), lrs[step]);
                dp.weightsChanged();
                assertEquals(norms[step], norm, 1e-4 * norms[step], tag + " step " + step + " grad norm");
            }
            double worst = 0;
            for (String name : params.names()) {
                float[] expected = fx.floats("final." + name), actual = params.get(name);
                Close.assertClose(tag + " final " + name, expected, actual, expected.length, 1e-4, 0);
                for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
            }
            System.out.printf("data parallel %s vs torch: final parameters max |diff| %.3e%n", tag, worst);
        }
    }

    /** Four samples of 3 to 40-odd target tokens, so that ranks and micro-steps hold very different counts. */
    static List<SampleStream.Sample> unevenBatch() {
        SampleEncoder enc = new SampleEncoder(SftFixtures.tokenizer(), "<|begin_of_text|>", SampleEncoder.LossMask.LAST, 512,
                SftFixtures.tokenizer().vocabSize());
        String[][] turns = {
            {"What is 2+2?", "Two plus two: count 2, then 2 more, 3, 4. So the sum is four, written as 4.", "\\boxed{4}"},
            {"Hi", null, "Hello!"},
            {"Name a prime.", "Primes have two divisors; 7 has 1 and 7 only.", "7"},
            {"Is 9 odd?", null, "Yes, nine is odd."},
        };
        List<SampleStream.Sample> out = new ArrayList<>();
        for (int i = 0; i < turns.length; i++) {
            Conversation c = new Conversation(List.of(ChatMessage.user(turns[i][0]), new ChatMessage("assistant", turns[i][2], turns[i][1])),
                    null, null, null);
            SampleEncoder.Encoded e = enc.encode(c);
            out.add(new SampleStream.Sample(e.ids(), e.targets(), 1f, new SampleStream.Ref(0, i, i + 1)));
        }
        return out;
    }

    static float[][] gradients(List<SampleStream.Sample> batch, int ranks, int micro, TokenNormalization.Mode mode, double[] lossOut) {
        FalconH1Parameters params = SftFixtures.tinyModel(5);
        FalconH1Parameters grads = FalconH1Parameters.zeros(params.config());
        try (DataParallel dp = new DataParallel(params, ranks, "scalar", 1)) {
            DataParallel.Result r = dp.gradients(MicroBatches.split(batch, ranks, micro), mode, grads);
            lossOut[0] = r.loss();
        }
        List<float[]> out = new ArrayList<>();
        for (String name : grads.names()) out.add(grads.get(name));
        return out.toArray(float[][]::new);
    }

    static float[][] gradients(int ranks, int micro, TokenNormalization.Mode mode, double[] lossOut) {
        return gradients(unevenBatch(), ranks, micro, mode, lossOut);
    }

    static double maxDiff(float[][] a, float[][] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]));
        }
        return worst;
    }

    static double maxAbs(float[][] a) {
        double m = 0;
        for (float[] x : a) for (float v : x) m = Math.max(m, Math.abs(v));
        return m;
    }

    @Test
    void twoRanksTwoMicroBatchesEqualOneBigBatchOnlyWhenBalanced() {
        double[] single = new double[1], split = new double[1], verl = new double[1], naive = new double[1];
        float[][] reference = gradients(1, 1, TokenNormalization.Mode.GLOBAL_BATCH, single);
        float[][] balanced = gradients(2, 2, TokenNormalization.Mode.GLOBAL_BATCH, split);
        float[][] perMicroStep = gradients(2, 2, TokenNormalization.Mode.VERL_PER_MICRO_STEP, verl);
        float[][] perRank = gradients(2, 2, TokenNormalization.Mode.PER_RANK_MEAN, naive);
        double scale = maxAbs(reference), tol = 1e-6 * scale;
        double dBalanced = maxDiff(reference, balanced), dVerl = maxDiff(reference, perMicroStep), dNaive = maxDiff(reference, perRank);
        System.out.printf("2x2 vs 1x1 gradients, max |g| %.3e: global batch |diff| %.3e, verl per micro-step %.6e, per-rank mean %.6e (objectives %.6f %.6f %.6f %.6f)%n",
                scale, dBalanced, dVerl, dNaive, single[0], split[0], verl[0], naive[0]);
        assertTrue(dBalanced <= tol, "GLOBAL_BATCH 2x2 vs 1x1 max |diff| " + dBalanced + " > " + tol);
        assertEquals(single[0], split[0], 1e-12 * single[0], "the objective");
        assertTrue(dVerl > 1000 * tol, "verl's per-micro-step normalisation should differ: " + dVerl);
        assertTrue(dNaive > 1000 * tol, "the per-rank mean should differ: " + dNaive);
        assertTrue(maxDiff(perMicroStep, perRank) > 1000 * tol, "verl's and the per-rank mean differ from each other too");
    }

    /**
     * Every mode against its definition: with ∇S_s the gradient of sample s's loss sum (from a
     * one-sample GLOBAL_BATCH run, whose scale is 1/n_s), the 2 × 2 step must give
     * (1/R) Σ_{r,k} scale[r][k] ∇S_(r,k), scale from {@link TokenNormalization#scales}.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TokenNormalization.Mode.class)
    void eachModeIsItsFormula(TokenNormalization.Mode mode) {
        List<SampleStream.Sample> batch = unevenBatch();
        long[][] n = new long[2][2];
        float[][][] sampleSums = new float[4][][];
        double[] loss = new double[1];
        for (int s = 0; s < 4; s++) {
            n[s / 2][s % 2] = DataParallel.targets(batch.get(s));
            sampleSums[s] = gradients(List.of(batch.get(s)), 1, 1, TokenNormalization.Mode.GLOBAL_BATCH, loss);
            for (float[] g : sampleSums[s]) for (int i = 0; i < g.length; i++) g[i] *= n[s / 2][s % 2];
        }
        double[][] scale = TokenNormalization.scales(mode, n);
        float[][] got = gradients(batch, 2, 2, mode, loss);
        float[][] expected = new float[got.length][];
        for (int t = 0; t < got.length; t++) {
            expected[t] = new float[got[t].length];
            for (int i = 0; i < got[t].length; i++) {
                double sum = 0;
                for (int s = 0; s < 4; s++) sum += scale[s / 2][s % 2] * sampleSums[s][t][i];
                expected[t][i] = (float) (sum / 2);
            }
        }
        double d = maxDiff(expected, got), tol = 1e-5 * maxAbs(expected);
        System.out.printf("%s with target tokens %s: max |diff| from the formula %.3e (max |g| %.3e)%n", mode, Arrays.deepToString(n), d, maxAbs(expected));
        assertTrue(d <= tol, mode + ": max |diff| " + d + " > " + tol);
    }

    @Test
    void threadTimingDoesNotChangeTheBits() {
        double[] loss = new double[1];
        float[][] a = gradients(2, 1, TokenNormalization.Mode.GLOBAL_BATCH, loss);
        float[][] b = gradients(2, 1, TokenNormalization.Mode.GLOBAL_BATCH, loss);
        for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i]);
    }
}
