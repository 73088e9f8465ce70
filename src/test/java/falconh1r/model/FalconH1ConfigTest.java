package falconh1r.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FalconH1ConfigTest {

    /** Falcon-H1-0.5B-Instruct's config.json (spec §13), in the legacy v4 form with keys transformers ignores. */
    static final String FALCON_H1_05B = """
            {
              "architectures": ["FalconH1ForCausalLM"],
              "attention_bias": false, "attention_dropout": 0.0,
              "attention_in_multiplier": 1.0, "attention_out_multiplier": 0.9375,
              "attn_layer_indices": null, "bos_token_id": 1,
              "embedding_multiplier": 5.656854249492381, "eos_token_id": 11,
              "head_dim": 64, "hidden_act": "silu", "hidden_size": 1024,
              "initializer_range": 0.02, "intermediate_size": 2048,
              "key_multiplier": 0.39062499999999994, "lm_head_multiplier": 0.0390625,
              "mamba_chunk_size": 128, "mamba_conv_bias": true, "mamba_d_conv": 4,
              "mamba_d_head": 64, "mamba_d_ssm": 1536, "mamba_d_state": 128, "mamba_expand": 2,
              "mamba_n_groups": 1, "mamba_n_heads": 24, "mamba_norm_before_gate": false,
              "mamba_proj_bias": false, "mamba_rms_norm": false, "mamba_use_mlp": true,
              "max_position_embeddings": 16384, "mlp_bias": false, "mlp_expansion_factor": 8,
              "mlp_multipliers": [0.8838834764831844, 0.5859375],
              "model_type": "falcon_h1", "num_attention_heads": 8, "num_hidden_layers": 36,
              "num_key_value_heads": 2, "num_logits_to_keep": 1, "pad_token_id": 0,
              "projectors_bias": false, "rms_norm_eps": 1e-05, "rope_scaling": null,
              "rope_theta": 100000000000.0, "ssm_in_multiplier": 1.25,
              "ssm_multipliers": [0.3535533905932738, 0.25, 0.3535533905932738, 0.5, 0.3535533905932738],
              "ssm_out_multiplier": 0.23570226039551587, "tie_word_embeddings": false,
              "torch_dtype": "bfloat16", "transformers_version": "4.52.0.dev0",
              "use_cache": true, "vocab_size": 32784
            }
            """;

    @Test
    void readsFalconH1_05B() {
        FalconH1Config c = FalconH1Config.parse(FALCON_H1_05B, "0.5B/config.json");
        assertEquals(32784, c.vocabSize());
        assertEquals(1024, c.hiddenSize());
        assertEquals(2048, c.intermediateSize());
        assertEquals(36, c.numHiddenLayers());
        assertEquals(8, c.numAttentionHeads());
        assertEquals(2, c.numKeyValueHeads());
        assertEquals(64, c.headDim());
        assertEquals(1e11, c.ropeTheta());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(16384, c.maxPositionEmbeddings());
        assertEquals(1536, c.mambaDSsm());
        assertEquals(24, c.mambaNHeads());
        assertEquals(64, c.mambaDHead());
        assertEquals(128, c.mambaDState());
        assertEquals(128, c.mambaChunkSize());
        assertEquals(false, c.mambaNormBeforeGate());
        assertEquals(false, c.mambaRmsNorm());
        assertEquals(true, c.mambaConvBias());
        assertEquals(5.656854249492381, c.embeddingMultiplier());
        assertEquals(0.0390625, c.lmHeadMultiplier());
        assertEquals(0.39062499999999994, c.keyMultiplier());
        assertEquals(0.9375, c.attentionOutMultiplier());
        assertEquals(1.25, c.ssmInMultiplier());
        assertEquals(0.23570226039551587, c.ssmOutMultiplier());
        assertEquals(List.of(0.3535533905932738, 0.25, 0.3535533905932738, 0.5, 0.3535533905932738), c.ssmMultipliers());
        assertEquals(List.of(0.8838834764831844, 0.5859375), c.mlpMultipliers());
        assertEquals(List.of(0.0, Double.POSITIVE_INFINITY), c.timeStepLimit());
        assertEquals(0, c.padTokenId());
        assertEquals(1, c.bosTokenId());
        assertEquals(List.of(11), c.eosTokenIds());
        assertEquals(1536 + 2 * 128, c.convDim());
        assertEquals(2 * 1536 + 2 * 128 + 24, c.inProjSize());
    }

    /** The class defaults, as {@code FalconH1Config()} of transformers 5.24 resolves them. */
    @Test
    void emptyObjectGivesTransformersDefaults() {
        FalconH1Config c = FalconH1Config.parse("{}", "defaults");
        assertEquals(128000, c.vocabSize());
        assertEquals(4096, c.hiddenSize());
        assertEquals(14336, c.intermediateSize());
        assertEquals(32, c.numHiddenLayers());
        assertEquals(32, c.numAttentionHeads());
        assertEquals(8, c.numKeyValueHeads());
        assertEquals(128, c.headDim()); // getattr(config, "head_dim", hidden // heads)
        assertEquals(10_000.0, c.ropeTheta()); // RotaryEmbeddingConfigMixin.default_theta
        assertEquals(8192, c.maxPositionEmbeddings());
        assertEquals(1024, c.mambaDSsm());
        assertEquals(128, c.mambaNHeads());
        assertEquals(8, c.mambaDHead());
        assertEquals(256, c.mambaDState());
        assertEquals(256, c.mambaChunkSize());
        assertEquals(true, c.mambaNormBeforeGate());
        assertEquals(false, c.tieWordEmbeddings());
        assertEquals(0.02, c.initializerRange());
        assertEquals(List.of(1.0, 1.0, 1.0, 1.0, 1.0), c.ssmMultipliers());
        assertEquals(List.of(1.0, 1.0), c.mlpMultipliers());
        assertEquals(List.of(2), c.eosTokenIds());
    }

    @Test
    void resolvesNullsAndAuto() {
        FalconH1Config c = FalconH1Config.parse("""
                {"hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": null,
                 "mamba_d_ssm": null, "mamba_expand": 3, "mamba_n_heads": 6, "mamba_d_head": "auto",
                 "mlp_multipliers": null, "ssm_multipliers": null, "pad_token_id": null,
                 "eos_token_id": [5, 7], "vocab_size": 100}""", "c");
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(16, c.headDim());
        assertEquals(192, c.mambaDSsm());
        assertEquals(32, c.mambaDHead());
        assertEquals(List.of(1.0, 1.0), c.mlpMultipliers());
        assertNull(c.padTokenId());
        assertEquals(List.of(5, 7), c.eosTokenIds());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{}                                                                        | 10000.0",
            "{'rope_theta': 1e11}                                                      | 1e11",
            "{'rope_theta': 3.0, 'rope_parameters': {'rope_theta': 5.0, 'rope_type': 'default'}} | 5.0",
            "{'rope_theta': 3.0, 'rope_parameters': {'rope_type': 'default'}}          | 3.0",
            "{'rope_theta': 3.0, 'rope_scaling': {'type': 'default', 'rope_theta': 7.0}, 'rope_parameters': {'rope_theta': 5.0}} | 7.0",
            "{'rope_theta': 3.0, 'rope_scaling': {}, 'rope_parameters': {'rope_theta': 5.0}} | 5.0",
            "{'rope_parameters': null, 'rope_scaling': null}                           | 10000.0",
    })
    void ropeThetaAsTransformersResolvesIt(String json, double theta) {
        assertEquals(theta, FalconH1Config.parse(json.replace('\'', '"'), "c").ropeTheta());
    }

    @Test
    void readsInfinityInBothSpellings() {
        String tagged = "{\"time_step_limit\": [0.001, {\"__float__\": \"Infinity\"}]}";
        String bare = "{\"time_step_limit\": [0.001, Infinity]}";
        assertEquals(List.of(0.001, Double.POSITIVE_INFINITY), FalconH1Config.parse(tagged, "c").timeStepLimit());
        assertEquals(List.of(0.001, Double.POSITIVE_INFINITY), FalconH1Config.parse(bare, "c").timeStepLimit());
    }

    @Test
    void toJsonRoundTrips() {
        for (String json : List.of(FALCON_H1_05B, "{}", "{\"eos_token_id\": [3, 4], \"bos_token_id\": null, \"tie_word_embeddings\": true}")) {
            FalconH1Config c = FalconH1Config.parse(json, "c");
            String out = c.toJson();
            assertEquals(c, FalconH1Config.parse(out, "out"), out);
            assertTrue(out.contains("\"model_type\" : \"falcon_h1\""), out);
            assertTrue(out.contains("\"__float__\" : \"Infinity\""), out);
        }
    }

    @Test
    void readNamesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"hidden_size\": 0}");
        ConfigException e = assertThrows(ConfigException.class, () -> FalconH1Config.read(file));
        assertEquals(file + ": hidden_size: must be positive, got 0", e.getMessage());
        ConfigException missing = assertThrows(ConfigException.class, () -> FalconH1Config.read(dir.resolve("nope.json")));
        assertTrue(missing.getMessage().startsWith(dir.resolve("nope.json") + ": cannot read"), missing.getMessage());
    }

    /** Each malformed config names its field (null: the whole file) and says why. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "{'model_type': 'llama'}                  | model_type              | expected \"falcon_h1\", got \"llama\"",
            "{'model_type': 3}                        | model_type              | expected a string, got an integer 3",
            "{'vocab_size': -5}                       | vocab_size              | must be positive, got -5",
            "{'hidden_size': 0}                       | hidden_size             | must be positive, got 0",
            "{'hidden_size': 1024.0}                  | hidden_size             | expected an integer, got a float 1024.0",
            "{'hidden_size': '1024'}                  | hidden_size             | expected an integer, got a string \"1024\"",
            "{'hidden_size': 99999999999}             | hidden_size             | integer 99999999999 out of range",
            "{'intermediate_size': 0}                 | intermediate_size       | must be positive, got 0",
            "{'num_hidden_layers': null}              | num_hidden_layers       | expected an integer, got null",
            "{'num_attention_heads': 0}               | num_attention_heads     | must be positive, got 0",
            "{'num_key_value_heads': 5}               | num_key_value_heads     | 5 does not divide num_attention_heads 32",
            "{'num_key_value_heads': 0}               | num_key_value_heads     | must be positive, got 0",
            "{'head_dim': null}                       | head_dim                | expected an integer, got null",
            "{'head_dim': -64}                        | head_dim                | must be positive, got -64",
            "{'mamba_d_ssm': 1000, 'mamba_n_heads': 3} | mamba_n_heads          | 3 does not divide mamba_d_ssm 1000",
            "{'mamba_d_head': 7}                      | mamba_d_head            | 7 * mamba_n_heads 128 != mamba_d_ssm 1024",
            "{'mamba_d_head': 'big'}                  | mamba_d_head            | expected an integer or \"auto\", got \"big\"",
            "{'mamba_d_ssm': null, 'mamba_expand': 0} | mamba_expand            | must be positive, got 0",
            "{'mamba_d_ssm': 0}                       | mamba_d_ssm             | must be positive, got 0",
            "{'mamba_n_groups': 3}                    | mamba_n_groups          | 3 does not divide mamba_n_heads 128",
            "{'mamba_d_state': 0}                     | mamba_d_state           | must be positive, got 0",
            "{'mamba_d_conv': 0}                      | mamba_d_conv            | must be positive, got 0",
            "{'mamba_chunk_size': -1}                 | mamba_chunk_size        | must be positive, got -1",
            "{'mamba_rms_norm': 1}                    | mamba_rms_norm          | expected true or false, got an integer 1",
            "{'tie_word_embeddings': 'false'}         | tie_word_embeddings     | expected true or false, got a string \"false\"",
            "{'rms_norm_eps': -1e-5}                  | rms_norm_eps            | must not be negative, got -1.0E-5",
            "{'rms_norm_eps': 'tiny'}                 | rms_norm_eps            | expected a number, got a string \"tiny\"",
            "{'initializer_range': -0.02}             | initializer_range       | must not be negative, got -0.02",
            "{'embedding_multiplier': NaN}            | embedding_multiplier    | must be finite, got NaN",
            "{'key_multiplier': {'__float__': 'Infinity'}} | key_multiplier     | must be finite, got Infinity",
            "{'ssm_multipliers': [1, 1, 1, 1]}        | ssm_multipliers         | expected 5 numbers, got 4",
            "{'ssm_multipliers': 1.0}                 | ssm_multipliers         | expected a list of 5 numbers, got a float 1.0",
            "{'mlp_multipliers': [1.0, 'x']}          | mlp_multipliers         | expected a number, got a string \"x\"",
            "{'mlp_multipliers': [1.0, Infinity]}     | mlp_multipliers         | must be finite, got [1.0, Infinity]",
            "{'time_step_limit': null}                | time_step_limit         | must be [min, max], got null",
            "{'time_step_limit': [0.0]}               | time_step_limit         | expected 2 numbers, got 1",
            "{'time_step_limit': [0.0, NaN]}          | time_step_limit         | NaN bound in [0.0, NaN]",
            "{'rope_theta': null}                     | rope_theta              | expected a number, got null",
            "{'rope_theta': 0}                        | rope_theta              | must be positive and finite, got 0.0",
            "{'rope_parameters': {'rope_theta': 'x'}} | rope_parameters.rope_theta | expected a number, got a string \"x\"",
            "{'rope_parameters': {'rope_type': 'yarn', 'factor': 4.0}} | rope_parameters.rope_type | only \"default\" RoPE is implemented, got a string \"yarn\"",
            "{'rope_scaling': {'type': 'linear', 'factor': 2.0}} | rope_scaling.type | only \"default\" RoPE is implemented, got a string \"linear\"",
            "{'rope_parameters': [1]}                 | rope_parameters         | expected an object, got a list [1]",
            "{'hidden_act': 'gelu'}                   | hidden_act              | only \"silu\" is implemented, got \"gelu\"",
            "{'pad_token_id': 128000}                 | pad_token_id            | 128000 is outside the vocabulary [0, 128000)",
            "{'pad_token_id': -1}                     | pad_token_id            | -1 is outside the vocabulary [0, 128000)",
            "{'eos_token_id': [2, 'x']}               | eos_token_id            | expected an integer, got a string \"x\"",
            "{'max_position_embeddings': 0}           | max_position_embeddings | must be positive, got 0",
            "[1, 2]                                   | -                       | expected a JSON object",
            "null                                     | -                       | expected a JSON object",
    })
    void refusesWithTheFieldNamed(String json, String field, String reason) {
        ConfigException e = assertThrows(ConfigException.class, () -> FalconH1Config.parse(json.replace('\'', '"'), "bad.json"));
        assertEquals(field, e.field());
        assertEquals("bad.json: " + (field == null ? "" : field + ": ") + reason, e.getMessage());
    }

    @Test
    void refusesInvalidJson() {
        for (String json : List.of("{\"hidden_size\": 64,}", "{\"hidden_size\": ", "", "{} trailing")) {
            ConfigException e = assertThrows(ConfigException.class, () -> FalconH1Config.parse(json, "bad.json"), json);
            assertNull(e.field());
            assertTrue(e.getMessage().startsWith("bad.json: "), e.getMessage());
        }
    }
}
