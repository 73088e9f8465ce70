package falconh1r.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.io.SafetensorsFile;
import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.testing.Close;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RoPE tables and rotation, causal GQA attention (prefill, decode over a cache, left padding) and the
 * SwiGLU MLP with its multipliers and the gated grouped RMSNorm (both gate orders), against transformers 5.24's own functions (fixtures/layers,
 * written by fixtures/make_layer_fixtures.py). Tolerances: RoPE tables and rotation 2e-6 absolute
 * (f32 sin/cos of the same f32 angle, a few ulps apart); attention and MLP 1e-5 absolute + 1e-5
 * relative.
 */
class LayersTest {

    static SafetensorsFile fx;

    @BeforeAll
    static void open() {
        fx = SafetensorsFile.open(Path.of(System.getProperty("falcon.fixtures", "fixtures"), "layers", "layers.safetensors"));
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    /** Elements [from, to) of both arrays within {@code atol + rtol·|e|}; max |diff| on failure. */
    static void assertClose(String what, float[] expected, float[] actual, int from, int to, double atol, double rtol) {
        Close.assertClose(what, expected, from, actual, from, to - from, atol, rtol, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rope_small", "rope_far"})
    void ropeMatchesTransformers(String name) {
        int[] positions = fx.ints(name + ".positions");
        long[] shape = fx.shape(name + ".x");                      // [L, H, D]
        int rows = (int) shape[0], heads = (int) shape[1], d = (int) shape[2];
        Rope rope = new Rope(d, readTheta(name));
        assertClose(name + " inv_freq", fx.floats(name + ".inv_freq"), rope.invFreq(), 0, d / 2, 0, 1e-7);
        float[] x = fx.floats(name + ".x");
        rope.apply(x, heads, rope.at(positions));
        assertClose(name + " rotation", fx.floats(name + ".out"), x, 0, x.length, 2e-6, 2e-6);
    }

    private static double readTheta(String name) {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(fx.bytes(name + ".theta")).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        return bytes.getDouble();
    }

    @ParameterizedTest
    @ValueSource(strings = {"attn_prefill", "attn_decode", "attn_left_padded"})
    void causalGqaAttentionMatchesTransformers(String name) {
        int[] s = fx.ints(name + ".shape");
        int rows = s[0], past = s[1], firstKey = s[2], hq = s[3], hkv = s[4], d = s[5];
        for (String backendName : List.of("scalar", "simd")) {
            try (Backend backend = Backends.create(backendName, 2)) {
                float[] out = new float[rows * hq * d];
                Attention.causal(backend, out, fx.floats(name + ".q"), rows, fx.floats(name + ".k"), fx.floats(name + ".v"),
                        past, firstKey, hq, hkv, d, (float) Math.pow(d, -0.5), new float[past + rows]);
                // Rows that see no key (left padding) are NaN in torch and zeros here: compare the rest.
                int firstRow = Math.max(0, firstKey - past);
                assertClose(backendName + " " + name, fx.floats(name + ".out"), out, firstRow * hq * d, out.length, 1e-5, 1e-5);
                for (int i = 0; i < firstRow * hq * d; i++) assertEquals(0f, out[i], "padding row output at " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "mlp_bias"})
    void mlpMatchesTransformers(String name) {
        long[] shape = fx.shape(name + ".x");
        int rows = (int) shape[0], hidden = (int) shape[1], inter = (int) fx.shape(name + ".gate_proj.weight")[0];
        float[] mult = fx.floats(name + ".multipliers");
        boolean bias = fx.contains(name + ".gate_proj.bias");
        Mlp.Weights w = new Mlp.Weights(
                Weight.of(fx.floats(name + ".gate_proj.weight")), bias ? fx.floats(name + ".gate_proj.bias") : null,
                Weight.of(fx.floats(name + ".up_proj.weight")), bias ? fx.floats(name + ".up_proj.bias") : null,
                Weight.of(fx.floats(name + ".down_proj.weight")), bias ? fx.floats(name + ".down_proj.bias") : null,
                mult[0], mult[1]);
        for (String backendName : List.of("scalar", "simd")) {
            try (Backend backend = Backends.create(backendName, 2)) {
                float[] y = new float[rows * hidden];
                Mlp.forward(backend, y, fx.floats(name + ".x"), rows, hidden, inter, w, new float[rows * inter], new float[rows * inter]);
                assertClose(backendName + " " + name, fx.floats(name + ".out"), y, 0, y.length, 1e-5, 1e-5);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gated_norm_after", "gated_norm_before_g2", "gated_norm_after_g4"})
    void gatedRmsNormMatchesTransformers(String name) {
        int[] s = fx.ints(name + ".shape");
        int rows = s[0], dim = s[1], groups = s[2];
        boolean normBeforeGate = s[3] == 1;
        for (String backendName : List.of("scalar", "simd")) {
            try (Backend backend = Backends.create(backendName, 2)) {
                float[] out = new float[rows * dim];
                GatedRmsNorm.forward(backend, out, fx.floats(name + ".y"), fx.floats(name + ".z"), rows, dim, groups,
                        fx.floats(name + ".weight"), 1e-5f, normBeforeGate, new float[rows * dim]);
                assertClose(backendName + " " + name, fx.floats(name + ".out"), out, 0, out.length, 1e-5, 1e-5);
            }
        }
    }

    @Test
    void oddHeadDimIsRejected() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new Rope(7, 1e4));
        assertTrue(e.getMessage().contains("head_dim"), e.getMessage());
    }
}
