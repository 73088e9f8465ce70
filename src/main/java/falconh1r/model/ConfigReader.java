package falconh1r.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a {@link FalconH1Config} from config.json keys: the class defaults of transformers 5.24's
 * {@code FalconH1Config}, its {@code __post_init__} resolutions, the RoPE standardisation of
 * {@code RotaryEmbeddingConfigMixin.convert_rope_params_to_dict}, then the checks of
 * {@code validate_architecture} and those the modeling code would otherwise fail on later.
 */
final class ConfigReader {
    private ConfigReader() {}

    static FalconH1Config read(ConfigFields f) {
        String modelType = f.text("model_type", FalconH1Config.MODEL_TYPE);
        if (!modelType.equals(FalconH1Config.MODEL_TYPE)) {
            throw f.error("model_type", "expected \"falcon_h1\", got \"" + modelType + "\"");
        }
        int vocab = positive(f, "vocab_size", f.integer("vocab_size", 128000));
        int hidden = positive(f, "hidden_size", f.integer("hidden_size", 4096));
        int intermediate = positive(f, "intermediate_size", f.integer("intermediate_size", 14336));
        int layers = positive(f, "num_hidden_layers", f.integer("num_hidden_layers", 32));
        int heads = positive(f, "num_attention_heads", f.integer("num_attention_heads", 32));
        Integer kvOrNull = f.nullableInteger("num_key_value_heads", 8);
        int kv = positive(f, "num_key_value_heads", kvOrNull == null ? heads : kvOrNull);
        if (heads % kv != 0) {
            throw f.error("num_key_value_heads", kv + " does not divide num_attention_heads " + heads);
        }
        int headDim = positive(f, "head_dim", f.integer("head_dim", hidden / heads));
        if (headDim % 2 != 0) throw f.error("head_dim", "must be even (RoPE rotates pairs), got " + headDim);

        String act = f.text("hidden_act", "silu");
        if (!act.equals("silu")) throw f.error("hidden_act", "only \"silu\" is implemented, got \"" + act + "\"");
        double eps = f.finite("rms_norm_eps", 1e-5);
        if (eps < 0) throw f.error("rms_norm_eps", "must not be negative, got " + eps);
        double theta = ropeTheta(f);
        int maxPos = positive(f, "max_position_embeddings", f.integer("max_position_embeddings", 8192));
        double initRange = f.finite("initializer_range", 0.02);
        if (initRange < 0) throw f.error("initializer_range", "must not be negative, got " + initRange);

        Integer dSsmOrNull = f.nullableInteger("mamba_d_ssm", 1024);
        int expand = f.integer("mamba_expand", 2);
        int dSsm;
        if (dSsmOrNull == null) {
            positive(f, "mamba_expand", expand);
            dSsm = Math.multiplyExact(expand, hidden);
        } else {
            dSsm = positive(f, "mamba_d_ssm", dSsmOrNull);
        }
        int mHeads = positive(f, "mamba_n_heads", f.integer("mamba_n_heads", 128));
        if (dSsm % mHeads != 0) {
            throw f.error("mamba_n_heads", mHeads + " does not divide mamba_d_ssm " + dSsm);
        }
        int dHead = mambaDHead(f, dSsm / mHeads);
        if ((long) dHead * mHeads != dSsm) {
            throw f.error("mamba_d_head", dHead + " * mamba_n_heads " + mHeads + " != mamba_d_ssm " + dSsm);
        }
        int groups = positive(f, "mamba_n_groups", f.integer("mamba_n_groups", 1));
        if (mHeads % groups != 0) {
            throw f.error("mamba_n_groups", groups + " does not divide mamba_n_heads " + mHeads);
        }
        int dState = positive(f, "mamba_d_state", f.integer("mamba_d_state", 256));
        int dConv = positive(f, "mamba_d_conv", f.integer("mamba_d_conv", 4));
        int chunk = positive(f, "mamba_chunk_size", f.integer("mamba_chunk_size", 256));

        if (f.has("time_step_limit") && f.node("time_step_limit").isNull()) {
            throw f.error("time_step_limit", "must be [min, max], got null"); // the dt clamp indexes it
        }
        List<Double> limit = f.numbers("time_step_limit", 2, List.of(0.0, Double.POSITIVE_INFINITY));
        if (limit.contains(Double.NaN)) throw f.error("time_step_limit", "NaN bound in " + limit);

        List<Double> ssmMult = finite(f, "ssm_multipliers", f.numbers("ssm_multipliers", 5, List.of(1.0, 1.0, 1.0, 1.0, 1.0)));
        List<Double> mlpMult = finite(f, "mlp_multipliers", f.numbers("mlp_multipliers", 2, List.of(1.0, 1.0)));

        Integer pad = f.nullableInteger("pad_token_id", 0);
        if (pad != null && (pad < 0 || pad >= vocab)) {
            throw f.error("pad_token_id", pad + " is outside the vocabulary [0, " + vocab + ")");
        }
        Integer bos = f.nullableInteger("bos_token_id", 1);

        return new FalconH1Config(vocab, hidden, intermediate, layers, heads, kv, headDim,
                act, eps, theta, maxPos,
                f.bool("tie_word_embeddings", false), initRange,
                f.bool("attention_bias", false), f.bool("mlp_bias", false), f.bool("projectors_bias", false),
                dSsm, mHeads, dHead, groups, dState, dConv, expand, chunk,
                f.bool("mamba_conv_bias", true), f.bool("mamba_proj_bias", false),
                f.bool("mamba_norm_before_gate", true), f.bool("mamba_rms_norm", false),
                limit,
                f.finite("embedding_multiplier", 1.0), f.finite("lm_head_multiplier", 1.0),
                f.finite("key_multiplier", 1.0),
                f.finite("attention_in_multiplier", 1.0), f.finite("attention_out_multiplier", 1.0),
                f.finite("ssm_in_multiplier", 1.0), f.finite("ssm_out_multiplier", 1.0),
                ssmMult, mlpMult, pad, bos, eosTokenIds(f));
    }

    private static int positive(ConfigFields f, String key, int value) {
        if (value <= 0) throw f.error(key, "must be positive, got " + value);
        return value;
    }

    private static List<Double> finite(ConfigFields f, String key, List<Double> values) {
        for (double v : values) {
            if (!Double.isFinite(v)) throw f.error(key, "must be finite, got " + values);
        }
        return values;
    }

    /** {@code mamba_d_head}: an int, or "auto" (or absent) for {@code d_ssm / n_heads}. */
    private static int mambaDHead(ConfigFields f, int auto) {
        JsonNode v = f.node("mamba_d_head");
        if (v == null || (v.isTextual() && v.textValue().equals("auto"))) return auto;
        if (v.isTextual()) throw f.error("mamba_d_head", "expected an integer or \"auto\", got \"" + v.textValue() + "\"");
        return positive(f, "mamba_d_head", f.integer("mamba_d_head", v));
    }

    /**
     * RoPE base as {@code convert_rope_params_to_dict} resolves it: a non-empty legacy
     * {@code rope_scaling} dict replaces {@code rope_parameters}; its {@code rope_theta} wins over a
     * top-level {@code rope_theta}, which wins over {@code default_theta} (10000). Only
     * {@code rope_type} (or legacy {@code type}) "default" is implemented.
     */
    private static double ropeTheta(ConfigFields f) {
        String key = "rope_parameters";
        JsonNode params = f.node(key);
        JsonNode scaling = f.node("rope_scaling");
        if (scaling != null && !scaling.isNull() && !(scaling.isObject() && scaling.isEmpty())) {
            key = "rope_scaling";
            params = scaling;
        }
        if (params != null && !params.isNull()) {
            if (!params.isObject()) throw f.error(key, "expected an object, got " + ConfigFields.describe(params));
            String typeKey = params.has("rope_type") ? "rope_type" : "type";
            JsonNode type = params.get(typeKey);
            if (type != null && !(type.isTextual() && type.textValue().equals("default"))) {
                throw f.error(key + "." + typeKey, "only \"default\" RoPE is implemented, got " + ConfigFields.describe(type));
            }
            if (params.has("rope_theta")) return theta(f, key + ".rope_theta", f.number(key + ".rope_theta", params.get("rope_theta")));
        }
        return theta(f, "rope_theta", f.number("rope_theta", 10_000.0));
    }

    private static double theta(ConfigFields f, String key, double theta) {
        if (!(theta > 0) || Double.isInfinite(theta)) throw f.error(key, "must be positive and finite, got " + theta);
        return theta;
    }

    /** {@code eos_token_id}: an int, a list of ints, or null. */
    private static List<Integer> eosTokenIds(ConfigFields f) {
        JsonNode v = f.node("eos_token_id");
        if (v == null) return List.of(2);
        if (v.isNull()) return null;
        if (!v.isArray()) return List.of(f.integer("eos_token_id", v));
        List<Integer> ids = new ArrayList<>();
        for (JsonNode e : v) ids.add(f.integer("eos_token_id", e));
        return ids;
    }
}
