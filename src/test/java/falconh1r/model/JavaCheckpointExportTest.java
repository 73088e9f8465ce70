package falconh1r.model;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import falconh1r.io.DType;
import falconh1r.io.SafetensorsWriter;
import falconh1r.kernels.Backend;
import falconh1r.kernels.ScalarBackend;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random-initialised checkpoints written by Java, for fixtures/check_java_checkpoint.py, which loads
 * them with transformers' {@code FalconH1ForCausalLM.from_pretrained} and compares its logits with
 * the Java forward's. With {@code -Dfalcon.exportDir=DIR} they go to DIR (one sub-folder per
 * config); otherwise to a temporary folder; see fixtures/README.md.
 */
class JavaCheckpointExportTest {
    static final String TINY = """
            "vocab_size": 64, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
            "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 12, "mamba_d_state": 8,
            "mamba_d_conv": 4, "mamba_chunk_size": 8, "rope_theta": 1e11""";

    static final Map<String, String> CONFIGS = Map.of(
            "untied", "{" + TINY + ", \"mamba_d_ssm\": 48, \"mamba_n_heads\": 6, \"mamba_n_groups\": 2}",
            "tied_norm_biases", "{" + TINY + """
                    , "mamba_d_ssm": null, "mamba_expand": 2, "mamba_n_heads": 8, "mamba_rms_norm": true,
                    "mamba_norm_before_gate": false, "tie_word_embeddings": true, "attention_bias": true,
                    "mlp_bias": true, "projectors_bias": true, "mamba_proj_bias": true, "mamba_conv_bias": false,
                    "initializer_range": 0.05, "eos_token_id": [2, 5]}""",
            "h1_05b_multipliers", "{" + TINY + """
                    , "mamba_d_ssm": 48, "mamba_n_heads": 4, "mamba_d_head": 12,
                    "embedding_multiplier": 5.656854249492381, "lm_head_multiplier": 0.0390625,
                    "attention_out_multiplier": 0.9375, "key_multiplier": 0.39062499999999994,
                    "ssm_in_multiplier": 1.25, "ssm_out_multiplier": 0.23570226039551587,
                    "ssm_multipliers": [0.3535533905932738, 0.25, 0.3535533905932738, 0.5, 0.3535533905932738],
                    "mlp_multipliers": [0.8838834764831844, 0.5859375], "time_step_limit": [0.0, Infinity]}""");

    static final int[] IDS = {1, 5, 9, 3, 7, 2, 4, 8, 6, 10, 11};

    /**
     * Writes each checkpoint (to {@code -Dfalcon.exportDir} or a temporary folder) with the Java
     * forward's logits for {@link #IDS} beside it, and checks that the reloaded checkpoint gives the
     * same logits bit for bit (f32 weights round-trip exactly).
     */
    @Test
    void exportedCheckpointsReloadToTheSameLogits(@TempDir Path tmp) {
        String dir = System.getProperty("falcon.exportDir");
        Path root = dir != null ? Path.of(dir) : tmp;
        try (Backend backend = new ScalarBackend()) {
            CONFIGS.forEach((name, json) -> {
                Path out = root.resolve(name);
                FalconH1Parameters params = FalconH1Parameters.init(FalconH1Config.parse(json, name), 20260101L);
                params.save(out);
                float[] logits = new FalconH1(params, backend).forward(IDS, null, 0).logits();
                long[] ids = new long[IDS.length];
                for (int i = 0; i < IDS.length; i++) ids[i] = IDS[i];
                new SafetensorsWriter()
                        .addLongs("input_ids", new long[] {IDS.length}, ids)
                        .add("logits", DType.F32, new long[] {IDS.length, params.config().vocabSize()}, logits)
                        .write(out.resolve("java_logits.safetensors"));
                float[] reloaded = new FalconH1(FalconH1Parameters.load(out), backend).forward(IDS, null, 0).logits();
                assertArrayEquals(logits, reloaded, name + ": logits after save and load");
            });
        }
    }
}
