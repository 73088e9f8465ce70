package falconh1r.testing;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Element-wise comparison with an absolute + relative tolerance, {@code |a−e| ≤ atol + rtol·|e|}
 * (llm.c's {@code tol + |ref|·eps}). NaN must match NaN and infinities must match exactly. On
 * failure the message gives the case (with its seed), the worst index and the max |diff|.
 */
public final class Close {
    private Close() {}

    /** The largest {@code |a−e|} over the first {@code n} elements, ignoring NaN and infinite pairs (for reports). */
    public static double maxAbsDiff(float[] expected, float[] actual, int n) {
        double max = 0;
        for (int i = 0; i < n; i++) {
            double diff = Math.abs((double) actual[i] - expected[i]);
            if (Double.isFinite(diff)) max = Math.max(max, diff);
        }
        return max;
    }

    public static void assertClose(String what, float[] expected, float[] actual, int n, double atol, double rtol) {
        assertClose(what, expected, 0, actual, 0, n, atol, rtol, null);
    }

    /**
     * As above with a per-element scale: {@code |a−e| ≤ atol + rtol·scale[i]} (for dot products,
     * {@code scale[i] = Σ|aⱼ·bⱼ|}, the quantity float rounding error is proportional to).
     */
    public static void assertClose(String what, float[] expected, int eOff, float[] actual, int aOff, int n,
                            double atol, double rtol, double[] scale) {
        double maxDiff = 0;
        int worst = -1;
        for (int i = 0; i < n; i++) {
            float e = expected[eOff + i], a = actual[aOff + i];
            if (Float.isNaN(e) || Float.isNaN(a)) {
                if (Float.isNaN(e) != Float.isNaN(a)) {
                    fail(what + ": index " + i + " expected " + e + " but was " + a + " (NaN mismatch)");
                }
                continue;
            }
            if (Float.isInfinite(e) || Float.isInfinite(a)) {
                if (e != a) fail(what + ": index " + i + " expected " + e + " but was " + a + " (infinity mismatch)");
                continue;
            }
            double diff = Math.abs((double) a - e);
            double tol = atol + rtol * (scale == null ? Math.abs(e) : scale[i]);
            if (diff > tol && (worst < 0 || diff > maxDiff)) worst = i;
            maxDiff = Math.max(maxDiff, diff);
        }
        if (worst >= 0) {
            fail(String.format("%s: max |diff| = %.3e; worst index %d expected %s but was %s (atol %.1e, rtol %.1e)",
                    what, maxDiff, worst, expected[eOff + worst], actual[aOff + worst], atol, rtol));
        }
    }
}
