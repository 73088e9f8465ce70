package falconh1r.model;

import static falconh1r.testing.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;

import falconh1r.kernels.Backend;
import falconh1r.kernels.ScalarBackend;
import falconh1r.testing.Gradcheck;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link CausalConv1d}: the decode step over a rolling window equals the full convolution, both from
 * an empty window and after a prefill ({@link CausalConv1d#fillWindow}); the full convolution equals
 * its definition written out with explicit zero padding. Tolerance {@code |Δ| ≤ 1e-6 + 1e-6·|expected|}
 * (all three sum the same products in the same order; the tolerance is headroom, not needed today).
 * The backward matches finite differences.
 */
class CausalConv1dTest {

    /** The conv's elementwise products are bitwise the same on every backend (SimdBackendTest). */
    static final Backend BACKEND = new ScalarBackend();

    @ParameterizedTest(name = "seed={0} L={1} C={2} K={3} prefill={4} bias={5}")
    @CsvSource({
            "1, 9, 5, 4, 0, true",
            "2, 9, 5, 4, 3, true",     // prefill shorter than K: zero-padded window
            "3, 12, 7, 4, 6, false",
            "4, 3, 3, 4, 2, true",     // L < K
            "5, 8, 4, 1, 5, true",     // K = 1
            "6, 20, 11, 3, 20, true",  // everything prefilled
    })
    void steppingEqualsTheFullConvolution(long seed, int length, int channels, int kernel, int prefill, boolean withBias) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = gauss(r, length * channels), weight = gauss(r, channels * kernel);
        float[] bias = withBias ? gauss(r, channels) : null;
        String what = "seed=" + seed + " L=" + length + " K=" + kernel + " prefill=" + prefill;

        float[] full = new float[length * channels];
        CausalConv1d.forward(BACKEND, x, length, channels, weight, kernel, bias, full);
        assertClose(what + " forward vs definition", definition(x, length, channels, weight, kernel, bias), full,
                full.length, 1e-6, 1e-6);

        float[] stepped = new float[length * channels], window = new float[channels * kernel];
        float[] head = new float[prefill * channels];
        System.arraycopy(x, 0, head, 0, head.length);
        CausalConv1d.forward(BACKEND, head, prefill, channels, weight, kernel, bias, stepped);
        CausalConv1d.fillWindow(head, prefill, channels, kernel, window);
        float[] xt = new float[channels], out = new float[channels];
        for (int t = prefill; t < length; t++) {
            System.arraycopy(x, t * channels, xt, 0, channels);
            CausalConv1d.step(xt, channels, weight, kernel, bias, window, out);
            System.arraycopy(out, 0, stepped, t * channels, channels);
        }
        assertClose(what + " stepped vs forward", full, stepped, full.length, 1e-6, 1e-6);
    }

    /**
     * {@link CausalConv1d#backward} against central differences of {@link MambaTwin#conv} (torch's
     * {@code F.conv1d} with padding K-1, in double) for {@code Σ R·out}: dx, dWeight, dBias within
     * {@code 1e-4 · max|g|}.
     */
    @ParameterizedTest(name = "seed={0} L={1} C={2} K={3} bias={4}")
    @CsvSource({
            "11, 9, 5, 4, true",
            "12, 3, 4, 4, false",      // L < K
            "13, 6, 3, 1, true",       // K = 1
            "14, 12, 7, 3, true",
    })
    void backwardMatchesFiniteDifferences(long seed, int length, int channels, int kernel, boolean withBias) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = gauss(r, length * channels), weight = gauss(r, channels * kernel);
        float[] bias = withBias ? gauss(r, channels) : null, dOut = gauss(r, length * channels);
        float[] dx = new float[x.length], dWeight = new float[weight.length], dBias = withBias ? new float[channels] : null;
        CausalConv1d.backward(BACKEND, dOut, x, length, channels, weight, kernel, dx, dWeight, dBias);

        double[] xd = Gradcheck.widen(x), wd = Gradcheck.widen(weight), bd = withBias ? Gradcheck.widen(bias) : null;
        double[] rr = Gradcheck.widen(dOut);
        DoubleSupplier f = () -> {
            double[] out = MambaTwin.conv(xd, length, channels, wd, kernel, bd);
            double sum = 0;
            for (int i = 0; i < out.length; i++) sum += rr[i] * out[i];
            return sum;
        };
        String what = "CausalConv1dTest seed=" + seed + " L=" + length + " K=" + kernel;
        Gradcheck.assertGradient(what + " dx", Gradcheck.numeric(xd, f), dx, 1e-4);
        Gradcheck.assertGradient(what + " dWeight", Gradcheck.numeric(wd, f), dWeight, 1e-4);
        if (withBias) Gradcheck.assertGradient(what + " dBias", Gradcheck.numeric(bd, f), dBias, 1e-4);
    }

    @Test
    void rejectsShortArrays() {
        assertThrows(IllegalArgumentException.class,
                () -> CausalConv1d.forward(BACKEND, new float[5], 2, 3, new float[12], 4, null, new float[6]));
        assertThrows(IllegalArgumentException.class,
                () -> CausalConv1d.step(new float[3], 3, new float[12], 4, new float[2], new float[12], new float[3]));
        assertThrows(IllegalArgumentException.class,
                () -> CausalConv1d.fillWindow(new float[6], 2, 3, 4, new float[11]));
        assertThrows(IllegalArgumentException.class, () -> CausalConv1d.backward(BACKEND, new float[6], new float[6], 2, 3,
                new float[12], 4, new float[6], new float[11], null));
    }

    /** out[t, c] = bias[c] + Σ_k w[c, k]·xpad[t + k, c], xpad = K-1 zeros then x (torch's padding=K-1). */
    private static float[] definition(float[] x, int length, int channels, float[] w, int kernel, float[] bias) {
        float[] xpad = new float[(length + kernel - 1) * channels];
        System.arraycopy(x, 0, xpad, (kernel - 1) * channels, length * channels);
        float[] out = new float[length * channels];
        for (int t = 0; t < length; t++) {
            for (int c = 0; c < channels; c++) {
                float acc = bias == null ? 0f : bias[c];
                for (int k = 0; k < kernel; k++) acc += w[c * kernel + k] * xpad[(t + k) * channels + c];
                out[t * channels + c] = acc;
            }
        }
        return out;
    }

    private static float[] gauss(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }
}
