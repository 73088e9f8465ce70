package falconh1r.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The hyper-parameters of a Falcon-H1 model, read from a Hugging Face {@code config.json}
 * ({@code model_type: falcon_h1}): transformers 5.24's {@code FalconH1Config}
 * ({@code models/falcon_h1/configuration_falcon_h1.py}) with its defaults and
 * {@code __post_init__} resolutions, plus what the modeling code derives with {@code getattr}.
 * Field names are the HF keys in camelCase; resolved values only ({@code mamba_d_ssm: null} is
 * stored as {@code mamba_expand * hidden_size}, {@code mamba_d_head: "auto"} as
 * {@code mamba_d_ssm / mamba_n_heads}, {@code num_key_value_heads: null} as the head count).
 *
 * <p>Keys transformers ignores (and any unknown key) are tolerated and dropped. Values that cannot
 * build a model are refused with a {@link ConfigException} naming the field; see {@link #parse}.
 *
 * @param headDim          attention head size: the file's {@code head_dim}, else
 *                         {@code hidden_size / num_attention_heads} (the attention's {@code getattr})
 * @param ropeTheta        {@code rope_parameters.rope_theta} (or legacy {@code rope_scaling} /
 *                         top-level {@code rope_theta}), default 10000 ({@code default_theta})
 * @param timeStepLimit    [min, max] clamp of dt
 * @param ssmMultipliers   [z, x, B, C, dt] multipliers of the Mamba {@code in_proj} output
 * @param mlpMultipliers   [gate, down]
 * @param eosTokenIds      one or several ids ({@code eos_token_id} may be a list), or null
 */
public record FalconH1Config(
        int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
        int numAttentionHeads, int numKeyValueHeads, int headDim,
        String hiddenAct, double rmsNormEps, double ropeTheta, int maxPositionEmbeddings,
        boolean tieWordEmbeddings, double initializerRange,
        boolean attentionBias, boolean mlpBias, boolean projectorsBias,
        int mambaDSsm, int mambaNHeads, int mambaDHead, int mambaNGroups, int mambaDState,
        int mambaDConv, int mambaExpand, int mambaChunkSize,
        boolean mambaConvBias, boolean mambaProjBias, boolean mambaNormBeforeGate, boolean mambaRmsNorm,
        List<Double> timeStepLimit,
        double embeddingMultiplier, double lmHeadMultiplier, double keyMultiplier,
        double attentionInMultiplier, double attentionOutMultiplier,
        double ssmInMultiplier, double ssmOutMultiplier,
        List<Double> ssmMultipliers, List<Double> mlpMultipliers,
        Integer padTokenId, Integer bosTokenId, List<Integer> eosTokenIds) {

    public static final String MODEL_TYPE = "falcon_h1";
    public static final String ARCHITECTURE = "FalconH1ForCausalLM";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // Python's json writes bare Infinity/NaN
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    public FalconH1Config {
        timeStepLimit = List.copyOf(timeStepLimit);
        ssmMultipliers = List.copyOf(ssmMultipliers);
        mlpMultipliers = List.copyOf(mlpMultipliers);
        eosTokenIds = eosTokenIds == null ? null : List.copyOf(eosTokenIds);
    }

    /** Width of the Mamba conv1d: {@code mamba_d_ssm + 2 * n_groups * d_state}. */
    public int convDim() {
        return mambaDSsm + 2 * mambaNGroups * mambaDState;
    }

    /** Output width of the Mamba {@code in_proj}: [z, x, B, C, dt] = {@code d_ssm + conv_dim + n_heads}. */
    public int inProjSize() {
        return mambaDSsm + convDim() + mambaNHeads;
    }

    /** Reads and checks {@code configJson}; errors name that file. */
    public static FalconH1Config read(Path configJson) {
        String text;
        try {
            text = Files.readString(configJson);
        } catch (IOException e) {
            throw new ConfigException(configJson.toString(), null, "cannot read: " + e.getMessage(), e);
        }
        return parse(text, configJson.toString());
    }

    /**
     * Parses a config.json text; {@code sourceName} starts every error message. Refused: invalid
     * JSON or not an object; a {@code model_type} other than {@code falcon_h1} (an absent one is
     * accepted, as {@code FalconH1Config.from_pretrained} does); a value of the wrong JSON type;
     * non-positive sizes; {@code num_key_value_heads} not dividing the heads;
     * {@code mamba_n_heads} not dividing {@code mamba_d_ssm} or {@code mamba_d_head * mamba_n_heads
     * != mamba_d_ssm} (transformers' {@code validate_architecture}); {@code mamba_n_groups} not
     * dividing the Mamba heads; a {@code rope_type} other than {@code default}; a {@code hidden_act}
     * other than {@code silu}; a pad id outside the vocabulary; non-finite multipliers.
     */
    public static FalconH1Config parse(String json, String sourceName) {
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ConfigException(sourceName, null, "invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new ConfigException(sourceName, null, "expected a JSON object");
        }
        return ConfigReader.read(new ConfigFields((ObjectNode) tree, sourceName));
    }

    /**
     * This config as a {@code config.json} that {@code FalconH1Config.from_pretrained} accepts:
     * sorted keys, {@code rope_parameters} as transformers 5 writes it, infinities as
     * {@code {"__float__": "Infinity"}}, {@code architectures: ["FalconH1ForCausalLM"]},
     * {@code dtype: "float32"}. {@code mamba_d_ssm} and {@code mamba_d_head} are written resolved.
     */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(ARCHITECTURE);
        o.put("attention_bias", attentionBias);
        o.put("attention_in_multiplier", attentionInMultiplier);
        o.put("attention_out_multiplier", attentionOutMultiplier);
        putId(o, "bos_token_id", bosTokenId);
        o.put("dtype", "float32");
        o.put("embedding_multiplier", embeddingMultiplier);
        if (eosTokenIds == null) o.putNull("eos_token_id");
        else if (eosTokenIds.size() == 1) o.put("eos_token_id", eosTokenIds.getFirst());
        else eosTokenIds.forEach(o.putArray("eos_token_id")::add);
        o.put("head_dim", headDim);
        o.put("hidden_act", hiddenAct);
        o.put("hidden_size", hiddenSize);
        o.put("initializer_range", initializerRange);
        o.put("intermediate_size", intermediateSize);
        o.put("key_multiplier", keyMultiplier);
        o.put("lm_head_multiplier", lmHeadMultiplier);
        o.put("mamba_chunk_size", mambaChunkSize);
        o.put("mamba_conv_bias", mambaConvBias);
        o.put("mamba_d_conv", mambaDConv);
        o.put("mamba_d_head", mambaDHead);
        o.put("mamba_d_ssm", mambaDSsm);
        o.put("mamba_d_state", mambaDState);
        o.put("mamba_expand", mambaExpand);
        o.put("mamba_n_groups", mambaNGroups);
        o.put("mamba_n_heads", mambaNHeads);
        o.put("mamba_norm_before_gate", mambaNormBeforeGate);
        o.put("mamba_proj_bias", mambaProjBias);
        o.put("mamba_rms_norm", mambaRmsNorm);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("mlp_bias", mlpBias);
        putNumbers(o.putArray("mlp_multipliers"), mlpMultipliers);
        o.put("model_type", MODEL_TYPE);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_key_value_heads", numKeyValueHeads);
        putId(o, "pad_token_id", padTokenId);
        o.put("projectors_bias", projectorsBias);
        o.put("rms_norm_eps", rmsNormEps);
        ObjectNode rope = o.putObject("rope_parameters");
        rope.put("rope_theta", ropeTheta);
        rope.put("rope_type", "default");
        o.put("ssm_in_multiplier", ssmInMultiplier);
        putNumbers(o.putArray("ssm_multipliers"), ssmMultipliers);
        o.put("ssm_out_multiplier", ssmOutMultiplier);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        putNumbers(o.putArray("time_step_limit"), timeStepLimit);
        o.put("vocab_size", vocabSize);
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void putId(ObjectNode o, String key, Integer id) {
        if (id == null) o.putNull(key);
        else o.put(key, id);
    }

    /** Finite values as numbers; infinities and NaN as transformers' {@code __float__} tags. */
    private static void putNumbers(ArrayNode a, List<Double> values) {
        for (double v : values) {
            if (Double.isFinite(v)) a.add(v);
            else a.addObject().put("__float__", Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
        }
    }
}
