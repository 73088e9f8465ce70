package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import falconh1r.io.SafetensorsFile;
import falconh1r.testing.Close;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Trainer steps against torch 2.9.1's {@code AdamW} (foreach=False) and transformers' schedules
 * (fixtures/optimizer/adamw.safetensors, fixtures/make_optimizer_fixtures.py), two parameter groups
 * (weight decay on the matrices, 0 on A_log/D/dt_bias/norms/bias):
 * <ul>
 * <li>{@code unclipped}: 10 steps, betas (0.3, 0.999), eps 1e-6, wd 0.05, linear schedule, no
 * clipping. The moments after every step are torch's bit for bit (lerp and addcmul as fused
 * multiply-adds, every Python float rounded to float32 where torch rounds it).
 * <li>{@code clipped}: 20 steps, betas (0.9, 0.95), eps 1e-8, wd 0.1, cosine schedule with 3 warmup
 * steps, {@code clip_grad_norm_(1.0)}, gradients scaled so some steps clip and some do not.
 * </ul>
 * Where the parameters are not bit for bit, and why: torch's float32 {@code sqrt} on this CPU (MKL's)
 * is one ulp off on about one element in six, where {@link Math#sqrt} rounds correctly; the clipped
 * run adds torch's float32 summation error in the clip norm ({@link GradClipTest}), which scales the
 * clipped gradients by up to 1e-6. Tolerances: lr bit for bit; total norm {@code 1e-6} relative;
 * parameters {@code |Δ| ≤ 1e-6·|p| + 1e-6·Σlr} (Σlr bounds how far the updates moved p);
 * clipped-run moments {@code |Δ| ≤ 1e-6·scale}, scale the same average of |gradient| (for
 * {@code exp_avg}, whose terms cancel) or {@code exp_avg_sq} itself.
 */
class AdamWFixtureTest {
    static SafetensorsFile fixtures;
    static final List<String> NAMES = List.of(
            "model.layers.0.mamba.in_proj.weight", "model.layers.0.feed_forward.up_proj.weight",
            "model.layers.0.mamba.A_log", "model.layers.0.mamba.dt_bias", "model.layers.0.mamba.D",
            "model.layers.0.mamba.norm.weight", "model.layers.0.input_layernorm.weight",
            "model.layers.0.self_attn.q_proj.bias");

    @BeforeAll
    static void open() {
        fixtures = SafetensorsFile.open(OptimizerFixtures.file("adamw.safetensors"));
    }

    @AfterAll
    static void close() {
        fixtures.close();
    }

    static Map<String, float[]> tensors(String prefix) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (String name : NAMES) m.put(name, fixtures.floats(prefix + name));
        return m;
    }

    @Test
    void defaultGroupsAreTheScriptsGroups() {
        ParameterGroups groups = ParameterGroups.of(tensors("clipped.init."), 0.1);
        assertEquals(2, groups.groups().size());
        assertEquals(0.1, groups.groups().get(0).weightDecay());
        assertEquals(NAMES.subList(0, 2), List.copyOf(groups.groups().get(0).params().keySet()));
        assertEquals(0.0, groups.groups().get(1).weightDecay());
        assertEquals(NAMES.subList(2, NAMES.size()), List.copyOf(groups.groups().get(1).params().keySet()));
    }

    @Test
    void unclippedRunMatchesTorch() {
        run("unclipped", 10, new AdamW.Settings(0.3, 0.999, 1e-6, 0, NonFiniteGradientPolicy.ABORT), 0.05,
                LrSchedule.linear(2e-3, 2, 10));
    }

    @Test
    void clippedRunMatchesTorch() {
        run("clipped", 20, new AdamW.Settings(0.9, 0.95, 1e-8, 1.0, NonFiniteGradientPolicy.ABORT), 0.1,
                LrSchedule.cosine(1e-3, 3, 20));
    }

    static void run(String run, int steps, AdamW.Settings settings, double weightDecay, LrSchedule schedule) {
        Map<String, float[]> params = tensors(run + ".init.");
        AdamW adamw = new AdamW(ParameterGroups.of(params, weightDecay), settings);
        boolean clipping = settings.maxGradNorm() > 0;
        double[] lrs = OptimizerFixtures.doubles(fixtures, run + ".lr");
        float[] norms = clipping ? fixtures.floats(run + ".total_norm") : null;
        Map<String, double[]> gradScale = new LinkedHashMap<>();
        params.forEach((name, p) -> gradScale.put(name, new double[p.length]));
        double lrSum = 0;
        long paramUlps = 0, momentUlps = 0;
        double paramRel = 0;
        for (int k = 1; k <= steps; k++) {
            double lr = schedule.lr(k - 1);
            assertEquals(lrs[k - 1], lr, run + ": lr of step " + k);
            lrSum += lr;
            Map<String, float[]> grads = tensors(run + ".step" + k + ".grad.");
            float norm = adamw.step(grads, lr);
            if (clipping) assertEquals(norms[k - 1], norm, 1e-6 * norms[k - 1], run + ": total norm of step " + k);
            String at = run + " step " + k + " ";
            for (String name : NAMES) {
                float[] expected = fixtures.floats(run + ".step" + k + ".param." + name), actual = params.get(name);
                Close.assertClose(at + name, expected, actual, expected.length, 1e-6 * lrSum, 1e-6);
                for (int i = 0; i < expected.length; i++) {
                    paramUlps = Math.max(paramUlps, OptimizerFixtures.ulps(expected[i], actual[i]));
                    paramRel = Math.max(paramRel, Math.abs((double) actual[i] - expected[i]) / Math.abs(expected[i]));
                }
                double[] scale = gradScale.get(name);
                float[] g = grads.get(name);   // clipped in place by step
                for (int i = 0; i < g.length; i++) scale[i] = settings.beta1() * scale[i] + (1 - settings.beta1()) * Math.abs(g[i]);
                if (!fixtures.contains(run + ".step" + k + ".exp_avg." + name)) continue;
                float[] m = fixtures.floats(run + ".step" + k + ".exp_avg." + name);
                float[] v = fixtures.floats(run + ".step" + k + ".exp_avg_sq." + name);
                float[] am = adamw.state().expAvg(name), av = adamw.state().expAvgSq(name);
                if (clipping) {
                    Close.assertClose(at + "exp_avg " + name, m, 0, am, 0, m.length, 0, 1e-6, scale);
                    Close.assertClose(at + "exp_avg_sq " + name, v, av, v.length, 0, 1e-6);
                } else {
                    Close.assertClose(at + "exp_avg " + name, m, am, m.length, 0, 0);
                    Close.assertClose(at + "exp_avg_sq " + name, v, av, v.length, 0, 0);
                }
                for (int i = 0; i < m.length; i++) {
                    momentUlps = Math.max(momentUlps, Math.max(OptimizerFixtures.ulps(m[i], am[i]), OptimizerFixtures.ulps(v[i], av[i])));
                }
            }
        }
        assertEquals(steps, adamw.state().step());
        System.out.printf("AdamW %s, %d steps: params max %d ulps, max rel %.2e; moments max %d ulps%n",
                run, steps, paramUlps, paramRel, momentUlps);
    }
}
