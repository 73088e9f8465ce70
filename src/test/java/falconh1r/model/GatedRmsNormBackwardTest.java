package falconh1r.model;

import falconh1r.testing.Gradcheck;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link GatedRmsNorm#backward} against central differences of {@link MambaTwin#gatedNorm}
 * ({@code FalconH1RMSNormGated} in double) for {@code Σ R·out}: dy, dz and dWeight within
 * {@code 1e-4 · max|g|}, for both gate orders and 1 to 3 groups.
 */
class GatedRmsNormBackwardTest {

    @ParameterizedTest(name = "seed={0} rows={1} dim={2} groups={3} normBeforeGate={4}")
    @CsvSource({
            "1, 3, 12, 1, false",
            "2, 3, 12, 2, false",
            "3, 2, 12, 3, true",
            "4, 4, 8, 1, true",
            "5, 2, 16, 2, true",
    })
    void backwardMatchesFiniteDifferences(long seed, int rows, int dim, int groups, boolean normBeforeGate) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] y = gauss(r, rows * dim, 2), z = gauss(r, rows * dim, 2), w = gauss(r, dim, 1), dOut = gauss(r, rows * dim, 1);
        for (int i = 0; i < dim; i++) w[i] += 1f;
        float eps = 1e-5f;
        float[] dy = new float[y.length], dz = new float[z.length], dw = new float[dim];
        GatedRmsNorm.backward(dOut, y, z, rows, dim, groups, w, eps, normBeforeGate, dy, dz, dw);

        double[] yd = Gradcheck.widen(y), zd = Gradcheck.widen(z), wd = Gradcheck.widen(w), rr = Gradcheck.widen(dOut);
        DoubleSupplier f = () -> {
            double[] out = MambaTwin.gatedNorm(yd, zd, rows, dim, groups, wd, eps, normBeforeGate);
            double sum = 0;
            for (int i = 0; i < out.length; i++) sum += rr[i] * out[i];
            return sum;
        };
        String what = "GatedRmsNormBackwardTest seed=" + seed + " G=" + groups + " normBeforeGate=" + normBeforeGate;
        Gradcheck.assertGradient(what + " dy", Gradcheck.numeric(yd, f), dy, 1e-4);
        Gradcheck.assertGradient(what + " dz", Gradcheck.numeric(zd, f), dz, 1e-4);
        Gradcheck.assertGradient(what + " dWeight", Gradcheck.numeric(wd, f), dw, 1e-4);
    }

    private static float[] gauss(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (scale * r.nextGaussian());
        return v;
    }
}
