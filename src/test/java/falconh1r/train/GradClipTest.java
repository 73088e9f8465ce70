package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.io.SafetensorsFile;
import falconh1r.testing.Close;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link GradClip} against torch 2.9.1's {@code clip_grad_norm_} (fixtures/optimizer/clip.safetensors,
 * fixtures/make_optimizer_fixtures.py). The total norm equals torch's float64
 * {@code get_total_norm} rounded to float32 exactly, and torch's float32 norm within
 * {@code 1e-6·norm} (its float32 summation error: up to 3 ulps, 2e-7, on 33k-element tensors). Given
 * torch's norm, the clipped gradients are torch's bit for bit (the coefficient
 * {@code reciprocal(norm + 1e-6) · max_norm} in float32); from our own norm, within the norm's
 * {@code 1e-6} plus one rounding, {@code |Δ| ≤ 1.1e-6·|g|} (measured: 5 ulps on "large", ≤ 2 elsewhere).
 */
class GradClipTest {
    static SafetensorsFile fixtures;

    @BeforeAll
    static void open() {
        fixtures = SafetensorsFile.open(OptimizerFixtures.file("clip.safetensors"));
    }

    @AfterAll
    static void close() {
        fixtures.close();
    }

    static float[][] tensors(String prefix) {
        List<float[]> list = new ArrayList<>();
        while (fixtures.contains(prefix + list.size())) list.add(fixtures.floats(prefix + list.size()));
        return list.toArray(float[][]::new);
    }

    @ParameterizedTest
    @ValueSource(strings = {"above", "below", "just_above", "tiny_norm", "zeros", "large", "single"})
    void matchesTorchClipGradNorm(String name) {
        float[][] grads = tensors(name + ".grad.");
        float[][] expected = tensors(name + ".clipped.");
        double maxNorm = OptimizerFixtures.doubles(fixtures, name + ".max_norm")[0];
        float expectedNorm = fixtures.floats(name + ".total_norm")[0];

        float exactNorm = (float) OptimizerFixtures.doubles(fixtures, name + ".total_norm_f64")[0];
        float[][] fromTorchNorm = copy(grads);

        float norm = GradClip.clipGradNorm(grads, maxNorm);
        GradClip.clipWithNorm(fromTorchNorm, maxNorm, expectedNorm);

        assertEquals(exactNorm, norm, name + ": total norm vs torch's float64 norm");
        long normUlps = OptimizerFixtures.ulps(expectedNorm, norm);
        assertEquals(expectedNorm, norm, 1e-6 * expectedNorm, name + ": total norm vs torch's float32 norm (" + normUlps + " ulps)");
        for (int t = 0; t < grads.length; t++) {
            Close.assertClose(name + " clipped " + t + " given torch's norm", expected[t], fromTorchNorm[t], expected[t].length, 0, 0);
        }
        long worst = 0;
        for (int t = 0; t < grads.length; t++) {
            Close.assertClose(name + " clipped " + t, expected[t], grads[t], expected[t].length, 0, 1.1e-6);
            for (int i = 0; i < grads[t].length; i++) worst = Math.max(worst, OptimizerFixtures.ulps(expected[t][i], grads[t][i]));
        }
        System.out.printf("%s: norm %s vs torch %s (%d ulps), clipped grads max %d ulps%n", name, norm, expectedNorm, normUlps, worst);
    }

    static float[][] copy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }

    @Test
    void belowMaxNormLeavesGradientsAsTheyAre() {
        float[][] g = {{0.3f, -0.4f}, {0f}};
        float[][] before = {g[0].clone(), g[1].clone()};
        assertEquals(0.5f, GradClip.clipGradNorm(g, 1.0));
        Close.assertClose("unclipped", before[0], g[0], 2, 0, 0);
        assertEquals(1f, GradClip.clipCoefficient(1.0, 0.5f));
    }

    @Test
    void nonFiniteNormSpreadsNaNAsTorchDoes() {
        float[][] g = {{1f, Float.NaN}, {2f}};
        float norm = GradClip.clipGradNorm(g, 1.0);
        assertTrue(Float.isNaN(norm));
        assertTrue(Float.isNaN(g[1][0]), "torch multiplies every gradient by the NaN coefficient");
        assertEquals(Float.POSITIVE_INFINITY, GradClip.totalNorm(new float[][] {{1f, Float.NEGATIVE_INFINITY}}));
    }

    @Test
    void maxNormMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GradClip.clipCoefficient(0, 1f));
        assertTrue(e.getMessage().startsWith("max_norm"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipCoefficient(Double.NaN, 1f));
    }
}
