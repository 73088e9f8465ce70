package falconh1r.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Shared by the backward tests: tiny configs, seeded random tensors, central differences, and the
 * gradient comparison {@code max |diff| ≤ rtol · max |expected|} (relative to the gradient's scale,
 * since single elements of a gradient can be near zero by cancellation). Every comparison prints its
 * max |diff| and scale.
 */
final class GradientChecks {
    private GradientChecks() {}

    /**
     * A config of {@code fields} (JSON members) over tiny defaults for what the test does not name
     * (the vocabulary, the MLP, the Mamba sizes; one layer).
     */
    static FalconH1Config config(String fields) {
        ObjectNode json = (ObjectNode) read("""
                {"vocab_size": 8, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
                 "num_key_value_heads": 2, "head_dim": 4, "mamba_d_ssm": 8, "mamba_n_heads": 2,
                 "mamba_d_state": 2, "mamba_d_conv": 2}""");
        json.setAll((ObjectNode) read("{" + fields + "}"));
        return FalconH1Config.parse(json.toString(), "test config");
    }

    private static JsonNode read(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad test config JSON: " + json, e);
        }
    }

    /** {@code String.format} in the root locale (JSON needs '.' decimals). */
    static String json(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    static float[] gaussian(SplittableRandom random, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (std * random.nextGaussian());
        return v;
    }

    static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /**
     * {@code ∂f/∂θᵢ} for every element of {@code theta} by central differences in double
     * ({@code (f(θ+h) − f(θ−h)) / 2h}, h = 1e-5·max(1, |θᵢ|)); theta is perturbed in place and restored.
     */
    static double[] numericGradient(double[] theta, DoubleSupplier f) {
        double[] g = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            double t = theta[i], h = 1e-5 * Math.max(1, Math.abs(t));
            theta[i] = t + h;
            double plus = f.getAsDouble();
            theta[i] = t - h;
            double minus = f.getAsDouble();
            theta[i] = t;
            g[i] = (plus - minus) / (2 * h);
        }
        return g;
    }

    /** {@code max |actual − expected| ≤ rtol · max |expected|} (and exact when expected is all zeros). */
    static void assertGradient(String what, double[] expected, float[] actual, double rtol) {
        assertTrue(expected.length == actual.length, what + ": " + actual.length + " values, expected " + expected.length);
        double scale = 0, maxDiff = 0;
        int worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            double diff = Math.abs(actual[i] - expected[i]);
            if (!(diff <= maxDiff)) {
                maxDiff = diff;
                worst = i;
            }
        }
        System.out.printf(Locale.ROOT, "%s: max |diff| %.3e, scale %.3e%n", what, maxDiff, scale);
        double tolerance = rtol * scale;
        assertTrue(maxDiff <= tolerance, String.format(Locale.ROOT,
                "%s: max |diff| = %.3e > %.1e · scale %.3e; worst index %d expected %s but was %s",
                what, maxDiff, rtol, scale, worst, expected[worst], actual[worst]));
    }

    static void assertGradient(String what, float[] expected, float[] actual, double rtol) {
        assertGradient(what, widen(expected), actual, rtol);
    }
}
