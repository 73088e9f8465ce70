package falconh1r.train;

import static org.junit.jupiter.api.Assertions.fail;

import falconh1r.testing.Close;

/**
 * The losses' parity tolerances: a scalar within {@code 1e-5·|expected|} (plus 1e-7 for values near
 * 0), and a gradient [rows, V] within {@code 1e-5} of the scale of each row, the larger of its own
 * max |expected| and 1e-3 of the tensor's (so a row that carries a clipped token's ~1e-9 gradient
 * is held to the tensor's scale, not to its own).
 */
final class Tolerances {
    static final double RTOL = 1e-5;

    private Tolerances() {}

    static void scalar(String what, double expected, double actual) {
        double diff = Math.abs(actual - expected);
        if (!(diff <= RTOL * Math.abs(expected) + 1e-7)) {
            fail(String.format("%s: expected %.9g but was %.9g, |diff| %.3e (tolerance 1e-5 relative + 1e-7)", what, expected, actual, diff));
        }
    }

    /** Asserts and returns the max |diff| relative to the tensor's max |expected|, for reports. */
    static double gradient(String what, float[] expected, float[] actual, int vocab) {
        double tensorMax = 0;
        for (float e : expected) tensorMax = Math.max(tensorMax, Math.abs(e));
        double[] scale = new double[expected.length];
        for (int r = 0; r < expected.length / vocab; r++) {
            double rowMax = 0;
            for (int v = 0; v < vocab; v++) rowMax = Math.max(rowMax, Math.abs(expected[r * vocab + v]));
            java.util.Arrays.fill(scale, r * vocab, (r + 1) * vocab, Math.max(rowMax, 1e-3 * tensorMax));
        }
        if (actual.length != expected.length) fail(what + ": " + actual.length + " values, expected " + expected.length);
        Close.assertClose(what, expected, 0, actual, 0, expected.length, 0, RTOL, scale);
        return tensorMax == 0 ? 0 : Close.maxAbsDiff(expected, actual, expected.length) / tensorMax;
    }
}
