package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link AdamW} beyond the torch fixtures ({@link AdamWFixtureTest}): non-finite gradients never
 * touch weights or state (skipped with a warning and a count, or aborted), bad arguments are
 * refused before anything changes, and Adam's defining property on seeded random cases.
 */
class AdamWTest {
    static final AdamW.Settings SKIP = new AdamW.Settings(0.9, 0.95, 1e-8, 1.0, NonFiniteGradientPolicy.SKIP);

    static final String MATRIX = "model.layers.0.mamba.out_proj.weight";
    static final String NORM = "model.layers.0.input_layernorm.weight";

    /** Seeded random tensors: a [7,5] matrix and a 37-element one (decayed), a norm weight (not decayed). */
    static Map<String, float[]> tensors(long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, float[]> m = new LinkedHashMap<>();
        m.put(MATRIX, gaussian(r, 35, scale));
        m.put("model.layers.0.feed_forward.down_proj.weight", gaussian(r, 37, scale));
        m.put(NORM, gaussian(r, 8, scale));
        return m;
    }

    /** Small random gradients with {@code value} at {@code indices} of tensor {@code name}. */
    static Map<String, float[]> gradsWith(String name, float value, int... indices) {
        Map<String, float[]> grads = tensors(200, 0.1);
        for (int i : indices) grads.get(name)[i] = value;
        return grads;
    }

    static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (scale * r.nextGaussian());
        return a;
    }

    static Map<String, float[]> copy(Map<String, float[]> m) {
        Map<String, float[]> c = new LinkedHashMap<>();
        m.forEach((k, v) -> c.put(k, v.clone()));
        return c;
    }

    static void assertSameBits(Map<String, float[]> expected, Map<String, float[]> actual, String what) {
        expected.forEach((name, e) -> assertArrayEquals(e, actual.get(name), what + " " + name));
    }

    static void assertSameState(AdamWState expected, AdamWState actual, String what) {
        assertEquals(expected.step(), actual.step(), what + " step");
        for (String name : expected.names()) {
            assertArrayEquals(expected.expAvg(name), actual.expAvg(name), what + " exp_avg " + name);
            assertArrayEquals(expected.expAvgSq(name), actual.expAvgSq(name), what + " exp_avg_sq " + name);
        }
    }

    /** Two optimizers fed the same steps, one of them also fed a bad step in the middle. */
    @Test
    void nonFiniteGradientsAreSkippedWithAWarningAndChangeNothing() {
        Map<String, float[]> params = tensors(1, 1), twinParams = copy(params);
        AdamW adamw = new AdamW(ParameterGroups.of(params, 0.1), SKIP);
        AdamW twin = new AdamW(ParameterGroups.of(twinParams, 0.1), SKIP);
        List<String> warnings = new ArrayList<>();
        Logger jul = Logger.getLogger(AdamW.class.getName());
        Handler handler = new Handler() {
            @Override public void publish(LogRecord r) {
                if (r.getLevel() == Level.WARNING) warnings.add(r.getMessage());
            }
            @Override public void flush() {}
            @Override public void close() {}
        };
        jul.addHandler(handler);
        jul.setUseParentHandlers(false);
        try {
            for (int k = 0; k < 2; k++) {
                adamw.step(tensors(100 + k, 0.1), 1e-3);
                twin.step(tensors(100 + k, 0.1), 1e-3);
            }
            List<Map<String, float[]>> badSteps = List.of(
                    gradsWith(NORM, Float.NaN, 5),
                    gradsWith(NORM, Float.POSITIVE_INFINITY, 5),
                    gradsWith(MATRIX, Float.NEGATIVE_INFINITY, 0),
                    gradsWith(MATRIX, 3e38f, 3, 4));   // all finite, but the norm is past the float range
            for (Map<String, float[]> grads : badSteps) {
                Map<String, float[]> before = copy(params);
                float norm = adamw.step(grads, 1e-3);
                assertTrue(!Float.isFinite(norm), "norm " + norm);
                assertSameBits(before, params, "weights after skipped step " + warnings.size());
                assertSameState(twin.state(), adamw.state(), "state after skipped step " + warnings.size());
            }
            assertEquals(4, adamw.state().skippedSteps());
            assertEquals(2, adamw.state().step());
            assertEquals(4, warnings.size());
            assertTrue(warnings.get(0).contains(NORM + "[5] = NaN"), warnings.get(0));
            assertTrue(warnings.get(2).contains(MATRIX + "[0] = -Infinity"), warnings.get(2));
            assertTrue(warnings.get(3).contains("sum of squares overflows"), warnings.get(3));
            assertTrue(warnings.get(3).contains("4 step(s) skipped"), warnings.get(3));

            adamw.step(tensors(300, 0.1), 1e-3);
            twin.step(tensors(300, 0.1), 1e-3);
            assertSameBits(twinParams, params, "weights after the next good step");
            assertSameState(twin.state(), adamw.state(), "state after the next good step");
        } finally {
            jul.removeHandler(handler);
            jul.setUseParentHandlers(true);
        }
    }

    @Test
    void abortThrowsAndChangesNothing() {
        Map<String, float[]> params = tensors(2, 1);
        AdamW adamw = new AdamW(ParameterGroups.of(params, 0.1),
                new AdamW.Settings(0.9, 0.95, 1e-8, 0, NonFiniteGradientPolicy.ABORT));
        adamw.step(tensors(10, 0.1), 1e-3);
        Map<String, float[]> before = copy(params);
        float[] m = adamw.state().expAvg("model.layers.0.feed_forward.down_proj.weight").clone();
        Map<String, float[]> grads = tensors(11, 0.1);
        grads.get("model.layers.0.feed_forward.down_proj.weight")[36] = Float.NEGATIVE_INFINITY;
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> adamw.step(grads, 1e-3));
        assertTrue(e.getMessage().contains("step 2") && e.getMessage().contains("down_proj.weight[36] = -Infinity"), e.getMessage());
        assertSameBits(before, params, "weights after an aborted step");
        assertArrayEquals(m, adamw.state().expAvg("model.layers.0.feed_forward.down_proj.weight"));
        assertEquals(1, adamw.state().step());
        assertEquals(0, adamw.state().skippedSteps());
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingChanges() {
        Map<String, float[]> params = tensors(3, 1), before = copy(params);
        AdamW adamw = new AdamW(ParameterGroups.of(params, 0.1), SKIP);
        Map<String, float[]> missing = tensors(4, 1);
        missing.remove("model.layers.0.input_layernorm.weight");
        Map<String, float[]> extra = tensors(4, 1);
        extra.put("lm_head.weight", new float[3]);
        Map<String, float[]> shortGrad = tensors(4, 1);
        shortGrad.put("model.layers.0.input_layernorm.weight", new float[7]);
        Map<String, Runnable> bad = Map.of(
                "grads has no gradient for parameter 'model.layers.0.input_layernorm.weight'", () -> adamw.step(missing, 1e-3),
                "grads has 'lm_head.weight'", () -> adamw.step(extra, 1e-3),
                "gradient of 'model.layers.0.input_layernorm.weight' has 7 elements", () -> adamw.step(shortGrad, 1e-3),
                "lr", () -> adamw.step(tensors(4, 1), Double.NaN),
                "lr ", () -> adamw.step(tensors(4, 1), -1e-3),
                "beta1", () -> new AdamW.Settings(1.0, 0.95, 1e-8, 1, NonFiniteGradientPolicy.SKIP),
                "beta2", () -> new AdamW.Settings(0.9, -0.1, 1e-8, 1, NonFiniteGradientPolicy.SKIP),
                "eps", () -> new AdamW.Settings(0.9, 0.95, Double.NaN, 1, NonFiniteGradientPolicy.SKIP),
                "maxGradNorm", () -> new AdamW.Settings(0.9, 0.95, 1e-8, -1, NonFiniteGradientPolicy.SKIP),
                "onNonFinite", () -> new AdamW.Settings(0.9, 0.95, 1e-8, 1, null));
        bad.forEach((message, call) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run, message);
            assertTrue(e.getMessage().startsWith(message.strip()), "expected '" + message + "...', got: " + e.getMessage());
        });
        assertSameBits(before, params, "weights");
        assertEquals(0, adamw.state().step());
    }

    static LongStream seeds() {
        return LongStream.range(0, 8).map(i -> 0x5eed0000L + i);
    }

    /**
     * Adam's first step moves every weight by about lr against its gradient's sign, whatever the
     * gradient's scale (1e-4 to 1e4 here): m̂ = g, v̂ = g², so Δp = −lr·g/(|g| + eps) (no decay on
     * the norm weight; the decayed ones shrink by 1 − lr·wd first). Float32 rounding of m, v, the
     * square root and the quotient keeps {@code |Δp − that| ≤ 1e-6·lr + 2 ulp(p)}.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void firstStepMovesEachWeightByLr(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double lr = Math.pow(10, -1 - 3 * r.nextDouble()), gradScale = Math.pow(10, -4 + 8 * r.nextDouble());
        double weightDecay = 0.1 * r.nextDouble();
        Map<String, float[]> params = tensors(seed, 1), before = copy(params);
        Map<String, float[]> grads = tensors(seed + 1, gradScale);
        new AdamW(ParameterGroups.of(params, weightDecay), new AdamW.Settings(0.9, 0.999, 1e-8, 0, NonFiniteGradientPolicy.ABORT))
                .step(grads, lr);
        params.forEach((name, p) -> {
            double decay = name.endsWith("norm.weight") ? 1 : (float) (1 - lr * weightDecay);
            for (int i = 0; i < p.length; i++) {
                float g = grads.get(name)[i];
                double decayed = (float) (before.get(name)[i] * decay);
                double moved = p[i] - decayed;
                double tol = 1e-6 * lr + 2 * Math.ulp((float) decayed);
                assertEquals(-lr * g / (Math.abs(g) + 1e-8), moved, tol, "seed " + seed + " " + name + "[" + i + "] g=" + g);
            }
        });
    }

    /** torch's lerp: one rounding of {@code self + w·(end − self)} (after rounding the difference), on either branch. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void lerpRoundsOnceOnBothBranches(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 10_000; i++) {
            float self = (float) r.nextGaussian(), end = (float) r.nextGaussian(), w = (float) r.nextDouble();
            float diff = end - self;
            double exact = w < 0.5f ? self + (double) w * diff : end + ((double) w - 1) * diff;
            float lerp = AdamW.lerp(self, end, w);
            assertEquals((float) exact, lerp, "seed " + seed + " lerp(" + self + ", " + end + ", " + w + ")");
        }
        assertEquals(2f, AdamW.lerp(1f, 2f, 1f));
        assertEquals(1f, AdamW.lerp(1f, 2f, 0f));
    }
}
