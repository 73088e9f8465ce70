package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * pipeline.md §1.7's invariants for seeded random splits of one batch of tokens (some of them
 * masked) over R ranks × M micro-batches, each (rank, micro-batch) run through {@link CrossEntropy}
 * with its {@link TokenNormalization} scale; the step's objective is the rank average of the
 * micro-batch sums, and a token's gradient after the all-reduce is its rank's gradient / R.
 * <ul>
 *   <li>GLOBAL_BATCH equals the global token mean Σℓm/Σm, loss and every token's gradient, whatever the split;
 *   <li>VERL_PER_MICRO_STEP equals it whatever the split into ranks when M = 1, and in general is
 *       the mean over micro-steps of each step's global token mean;
 *   <li>PER_RANK_MEAN is the mean of the local token means.
 * </ul>
 * Losses agree to 1e-12 relative (double sums in a different order), or 1e-8 for the verl modes,
 * whose denominators carry verl's + 1e-8; gradients to 1e-6 of their max (they are stored as float).
 */
class TokenNormalizationTest {

    static final int VOCAB = 7;
    /** verl's denominators are N + 1e-8: relative 1e-8 / N from the exact mean. */
    static final double VERL_EPS = 1e-8;

    /** One seeded batch and a random assignment of its tokens to (rank, micro-batch). */
    record Split(int ranks, int micro, float[] logits, int[] labels, boolean[] mask, int[][] owner) {
        static Split random(long seed, int micro) {
            SplittableRandom rng = new SplittableRandom(seed);
            int tokens = 1 + rng.nextInt(60), ranks = 1 + rng.nextInt(5);
            float[] logits = new float[tokens * VOCAB];
            for (int i = 0; i < logits.length; i++) logits[i] = (float) (rng.nextGaussian() * 2);
            int[] labels = new int[tokens];
            boolean[] mask = new boolean[tokens];
            int[][] owner = new int[tokens][];
            for (int i = 0; i < tokens; i++) {
                labels[i] = rng.nextInt(VOCAB);
                mask[i] = i == 0 || rng.nextDouble() < 0.8;
                owner[i] = new int[] {rng.nextInt(ranks), rng.nextInt(micro)};
            }
            return new Split(ranks, micro, logits, labels, mask, owner);
        }

        List<Integer> tokensOf(int r, int k) {
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < owner.length; i++) if (owner[i][0] == r && owner[i][1] == k) out.add(i);
            return out;
        }
    }

    /** The step objective, per-token gradients and per-(rank, micro) results of one mode. */
    record Step(double objective, float[] dlogits, CrossEntropy.Result[][] parts) {}

    static Step run(Split s, TokenNormalization.Mode mode) {
        long[][] counts = new long[s.ranks()][s.micro()];
        for (int i = 0; i < s.mask().length; i++) if (s.mask()[i]) counts[s.owner()[i][0]][s.owner()[i][1]]++;
        double[][] scale = TokenNormalization.scales(mode, counts);
        float[] dlogits = new float[s.logits().length];
        CrossEntropy.Result[][] parts = new CrossEntropy.Result[s.ranks()][s.micro()];
        double objective = 0;
        for (int r = 0; r < s.ranks(); r++) {
            for (int k = 0; k < s.micro(); k++) {
                List<Integer> ids = s.tokensOf(r, k);
                int n = ids.size();
                if (n == 0) continue;
                float[] logits = new float[n * VOCAB], d = new float[n * VOCAB];
                int[] labels = new int[n];
                boolean[] mask = new boolean[n];
                for (int j = 0; j < n; j++) {
                    int i = ids.get(j);
                    System.arraycopy(s.logits(), i * VOCAB, logits, j * VOCAB, VOCAB);
                    labels[j] = s.labels()[i];
                    mask[j] = s.mask()[i];
                }
                parts[r][k] = CrossEntropy.compute(logits, labels, mask, null, n, VOCAB, scale[r][k], d);
                objective += parts[r][k].loss() / s.ranks();
                for (int j = 0; j < n; j++) {
                    for (int v = 0; v < VOCAB; v++) dlogits[ids.get(j) * VOCAB + v] = d[j * VOCAB + v] / s.ranks();
                }
            }
        }
        return new Step(objective, dlogits, parts);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void balancedNormalisationIsTheGlobalTokenMean(long seed) {
        Split split = Split.random(seed, 1 + (int) (seed % 4));
        long valid = 0;
        for (boolean m : split.mask()) if (m) valid++;
        float[] globalGrad = new float[split.logits().length];
        CrossEntropy.Result global = CrossEntropy.compute(split.logits(), split.labels(), split.mask(), null,
                split.mask().length, VOCAB, 1.0 / valid, globalGrad);

        Step balanced = run(split, TokenNormalization.Mode.GLOBAL_BATCH);
        assertRel("seed " + seed + " GLOBAL_BATCH loss", global.loss(), balanced.objective(), 1e-12);
        assertGrad("seed " + seed + " GLOBAL_BATCH dlogits", globalGrad, balanced.dlogits());

        Split oneStep = new Split(split.ranks(), 1, split.logits(), split.labels(), split.mask(), oneMicro(split.owner()));
        Step verlOneStep = run(oneStep, TokenNormalization.Mode.VERL_PER_MICRO_STEP);
        assertRel("seed " + seed + " VERL_PER_MICRO_STEP, M = 1, loss", global.loss(), verlOneStep.objective(), VERL_EPS);
        assertGrad("seed " + seed + " VERL_PER_MICRO_STEP, M = 1, dlogits", globalGrad, verlOneStep.dlogits());

        Step verl = run(split, TokenNormalization.Mode.VERL_PER_MICRO_STEP);
        double stepMeans = 0;
        for (int k = 0; k < split.micro(); k++) {
            double sum = 0;
            long n = 0;
            for (int r = 0; r < split.ranks(); r++) {
                CrossEntropy.Result p = verl.parts()[r][k];
                if (p != null) {
                    sum += p.lossSum();
                    n += p.validTokens();
                }
            }
            stepMeans += n == 0 ? 0 : sum / n / split.micro();
        }
        assertRel("seed " + seed + " VERL_PER_MICRO_STEP loss", stepMeans, verl.objective(), VERL_EPS);

        Step naive = run(split, TokenNormalization.Mode.PER_RANK_MEAN);
        double localMeans = 0;
        for (CrossEntropy.Result[] rank : naive.parts()) {
            for (CrossEntropy.Result p : rank) if (p != null) localMeans += p.tokenMean() / split.ranks() / split.micro();
        }
        assertRel("seed " + seed + " PER_RANK_MEAN loss", localMeans, naive.objective(), VERL_EPS);
    }

    private static int[][] oneMicro(int[][] owner) {
        int[][] out = new int[owner.length][];
        for (int i = 0; i < owner.length; i++) out[i] = new int[] {owner[i][0], 0};
        return out;
    }

    /** pipeline.md §1.7's worked example: rank 0 holds 100 tokens with loss sum 10, rank 1 holds 5 with sum 1. */
    @Test
    void workedExampleOfTheSpec() {
        long[][] counts = {{100}, {5}};
        double[] sums = {10, 1};
        double[][] balanced = TokenNormalization.scales(TokenNormalization.Mode.VERL_PER_MICRO_STEP, counts);
        double[][] naive = TokenNormalization.scales(TokenNormalization.Mode.PER_RANK_MEAN, counts);
        double balancedObjective = (sums[0] * balanced[0][0] + sums[1] * balanced[1][0]) / 2;
        double naiveObjective = (sums[0] * naive[0][0] + sums[1] * naive[1][0]) / 2;
        assertEquals(11.0 / 105, balancedObjective, 1e-9);
        assertEquals((10.0 / 100 + 1.0 / 5) / 2, naiveObjective, 1e-9);
        assertEquals(2 * 10.0 / 105, sums[0] * balanced[0][0], 1e-9);     // rank 0's own loss: R · S / N
    }

    @Test
    void badCountsAreRefused() {
        CrossEntropyTest.expect("validTokens", () -> TokenNormalization.scales(TokenNormalization.Mode.GLOBAL_BATCH, new long[][] {{1, 2}, {3}}));
        CrossEntropyTest.expect("validTokens", () -> TokenNormalization.scales(TokenNormalization.Mode.GLOBAL_BATCH, new long[][] {{1, -2}}));
        CrossEntropyTest.expect("validTokens", () -> TokenNormalization.scales(TokenNormalization.Mode.GLOBAL_BATCH, new long[][] {{0, 0}, {0, 0}}));
        CrossEntropyTest.expect("ranks", () -> TokenNormalization.scales(TokenNormalization.Mode.GLOBAL_BATCH, new long[0][]));
        // an empty step is fine per micro-step: 0 / (0 + 1e-8)
        double[][] s = TokenNormalization.scales(TokenNormalization.Mode.VERL_PER_MICRO_STEP, new long[][] {{0, 4}, {0, 2}});
        assertTrue(s[0][0] == 2 / 1e-8 / 2 && s[1][1] == 2 / (6 + 1e-8) / 2, java.util.Arrays.deepToString(s));
    }

    static void assertRel(String what, double expected, double actual, double rtol) {
        double diff = Math.abs(actual - expected);
        assertTrue(diff <= rtol * Math.abs(expected) + 1e-15, what + ": expected " + expected + " but was " + actual + ", |diff| " + diff);
    }

    static void assertGrad(String what, float[] expected, float[] actual) {
        double max = 0;
        for (float e : expected) max = Math.max(max, Math.abs(e));
        falconh1r.testing.Close.assertClose(what, expected, actual, expected.length, 1e-6 * max, 0);
    }
}
