package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SFT cross-entropy with the token normalisations of pipeline.md §1.7 against the real verl code
 * (fixtures/losses, fixtures/make_loss_fixtures.py): verl 0.6.0's
 * {@code FSDPSFTTrainer._compute_loss_and_backward} run on 3 gloo ranks × 2 micro-batches
 * ({@code balance_dp_token} on and off), and verl 0.9.1's {@code sft_loss} (whole-batch
 * {@code batch_num_tokens}); per-token sample weights against torch's {@code cross_entropy}.
 * Tolerances in {@link Tolerances}: loss 1e-5 relative, dlogits 1e-5 of the tensor's max.
 */
class CrossEntropyTest {

    @ParameterizedTest(name = "{0}/{1} as {2}")
    @CsvSource({"verl_legacy, sft_balanced, VERL_PER_MICRO_STEP", "verl_legacy, sft_per_rank_mean, PER_RANK_MEAN",
                "verl_trl, sft_global_batch, GLOBAL_BATCH"})
    void verlSftLossAndGradient(String part, String name, TokenNormalization.Mode mode) {
        try (LossFixtures fx = LossFixtures.open(part)) {
            long[] shape = fx.shape(name + ".logits");      // [R, M, b, L-1, V]
            int ranks = (int) shape[0], micro = (int) shape[1], rows = (int) (shape[2] * shape[3]), vocab = (int) shape[4];
            float[] logits = fx.floats(name + ".logits"), dlogitsExpected = fx.floats(name + ".dlogits");
            float[] lossExpected = fx.floats(name + ".loss");
            int[] labels = fx.ints(name + ".labels");
            boolean[] mask = fx.mask(name + ".mask");
            long[][] counts = new long[ranks][micro];
            for (int r = 0; r < ranks; r++) {
                for (int k = 0; k < micro; k++) {
                    int from = (r * micro + k) * rows;
                    for (int i = from; i < from + rows; i++) if (mask[i]) counts[r][k]++;
                }
            }
            double[][] scale = TokenNormalization.scales(mode, counts);
            double worst = 0;
            for (int r = 0; r < ranks; r++) {
                for (int k = 0; k < micro; k++) {
                    int from = (r * micro + k) * rows;
                    float[] dlogits = new float[rows * vocab];
                    CrossEntropy.Result result = CrossEntropy.compute(
                            Arrays.copyOfRange(logits, from * vocab, (from + rows) * vocab), Arrays.copyOfRange(labels, from, from + rows),
                            Arrays.copyOfRange(mask, from, from + rows), null, rows, vocab, scale[r][k], dlogits);
                    String where = name + " rank " + r + " micro " + k;
                    Tolerances.scalar(where + " loss", lossExpected[r * micro + k], result.loss());
                    worst = Math.max(worst, Tolerances.gradient(where + " dlogits",
                            Arrays.copyOfRange(dlogitsExpected, from * vocab, (from + rows) * vocab), dlogits));
                }
            }
            System.out.printf("%s: max |dlogits diff| / max |dlogits| = %.2e%n", name, worst);
        }
    }

    @Test
    void sampleWeightsAgainstTorch() {
        try (LossFixtures fx = LossFixtures.open("verl_trl")) {
            String name = "ce_weighted";
            int rows = fx.info(name).get("rows").asInt(), vocab = fx.info(name).get("vocab").asInt();
            boolean[] mask = fx.mask(name + ".mask");
            long valid = 0;
            for (boolean m : mask) if (m) valid++;
            float[] dlogits = new float[rows * vocab];
            CrossEntropy.Result result = CrossEntropy.compute(fx.floats(name + ".logits"), fx.ints(name + ".labels"), mask,
                    fx.floats(name + ".weights"), rows, vocab, 1 / (valid + 1e-8), dlogits);
            Tolerances.scalar(name + " loss", fx.info(name).get("loss").asDouble(), result.loss());
            Tolerances.gradient(name + " dlogits", fx.floats(name + ".dlogits"), dlogits);
        }
    }

    @Test
    void perTokenWeightsRepeatEachSampleWeight() {
        float[] w = CrossEntropy.perToken(new float[] {1.75f, 0.5f}, 3);
        assertTrue(Arrays.equals(new float[] {1.75f, 1.75f, 1.75f, 0.5f, 0.5f, 0.5f}, w), Arrays.toString(w));
    }

    @Test
    void badInputsNameTheArgument() {
        float[] logits = {0, 1, 2, 3, 4, 5};
        int[] labels = {0, 2};
        boolean[] mask = {true, true};
        float[] d = new float[6];
        expect("logits", () -> CrossEntropy.compute(new float[] {0, Float.NaN, 2, 3, 4, 5}, labels, mask, null, 2, 3, 1, d));
        expect("logits", () -> CrossEntropy.compute(new float[] {0, Float.POSITIVE_INFINITY, 2, 3, 4, 5}, labels, mask, null, 2, 3, 1, d));
        expect("logits", () -> CrossEntropy.compute(new float[5], labels, mask, null, 2, 3, 1, d));
        expect("labels", () -> CrossEntropy.compute(logits, new int[] {0, 3}, mask, null, 2, 3, 1, d));
        expect("mask", () -> CrossEntropy.compute(logits, labels, new boolean[3], null, 2, 3, 1, d));
        expect("weights", () -> CrossEntropy.compute(logits, labels, mask, new float[] {1, Float.NaN}, 2, 3, 1, d));
        expect("weights", () -> CrossEntropy.compute(logits, labels, mask, new float[] {1, -1}, 2, 3, 1, d));
        expect("dlogits", () -> CrossEntropy.compute(logits, labels, mask, null, 2, 3, 1, new float[5]));
        expect("scale", () -> CrossEntropy.compute(logits, labels, mask, null, 2, 3, Double.NaN, d));
        // a masked row may hold padding: NaN logits and any label there are ignored
        CrossEntropy.compute(new float[] {0, 1, 2, Float.NaN, 4, 5}, new int[] {0, -100}, new boolean[] {true, false}, null, 2, 3, 1, d);
    }

    static void expect(String argument, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(argument), "message should name " + argument + ": " + e.getMessage());
    }
}
