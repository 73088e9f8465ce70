package falconh1r.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.DoubleSupplier;

/**
 * Finite-difference gradient checks: central differences of a double-precision function, compared
 * with an analytic (float) gradient relative to the gradient's scale.
 */
public final class Gradcheck {
    /** The step of the central differences (the twins run in double, so truncation and rounding stay near 1e-10). */
    public static final double STEP = 1e-6;

    private Gradcheck() {}

    /**
     * {@code (f(p + h·e_i) − f(p − h·e_i)) / 2h} for every element i of {@code p}, which {@code f}
     * reads; each element is restored after its two evaluations.
     */
    public static double[] numeric(double[] p, DoubleSupplier f) {
        double[] g = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double keep = p[i];
            p[i] = keep + STEP;
            double plus = f.getAsDouble();
            p[i] = keep - STEP;
            double minus = f.getAsDouble();
            p[i] = keep;
            g[i] = (plus - minus) / (2 * STEP);
        }
        return g;
    }

    /**
     * Asserts {@code max |analytic − numeric| ≤ rtol · max |numeric| + 1e-7} (the floor lets an
     * all-zero gradient, e.g. of a clamped dt, be checked as zero), and prints the max |diff|.
     */
    public static void assertGradient(String what, double[] numeric, float[] analytic, double rtol) {
        if (analytic.length != numeric.length) fail(what + ": " + analytic.length + " analytic vs " + numeric.length + " numeric");
        double scale = 0, maxDiff = 0;
        int worst = 0;
        for (int i = 0; i < numeric.length; i++) {
            scale = Math.max(scale, Math.abs(numeric[i]));
            double diff = Math.abs(analytic[i] - numeric[i]);
            if (!(diff <= maxDiff)) {
                maxDiff = diff;
                worst = i;
            }
        }
        double tol = rtol * scale + 1e-7;
        System.out.printf("%s: max |diff| %.2e, scale max|g| %.2e, relative %.2e%n", what, maxDiff, scale,
                scale == 0 ? maxDiff : maxDiff / scale);
        if (!(maxDiff <= tol)) {
            fail(String.format("%s: max |diff| = %.3e > %.3e (rtol %.0e of max|g| %.3e); index %d numeric %s analytic %s",
                    what, maxDiff, tol, rtol, scale, worst, numeric[worst], analytic[worst]));
        }
    }

    /** The float array widened to double. */
    public static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}
