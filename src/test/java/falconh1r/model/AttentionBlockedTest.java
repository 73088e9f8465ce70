package falconh1r.model;

import static falconh1r.testing.Close.assertClose;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The blocked attention ({@link Attention#causalBlocked}, {@link Attention#causalBackwardBlocked})
 * equals its readable twin, the row-by-row form ({@link Attention#causal},
 * {@link Attention#causalBackward}), on seeded random sequences long enough to span several blocks of
 * {@link Attention#BLOCK} query rows (with a partial last block), with GQA, left padding (forward) and
 * accumulation onto prior gradients, on the scalar and SIMD backends. Tolerance
 * {@code |Δ| ≤ 1e-5·max|expected| + 1e-6}: the two forms sum the same terms in different orders.
 */
class AttentionBlockedTest {

    static final double RTOL = 1e-5, ATOL = 1e-6;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void blockedEqualsRowByRow(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int rows = 1 + r.nextInt(3 * Attention.BLOCK), hkv = 1 + r.nextInt(3), hq = hkv * (1 + r.nextInt(3));
        int d = 1 + r.nextInt(40), padding = seed % 2 == 0 ? r.nextInt(rows + 1) : 0;
        float scale = (float) Math.pow(d, -0.5);
        float[] q = gaussian(r, rows * hq * d), k = gaussian(r, rows * hkv * d), v = gaussian(r, rows * hkv * d);
        float[] dOut = gaussian(r, q.length);
        for (String name : new String[] {"scalar", "simd"}) {
            try (Backend backend = Backends.create(name, 2)) {
                String what = name + " seed " + seed + " L" + rows + " Hq" + hq + " Hkv" + hkv + " d" + d + " padding " + padding;
                float[] expected = new float[q.length], actual = new float[q.length];
                java.util.Arrays.fill(actual, Float.NaN);                 // every output written
                Attention.causal(backend, expected, q, rows, k, v, 0, padding, hq, hkv, d, scale, new float[rows]);
                Attention.causalBlocked(backend, actual, q, rows, k, v, padding, hq, hkv, d, scale);
                close(what + " out", expected, actual);

                float[] dq = gaussian(r, q.length), dk = gaussian(r, k.length), dv = gaussian(r, v.length);
                float[] dqB = dq.clone(), dkB = dk.clone(), dvB = dv.clone();
                Attention.causalBackward(backend, dq, dk, dv, dOut, q, k, v, rows, hq, hkv, d, scale);
                Attention.causalBackwardBlocked(backend, dqB, dkB, dvB, dOut, q, k, v, rows, hq, hkv, d, scale);
                close(what + " dq", dq, dqB);
                close(what + " dk", dk, dkB);
                close(what + " dv", dv, dvB);
            }
        }
    }

    private static void close(String what, float[] expected, float[] actual) {
        double max = 0;
        for (float e : expected) max = Math.max(max, Math.abs(e));
        assertClose(what, expected, actual, expected.length, ATOL + RTOL * max, 0);
    }

    private static float[] gaussian(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
