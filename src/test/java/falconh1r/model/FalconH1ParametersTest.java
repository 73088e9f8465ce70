package falconh1r.model;

import falconh1r.io.DType;
import falconh1r.io.SafetensorsException;
import falconh1r.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FalconH1ParametersTest {
    @TempDir
    Path tmp;

    static FalconH1Config tiny(String extra) {
        return FalconH1Config.parse("""
                {"vocab_size": 40, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 6, "mamba_d_ssm": 20,
                 "mamba_n_heads": 5, "mamba_d_state": 3, "mamba_d_conv": 4, "pad_token_id": 3 %s}
                """.formatted(extra), "tiny");
    }

    @Test
    void initFollowsTransformersRules() {
        FalconH1Config c = tiny(", \"mamba_rms_norm\": true, \"attention_bias\": true, \"mamba_proj_bias\": true");
        FalconH1Parameters p = FalconH1Parameters.init(c, 7);
        for (String name : p.names()) {
            float[] v = p.get(name);
            assertEquals(Arrays.stream(p.shape(name)).reduce(1, Math::multiplyExact), v.length, name);
            if (name.endsWith("norm.weight") || name.endsWith("dt_bias") || name.endsWith(".D")) {
                for (float x : v) assertEquals(1f, x, name);
            } else if (name.endsWith("A_log")) {
                for (int h = 0; h < v.length; h++) assertEquals((float) Math.log(h + 1), v[h], name);
            } else if (name.endsWith(".bias")) {
                for (float x : v) assertEquals(0f, x, name);
            }
        }
        float[] embed = p.get("model.embed_tokens.weight");
        for (int i = 0; i < 16; i++) assertEquals(0f, embed[3 * 16 + i], "pad row");
        assertTrue(embed[2 * 16] != 0f);
        assertTrue(p.names().contains("model.layers.1.mamba.norm.weight"));
    }

    /**
     * bf16 storage: every 2-D tensor is held as the bf16 rounding of the f32 init (round to nearest
     * even, as torch's .to(torch.bfloat16)), the rest stays f32 and equal; {@code get} refuses a packed
     * tensor; a save writes BF16 tensors that load back bit for bit, packed or widened.
     */
    @Test
    void bf16StorageHoldsTwoDimensionalTensorsPacked() {
        FalconH1Config c = tiny(", \"attention_bias\": true");
        FalconH1Parameters f32 = FalconH1Parameters.init(c, 11);
        FalconH1Parameters bf16 = FalconH1Parameters.init(c, 11, falconh1r.kernels.Half.Format.BF16);
        long f32Bytes = 0, packedBytes = 0;
        for (String name : f32.names()) {
            float[] v = f32.get(name);
            f32Bytes += 4L * v.length;
            if (f32.shape(name).length == 2) {
                short[] bits = bf16.weight(name).packed();
                packedBytes += 2L * bits.length;
                for (int i = 0; i < v.length; i++) {
                    assertEquals(falconh1r.kernels.Half.floatToBf16(v[i]), bits[i], name + "[" + i + "]");
                }
                assertThrows(IllegalStateException.class, () -> bf16.get(name), name);
            } else {
                assertArrayEquals(v, bf16.get(name), name);
                packedBytes += 4L * v.length;
            }
        }
        assertEquals(packedBytes, bf16.bytes());
        assertEquals(f32Bytes, f32.bytes());
        assertTrue(packedBytes < 0.6 * f32Bytes, packedBytes + " vs " + f32Bytes);

        bf16.save(tmp);
        FalconH1Parameters packedBack = FalconH1Parameters.load(tmp, falconh1r.kernels.Half.Format.BF16);
        FalconH1Parameters widenedBack = FalconH1Parameters.load(tmp);
        String q = "model.layers.1.self_attn.q_proj.weight";
        assertArrayEquals(bf16.weight(q).packed(), packedBack.weight(q).packed());
        assertArrayEquals(falconh1r.kernels.Half.toFloats(bf16.weight(q).packed(), falconh1r.kernels.Half.Format.BF16),
                widenedBack.get(q));
        // an f32 checkpoint loaded with bf16 storage is narrowed exactly as the init was
        f32.save(tmp.resolve("f32"));
        assertArrayEquals(bf16.weight(q).packed(),
                FalconH1Parameters.load(tmp.resolve("f32"), falconh1r.kernels.Half.Format.BF16).weight(q).packed());
    }

    @Test
    void normalWeightsHaveTheConfiguredStd() {
        FalconH1Config c = tiny(", \"initializer_range\": 0.05, \"hidden_size\": 64, \"vocab_size\": 4000");
        float[] w = FalconH1Parameters.init(c, 1).get("lm_head.weight");
        double mean = 0;
        double sq = 0;
        for (float x : w) {
            mean += x;
            sq += (double) x * x;
        }
        mean /= w.length;
        double std = Math.sqrt(sq / w.length - mean * mean);
        assertEquals(0, mean, 0.002);       // 256000 draws: standard error 1e-4
        assertEquals(0.05, std, 0.0005);
    }

    @Test
    void zeroInitializerRangeMeans002() {
        float[] w = FalconH1Parameters.init(tiny(", \"initializer_range\": 0.0"), 1).get("lm_head.weight");
        double sq = 0;
        for (float x : w) sq += (double) x * x;
        assertEquals(0.02, Math.sqrt(sq / w.length), 0.004);
    }

    @Test
    void seedDecides() {
        FalconH1Config c = tiny("");
        String name = "model.layers.1.mamba.in_proj.weight";
        assertArrayEquals(FalconH1Parameters.init(c, 5).get(name), FalconH1Parameters.init(c, 5).get(name));
        assertFalse(Arrays.equals(FalconH1Parameters.init(c, 5).get(name), FalconH1Parameters.init(c, 6).get(name)));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void saveThenLoadIsExact(boolean tied) {
        FalconH1Parameters p = FalconH1Parameters.init(tiny(", \"tie_word_embeddings\": " + tied), 11);
        p.save(tmp);
        FalconH1Parameters back = FalconH1Parameters.load(tmp);
        assertEquals(p.config(), back.config());
        assertEquals(p.names(), back.names());
        for (String name : p.names()) assertArrayEquals(p.get(name), back.get(name), name);
        assertEquals(!tied, back.names().contains("lm_head.weight"));
        if (tied) assertSame(back.get("model.embed_tokens.weight"), back.lmHead().f32());
    }

    @Test
    void loadsBf16Widened() {
        FalconH1Parameters p = FalconH1Parameters.init(tiny(""), 3);
        SafetensorsWriter w = new SafetensorsWriter();
        for (String name : p.names()) w.add(name, DType.BF16, longs(p.shape(name)), p.get(name));
        write(p.config(), w);
        FalconH1Parameters back = FalconH1Parameters.load(tmp);
        float[] a = p.get("model.layers.0.self_attn.q_proj.weight");
        float[] b = back.get("model.layers.0.self_attn.q_proj.weight");
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], Math.abs(a[i]) / 128, "element " + i);
        assertEquals(p.get("model.layers.0.mamba.D")[0], back.get("model.layers.0.mamba.D")[0]);
    }

    @Test
    void missingTensorIsNamed() {
        FalconH1Parameters p = FalconH1Parameters.init(tiny(""), 3);
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> load(p, Map.of("model.layers.1.mamba.A_log", new long[0]), null));
        assertTrue(e.getMessage().endsWith("missing tensor 'model.layers.1.mamba.A_log' (expected [5])"), e.getMessage());
    }

    @Test
    void misshapenTensorIsNamedWithBothShapes() {
        FalconH1Parameters p = FalconH1Parameters.init(tiny(""), 3);
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> load(p, Map.of("model.layers.0.mamba.conv1d.weight", new long[] {26, 4}), null));
        assertTrue(e.getMessage().endsWith("tensor 'model.layers.0.mamba.conv1d.weight' has shape [26, 4], expected [26, 1, 4]"),
                e.getMessage());
    }

    @Test
    void unexpectedTensorIsNamed() {
        FalconH1Parameters p = FalconH1Parameters.init(tiny(""), 3);
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> load(p, Map.of(), "model.layers.0.self_attn.q_proj.bias"));
        assertTrue(e.getMessage().endsWith("unexpected tensor 'model.layers.0.self_attn.q_proj.bias' [2] for this config"),
                e.getMessage());
        FalconH1Parameters tied = FalconH1Parameters.init(tiny(", \"tie_word_embeddings\": true"), 3);
        SafetensorsException t = assertThrows(SafetensorsException.class, () -> load(tied, Map.of(), "lm_head.weight"));
        assertTrue(t.getMessage().endsWith("unexpected tensor 'lm_head.weight' [2] (tie_word_embeddings is true) for this config"),
                t.getMessage());
    }

    @Test
    void badConfigIsAConfigException() throws IOException {
        FalconH1Parameters.init(tiny(""), 3).save(tmp);
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"mamba2\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> FalconH1Parameters.load(tmp));
        assertEquals("model_type", e.field());
    }

    /**
     * Writes {@code p} with some tensors changed: an empty shape drops the tensor, another shape
     * replaces it (filled with zeros); {@code extra} adds a tensor of shape [2].
     */
    private void load(FalconH1Parameters p, Map<String, long[]> changed, String extra) {
        SafetensorsWriter w = new SafetensorsWriter();
        for (String name : p.names()) {
            long[] shape = changed.getOrDefault(name, longs(p.shape(name)));
            if (shape.length == 0) continue;
            w.add(name, DType.F32, shape, changed.containsKey(name) ? new float[(int) Arrays.stream(shape).reduce(1, Math::multiplyExact)] : p.get(name));
        }
        if (extra != null) w.add(extra, DType.F32, new long[] {2}, new float[2]);
        write(p.config(), w);
        FalconH1Parameters.load(tmp);
    }

    private void write(FalconH1Config config, SafetensorsWriter w) {
        try {
            Files.writeString(tmp.resolve("config.json"), config.toJson());
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        w.write(tmp.resolve("model.safetensors"));
    }

    private static long[] longs(int[] shape) {
        return Arrays.stream(shape).asLongStream().toArray();
    }
}
