package falconh1r.model;

import static falconh1r.testing.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.testing.Gradcheck;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Mamba2Mixer#backward} against central differences of the whole mixer written in double
 * ({@link MambaTwin#mixer}, {@code FalconH1Mixer.forward}'s chunk form) for the random linear
 * functional {@code Σ R·out}: the gradient of the input and of every {@code mamba.*} tensor within
 * {@code 1e-4 · max|g|} of the numeric one, on the scalar and SIMD backends. The Java forward
 * (with the activations saved) also equals the twin within {@code 1e-5 + 1e-5·|out|}.
 *
 * <p>Cases cover L below, equal to and above the chunk size, n_groups 1 and 2, both gate orders,
 * mamba_rms_norm off (y·silu(z)), in_proj/out_proj biases on and off, conv bias on and off,
 * a time_step_limit that clamps dt on both sides (the test checks that it does), left padding, and
 * multipliers that are never 1. Weights are drawn so activations are O(1).
 */
class Mamba2MixerBackwardTest {

    static final double RTOL = 1e-4;

    /** One random mixer; the seed is in the name. */
    record Case(String name, long seed, int length, int padding, int hidden, int heads, int headDim, int groups,
                int stateSize, int chunk, int kernel, boolean rmsNorm, boolean normBeforeGate, boolean inBias,
                boolean outBias, boolean convBias, double dtMin, double dtMax) {
        @Override
        public String toString() {
            return name + " seed=" + seed + " L=" + length + " Q=" + chunk;
        }

        FalconH1Config config() {
            String json = String.format(Locale.ROOT, """
                    {"hidden_size": %d, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
                     "num_key_value_heads": 2, "head_dim": 4, "vocab_size": 16, "rms_norm_eps": 1e-5,
                     "mamba_d_ssm": %d, "mamba_n_heads": %d, "mamba_d_head": %d, "mamba_n_groups": %d,
                     "mamba_d_state": %d, "mamba_chunk_size": %d, "mamba_d_conv": %d,
                     "mamba_rms_norm": %b, "mamba_norm_before_gate": %b, "mamba_proj_bias": %b,
                     "projectors_bias": %b, "mamba_conv_bias": %b, "time_step_limit": [%s, %s],
                     "ssm_in_multiplier": 1.1, "ssm_multipliers": [0.9, 1.2, 0.8, 1.15, 0.7]}""",
                    hidden, heads * headDim, heads, headDim, groups, stateSize, chunk, kernel, rmsNorm, normBeforeGate,
                    inBias, outBias, convBias, dtMin, Double.isInfinite(dtMax) ? "Infinity" : Double.toString(dtMax));
            return FalconH1Config.parse(json, toString());
        }
    }

    static List<Case> cases() {
        double inf = Double.POSITIVE_INFINITY;
        return List.of(
                new Case("G=2, norm after gate, 2 chunks + 3", 21, 11, 0, 6, 4, 2, 2, 3, 4, 4, true, false, false, false, true, 0, inf),
                new Case("G=1, norm before gate, L = Q, dt clamped both sides", 22, 8, 0, 5, 2, 3, 1, 4, 8, 3, true, true, false, false, true, 0.2, 1.2),
                new Case("no rms norm, in/out biases, no conv bias, L < Q", 23, 5, 0, 6, 4, 2, 2, 2, 8, 4, false, false, true, true, false, 0, inf),
                new Case("left padding 3, G=2, norm before gate, in bias, clamped", 24, 9, 3, 4, 4, 2, 2, 3, 4, 4, true, true, true, false, true, 0.2, 1.2),
                new Case("G=2 gated norm after gate, 3 chunks + 1, every bias", 25, 13, 0, 8, 4, 2, 2, 4, 4, 4, true, false, true, true, true, 0, inf));
    }

    static Stream<Arguments> casesOnBackends() {
        List<Arguments> out = new ArrayList<>();
        for (String backend : List.of("scalar", "simd")) for (Case k : cases()) out.add(Arguments.of(backend, k));
        return out.stream();
    }

    /** Layer-0 weights drawn so activations are O(1); the tensors transformers sets to constants are random too. */
    static FalconH1Parameters parameters(FalconH1Config c, long seed) {
        FalconH1Parameters p = FalconH1Parameters.init(c, seed);
        SplittableRandom r = new SplittableRandom(seed);
        String pre = ParameterShapes.layer(0, "mamba.");
        for (String name : p.names()) {
            if (!name.startsWith(pre)) continue;
            float[] v = p.get(name);
            String s = name.substring(pre.length());
            for (int i = 0; i < v.length; i++) {
                double n = r.nextGaussian();
                v[i] = (float) switch (s) {
                    case "in_proj.weight" -> n / Math.sqrt(c.hiddenSize());
                    case "out_proj.weight" -> n / Math.sqrt(c.mambaDSsm());
                    case "conv1d.weight" -> 0.5 * n;
                    case "dt_bias" -> 1.5 * n;
                    case "A_log" -> Math.log(i + 1) + 0.3 * n;
                    case "D" -> 1 + 0.5 * n;
                    case "norm.weight" -> 1 + 0.2 * n;
                    default -> 0.1 * n;                          // the biases
                };
            }
        }
        return p;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("casesOnBackends")
    void matchesFiniteDifferencesOfTheMixer(String backendName, Case k) {
        FalconH1Config c = k.config();
        FalconH1Parameters p = parameters(c, k.seed());
        SplittableRandom r = new SplittableRandom(k.seed() + 1000);
        int n = k.length() * c.hiddenSize();
        float[] x = new float[n], dOut = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) dOut[i] = (float) r.nextGaussian();

        float[] out = new float[n], dx = new float[n];
        Mamba2Mixer.Activations saved = new Mamba2Mixer.Activations();
        FalconH1Parameters grads = FalconH1Parameters.zeros(c);
        float[] mup = Mamba2Mixer.mupVector(c);
        try (Backend backend = Backends.create(backendName, 2)) {
            Mamba2Mixer.forward(backend, p, 0, mup, x, k.length(), k.padding(), null, out, saved);
            Mamba2Mixer.backward(backend, p, 0, mup, saved, dOut, grads, dx);
        }
        if (Double.isFinite(k.dtMax())) {
            float[] softplus = new float[saved.dtIn.length];
            for (int i = 0; i < softplus.length; i++) softplus[i] = (float) MambaTwin.softplus(saved.dtIn[i]);
            int inside = 0;
            for (float v : softplus) if (v > k.dtMin() && v < k.dtMax()) inside++;
            assertTrue(min(softplus) < k.dtMin() && max(softplus) > k.dtMax() && inside > 0,
                    k + ": dt must clamp on both sides and pass some values: " + java.util.Arrays.toString(softplus));
        }

        String pre = ParameterShapes.layer(0, "mamba.");
        Map<String, double[]> t = new LinkedHashMap<>();
        for (String name : p.names()) if (name.startsWith(pre)) t.put(name.substring(pre.length()), Gradcheck.widen(p.get(name)));
        double[] xd = Gradcheck.widen(x), rr = Gradcheck.widen(dOut);
        double[] twinOut = MambaTwin.mixer(c, t, xd, k.length(), k.padding());
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) expected[i] = (float) twinOut[i];
        String what = "Mamba2MixerBackwardTest " + backendName + " " + k;
        System.out.printf("%s forward vs twin: max |diff| %.2e%n", what, falconh1r.testing.Close.maxAbsDiff(expected, out, n));
        assertClose(what + " forward vs twin", expected, out, n, 1e-5, 1e-5);

        DoubleSupplier f = () -> {
            double[] o = MambaTwin.mixer(c, t, xd, k.length(), k.padding());
            double sum = 0;
            for (int i = 0; i < o.length; i++) sum += rr[i] * o[i];
            return sum;
        };
        Gradcheck.assertGradient(what + " dx", Gradcheck.numeric(xd, f), dx, RTOL);
        for (Map.Entry<String, double[]> e : t.entrySet()) {
            Gradcheck.assertGradient(what + " d" + e.getKey(), Gradcheck.numeric(e.getValue(), f), grads.get(pre + e.getKey()), RTOL);
        }
    }

    @Test
    void savingActivationsNeedsTheNoCachePath() {
        Case k = cases().getFirst();
        FalconH1Config c = k.config();
        FalconH1Parameters p = parameters(c, 1);
        float[] x = new float[k.length() * c.hiddenSize()];
        try (Backend backend = Backends.create("scalar", 1)) {
            FalconH1Cache[] caches = {new FalconH1Cache(c, 1)};
            assertThrows(IllegalArgumentException.class, () -> Mamba2Mixer.forward(backend, p, 0, Mamba2Mixer.mupVector(c),
                    x, k.length(), 0, caches, new float[x.length], new Mamba2Mixer.Activations()));
            assertThrows(IllegalArgumentException.class, () -> Mamba2Mixer.backward(backend, p, 0, Mamba2Mixer.mupVector(c),
                    new Mamba2Mixer.Activations(), x, FalconH1Parameters.zeros(c), new float[x.length]));
        }
    }

    private static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float f : v) m = Math.min(m, f);
        return m;
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float f : v) m = Math.max(m, f);
        return m;
    }
}
