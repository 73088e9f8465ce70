package falconh1r.train;

import static org.junit.jupiter.api.Assertions.fail;

import falconh1r.testing.Close;

/**
 * The losses' parity tolerances: a scalar within {@code 1e-5·|expected|} (plus 1e-7 for values near
 * 0), and a gradient within {@code 1e-5} of the tensor's scale, its max |expected|. (Not of each
 * element or row: where a row's gradient comes from a cancellation such as k3's 1 − exp(ref − logp),
 * torch's float32 reference itself is off by more than 1e-5 of that row; a float64 rerun of the
 * reference agrees with the Java double computation there.)
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
    static double gradient(String what, float[] expected, float[] actual) {
        if (actual.length != expected.length) fail(what + ": " + actual.length + " values, expected " + expected.length);
        double scale = 0;
        for (float e : expected) scale = Math.max(scale, Math.abs(e));
        Close.assertClose(what, expected, actual, expected.length, RTOL * scale, 0);
        return scale == 0 ? 0 : Close.maxAbsDiff(expected, actual, expected.length) / scale;
    }
}
