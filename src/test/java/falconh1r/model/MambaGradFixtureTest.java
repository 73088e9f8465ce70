package falconh1r.model;

import static falconh1r.testing.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import falconh1r.io.SafetensorsFile;
import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.testing.Close;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Mamba2 backward reproduces torch autograd through transformers 5.24
 * (fixtures/mamba_grad/, written by fixtures/make_mamba_grad_fixtures.py):
 * <ul>
 *   <li>{@link Mamba2Mixer#backward} against {@code FalconH1Mixer} (torch path, training mode, one
 *       unpadded sequence, no cache): the gradient of the input and of every parameter;
 *   <li>{@link SsdScan#backward} against {@code mamba2_chunk_scan} alone: x, dt, A, B, C and the
 *       initial state.
 * </ul>
 * Tolerance per gradient tensor: {@code max |diff| ≤ 1e-4 · max |g|} of torch's gradient; the
 * mixer's forward output within {@code 1e-5 + 1e-5·|out|}. On the scalar and SIMD backends.
 */
class MambaGradFixtureTest {

    static final double RTOL = 1e-4;
    static final List<String> MIXERS = List.of("g2_norm_after_gate_multi_chunk", "g1_norm_before_gate_clamped",
            "no_rmsnorm_all_biases", "g2_long_norm_before_gate");
    static final List<String> SSDS = List.of("multi_chunk_remainder", "below_chunk_g_eq_h", "exact_chunks_zero_state");
    static Path root;
    static SafetensorsFile fixtures;

    @BeforeAll
    static void open() {
        root = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "mamba_grad");
        fixtures = SafetensorsFile.open(root.resolve("mamba_grad.safetensors"));
    }

    @AfterAll
    static void close() {
        fixtures.close();
    }

    static Stream<Arguments> mixers() {
        List<Arguments> out = new ArrayList<>();
        for (String backend : List.of("scalar", "simd")) for (String name : MIXERS) out.add(Arguments.of(backend, name));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("mixers")
    void mixerMatchesTorchAutograd(String backendName, String name) {
        String k = "mixer_" + name;
        FalconH1Config c = FalconH1Config.read(root.resolve(k).resolve("config.json"));
        FalconH1Parameters p = FalconH1Parameters.init(c, 0);
        String pre = ParameterShapes.layer(0, "mamba.");
        TreeSet<String> javaNames = new TreeSet<>(), torchNames = new TreeSet<>();
        for (String n : p.names()) if (n.startsWith(pre)) javaNames.add(n.substring(pre.length()));
        for (String n : fixtures.names()) if (n.startsWith(k + ".param.")) torchNames.add(n.substring((k + ".param.").length()));
        assertEquals(torchNames, javaNames, k + ": the mixer's parameters");
        for (String n : javaNames) {
            float[] v = fixtures.floats(k + ".param." + n), dst = p.get(pre + n);
            assertEquals(dst.length, v.length, k + " " + n);
            System.arraycopy(v, 0, dst, 0, v.length);
        }

        float[] x = fixtures.floats(k + ".x"), dOut = fixtures.floats(k + ".dout");
        int length = (int) fixtures.shape(k + ".x")[0];
        float[] out = new float[x.length], dx = new float[x.length];
        Mamba2Mixer.Activations saved = new Mamba2Mixer.Activations();
        FalconH1Parameters grads = FalconH1Parameters.zeros(c);
        float[] mup = Mamba2Mixer.mupVector(c);
        try (Backend backend = Backends.create(backendName, 2)) {
            Mamba2Mixer.forward(backend, p, 0, mup, x, length, 0, null, out, saved);
            Mamba2Mixer.backward(backend, p, 0, mup, saved, dOut, grads, dx);
        }
        String what = "MambaGradFixtureTest " + backendName + " " + k;
        float[] expectedOut = fixtures.floats(k + ".out");
        System.out.printf("%s forward: max |diff| %.2e%n", what, Close.maxAbsDiff(expectedOut, out, out.length));
        assertClose(what + " forward", expectedOut, out, out.length, 1e-5, 1e-5);
        assertGradient(what + " dx", fixtures.floats(k + ".grad.x"), dx);
        for (String n : javaNames) assertGradient(what + " d" + n, fixtures.floats(k + ".grad." + n), grads.get(pre + n));
    }

    static Stream<Arguments> ssds() {
        return SSDS.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ssds")
    void ssdScanMatchesTorchAutograd(String name) {
        String k = "ssd_" + name;
        long[] xs = fixtures.shape(k + ".x"), bs = fixtures.shape(k + ".B");
        int length = (int) xs[0];
        SsdScan.Dims d = new SsdScan.Dims((int) xs[1], (int) xs[2], (int) bs[1], (int) bs[2]);
        float[] x = t(k + ".x"), dt = t(k + ".dt"), a = t(k + ".A"), b = t(k + ".B"), c = t(k + ".C");
        float[] state = t(k + ".initial_state");
        SsdScan.Gradients g = new SsdScan.Gradients(new float[x.length], new float[dt.length], new float[a.length],
                new float[b.length], new float[c.length], new float[state.length]);
        SsdScan.backward(d, length, fixtures.ints(k + ".chunk_size")[0], x, dt, a, b, c, state, t(k + ".dy"), g);
        String what = "MambaGradFixtureTest " + k;
        assertGradient(what + " dx", t(k + ".grad.x"), g.dx());
        assertGradient(what + " ddt", t(k + ".grad.dt"), g.ddt());
        assertGradient(what + " dA", t(k + ".grad.A"), g.dA());
        assertGradient(what + " dB", t(k + ".grad.B"), g.dB());
        assertGradient(what + " dC", t(k + ".grad.C"), g.dC());
        assertGradient(what + " dState", t(k + ".grad.initial_state"), g.dState());
    }

    /** {@code max |diff| ≤ RTOL · max |expected|}, printed. */
    private static void assertGradient(String what, float[] expected, float[] actual) {
        double scale = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        double diff = Close.maxAbsDiff(expected, actual, expected.length);
        System.out.printf("%s: max |diff| %.2e, max|g| %.2e, relative %.2e%n", what, diff, scale, diff / scale);
        assertEquals(expected.length, actual.length, what + " length");
        assertClose(what, expected, actual, expected.length, RTOL * scale, 0);
    }

    private static float[] t(String name) {
        return fixtures.floats(name);
    }
}
