package falconh1r.model;

import static falconh1r.model.GradientChecks.assertGradient;
import static falconh1r.model.GradientChecks.config;
import static falconh1r.model.GradientChecks.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import falconh1r.io.SafetensorsFile;
import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.testing.Close;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hand-written backwards against torch autograd through transformers 5.24's own modules
 * (fixtures/layer_grads, written by fixtures/make_layer_grad_fixtures.py): FalconH1Attention (eager,
 * RoPE, causal mask, GQA, biases), FalconH1MLP, FalconH1RMSNorm, and the embedding and LM head of
 * FalconH1ForCausalLM (tied and untied, padding_idx). On the scalar and the SIMD backend, every
 * parameter's gradient and the input's gradient match at max |diff| ≤ 1e-4 · max |torch's gradient|
 * (f32 against f32, summed in different orders); the forward outputs within 1e-5 abs + 1e-5 rel.
 */
class LayerGradFixtureTest {

    static final double RTOL = 1e-4;
    static SafetensorsFile fx;

    @BeforeAll
    static void open() {
        fx = SafetensorsFile.open(Path.of(System.getProperty("falcon.fixtures", "fixtures"), "layer_grads", "layer_grads.safetensors"));
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    static double[] doubles(String name) {
        ByteBuffer b = ByteBuffer.wrap(fx.bytes(name)).order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[b.remaining() / 8];
        for (int i = 0; i < v.length; i++) v[i] = b.getDouble();
        return v;
    }

    /** Copies the fixture's {@code case.<suffix>} into {@code p}'s {@code prefix + suffix}. */
    static void load(FalconH1Parameters p, String name, String prefix, String suffix) {
        float[] src = fx.floats(name + "." + suffix), dst = p.get(prefix + suffix);
        assertEquals(dst.length, src.length, suffix);
        System.arraycopy(src, 0, dst, 0, src.length);
    }

    /** Every tensor of {@code grads} whose name does not start with {@code touched} is still all zeros. */
    static void assertUntouched(FalconH1Parameters grads, List<String> touched) {
        for (String t : grads.names()) {
            if (touched.stream().anyMatch(t::startsWith)) continue;
            for (float g : grads.get(t)) assertEquals(0f, g, t + " got a gradient");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"attn_gqa", "attn_group3_bias", "attn_mha_bias_long"})
    void selfAttentionMatchesAutograd(String name) {
        int[] dims = fx.ints(name + ".dims");
        int rows = dims[0], hidden = dims[1], hq = dims[2], hkv = dims[3], hd = dims[4];
        boolean bias = dims[5] == 1;
        double[] mult = doubles(name + ".multipliers");
        FalconH1Config c = config(json("\"hidden_size\": %d, \"num_attention_heads\": %d, \"num_key_value_heads\": %d, "
                + "\"head_dim\": %d, \"attention_bias\": %b, \"key_multiplier\": %s, \"rope_theta\": %s",
                hidden, hq, hkv, hd, bias, mult[0], mult[1]));
        FalconH1Parameters p = FalconH1Parameters.zeros(c);
        String pre = ParameterShapes.layer(0, "self_attn.");
        List<String> tensors = bias
                ? List.of("q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias", "v_proj.weight", "v_proj.bias", "o_proj.weight", "o_proj.bias")
                : List.of("q_proj.weight", "k_proj.weight", "v_proj.weight", "o_proj.weight");
        for (String t : tensors) load(p, name, pre, t);
        int[] positions = new int[rows];
        for (int i = 0; i < rows; i++) positions[i] = i;
        for (String backendName : List.of("scalar", "simd")) {
            try (Backend backend = Backends.create(backendName, 2)) {
                Rope rope = new Rope(hd, c.ropeTheta());
                Rope.Angles angles = rope.at(positions);
                SelfAttention.Activations saved = new SelfAttention.Activations(c, rows);
                float[] out = new float[rows * hidden];
                SelfAttention.forward(backend, p, 0, rope, fx.floats(name + ".x"), rows, angles, 0, null, out, saved);
                Close.assertClose(backendName + " " + name + " out", fx.floats(name + ".out"), out, out.length, 1e-5, 1e-5);
                FalconH1Parameters grads = FalconH1Parameters.zeros(c);
                float[] dx = new float[rows * hidden];
                SelfAttention.backward(backend, p, 0, rope, angles, saved, fx.floats(name + ".dy"), grads, dx);
                String what = backendName + " " + name + " ";
                assertGradient(what + "dx", fx.floats(name + ".dx"), dx, RTOL);
                for (String t : tensors) assertGradient(what + t, fx.floats(name + ".grad." + t), grads.get(pre + t), RTOL);
                assertUntouched(grads, List.of(pre));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "mlp_bias"})
    void mlpMatchesAutograd(String name) {
        long[] shape = fx.shape(name + ".x");
        int rows = (int) shape[0], hidden = (int) shape[1], inter = (int) fx.shape(name + ".gate_proj.weight")[0];
        float[] mult = fx.floats(name + ".multipliers");
        boolean bias = fx.contains(name + ".gate_proj.bias");
        FalconH1Config c = config(json("\"hidden_size\": %d, \"intermediate_size\": %d, \"mlp_multipliers\": [%s, %s], "
                + "\"mlp_bias\": %b", hidden, inter, mult[0], mult[1], bias));
        FalconH1Parameters p = FalconH1Parameters.zeros(c);
        String pre = ParameterShapes.layer(0, "feed_forward.");
        List<String> tensors = bias
                ? List.of("gate_proj.weight", "gate_proj.bias", "up_proj.weight", "up_proj.bias", "down_proj.weight", "down_proj.bias")
                : List.of("gate_proj.weight", "up_proj.weight", "down_proj.weight");
        for (String t : tensors) load(p, name, pre, t);
        for (String backendName : List.of("scalar", "simd")) {
            try (Backend backend = Backends.create(backendName, 2)) {
                Mlp.Activations saved = new Mlp.Activations(rows, hidden, inter);
                float[] y = new float[rows * hidden];
                Mlp.forward(backend, y, fx.floats(name + ".x"), rows, hidden, inter, Mlp.weights(p, 0),
                        new float[rows * inter], new float[rows * inter], saved);
                Close.assertClose(backendName + " " + name + " out", fx.floats(name + ".out"), y, y.length, 1e-5, 1e-5);
                FalconH1Parameters grads = FalconH1Parameters.zeros(c);
                float[] dx = new float[rows * hidden];
                Mlp.backward(backend, dx, fx.floats(name + ".dy"), rows, hidden, inter, Mlp.weights(p, 0), saved, Mlp.weights(grads, 0));
                String what = backendName + " " + name + " ";
                assertGradient(what + "dx", fx.floats(name + ".dx"), dx, RTOL);
                for (String t : tensors) assertGradient(what + t, fx.floats(name + ".grad." + t), grads.get(pre + t), RTOL);
                assertUntouched(grads, List.of(pre));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rmsnorm"})
    void rmsNormMatchesAutograd(String name) {
        long[] shape = fx.shape(name + ".x");
        int rows = (int) shape[0], dim = (int) shape[1];
        float eps = (float) doubles(name + ".eps")[0];
        float[] x = fx.floats(name + ".x"), weight = fx.floats(name + ".weight");
        for (String backendName : List.of("scalar", "simd")) {
            try (Backend backend = Backends.create(backendName, 2)) {
                float[] out = new float[rows * dim];
                backend.rmsNorm(out, x, weight, rows, dim, eps);
                Close.assertClose(backendName + " " + name + " out", fx.floats(name + ".out"), out, out.length, 1e-5, 1e-5);
                float[] dx = new float[rows * dim], dWeight = new float[dim];
                RmsNorm.backward(backend, dx, dWeight, fx.floats(name + ".dy"), x, weight, rows, dim, eps);
                assertGradient(backendName + " " + name + " dx", fx.floats(name + ".dx"), dx, RTOL);
                assertGradient(backendName + " " + name + " weight", fx.floats(name + ".grad.weight"), dWeight, RTOL);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"embed_tied", "embed_untied"})
    void embeddingAndLmHeadMatchAutograd(String name) {
        int[] dims = fx.ints(name + ".dims"), ids = fx.ints(name + ".ids");
        int rows = dims[0], vocab = dims[1], hidden = dims[2], pad = dims[4];
        boolean tied = dims[3] == 1;
        double[] mult = doubles(name + ".multipliers");
        FalconH1Config c = config(json("\"vocab_size\": %d, \"hidden_size\": %d, \"tie_word_embeddings\": %b, "
                + "\"pad_token_id\": %d, \"embedding_multiplier\": %s, \"lm_head_multiplier\": %s",
                vocab, hidden, tied, pad, mult[0], mult[1]));
        FalconH1Parameters p = FalconH1Parameters.zeros(c);
        load(p, name, "model.", "embed_tokens.weight");
        if (!tied) load(p, name, "", "lm_head.weight");
        float[] x = fx.floats(name + ".x");
        for (String backendName : List.of("scalar", "simd")) {
            try (Backend backend = Backends.create(backendName, 2)) {
                float[] h = new float[rows * hidden], logits = new float[rows * vocab];
                Embedding.forward(backend, p, ids, h);
                LmHead.forward(backend, p, x, rows, logits);
                Close.assertClose(backendName + " " + name + " h", fx.floats(name + ".h"), h, h.length, 0, 1e-6);
                Close.assertClose(backendName + " " + name + " logits", fx.floats(name + ".logits"), logits, logits.length, 1e-5, 1e-5);
                FalconH1Parameters grads = FalconH1Parameters.zeros(c);
                float[] dx = new float[rows * hidden];
                Embedding.backward(backend, ids, fx.floats(name + ".dh"), grads);
                LmHead.backward(backend, p, x, rows, fx.floats(name + ".dlogits"), grads, dx);
                String what = backendName + " " + name + " ";
                assertGradient(what + "dx", fx.floats(name + ".dx"), dx, RTOL);
                assertGradient(what + "embed_tokens", fx.floats(name + ".grad.embed_tokens.weight"), grads.get(ParameterShapes.EMBED), RTOL);
                if (!tied) {
                    assertGradient(what + "lm_head", fx.floats(name + ".grad.lm_head.weight"), grads.get(ParameterShapes.LM_HEAD), RTOL);
                }
                assertUntouched(grads, List.of(ParameterShapes.EMBED, ParameterShapes.LM_HEAD));
            }
        }
    }
}
