package falconh1r.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of one JSON object's keys, as transformers' strict config dataclasses check them:
 * an int field takes an integral JSON number only ({@code 1024.0} is refused), a bool field
 * {@code true}/{@code false} only. A float field takes any JSON number, the bare
 * {@code Infinity}/{@code NaN} Python's {@code json} writes, and the
 * {@code {"__float__": "Infinity"}} tag of {@code PreTrainedConfig._encode_special_floats}.
 * Every failure is a {@link ConfigException} naming the source and the key.
 */
final class ConfigFields {
    private final ObjectNode root;
    private final String source;

    ConfigFields(ObjectNode root, String source) {
        this.root = root;
        this.source = source;
    }

    /** Whether the key is present, null or not. */
    boolean has(String key) {
        return root.has(key);
    }

    JsonNode node(String key) {
        return root.get(key);
    }

    ConfigException error(String key, String reason) {
        return new ConfigException(source, key, reason);
    }

    /** A required int: the default when absent, an error when null or not integral. */
    int integer(String key, int dflt) {
        JsonNode v = root.get(key);
        return v == null ? dflt : integer(key, v);
    }

    /** An int that may be null (returned as null). */
    Integer nullableInteger(String key, Integer dflt) {
        JsonNode v = root.get(key);
        if (v == null) return dflt;
        return v.isNull() ? null : integer(key, v);
    }

    int integer(String key, JsonNode v) {
        if (!v.isIntegralNumber()) throw error(key, "expected an integer, got " + describe(v));
        if (!v.canConvertToInt()) throw error(key, "integer " + v.asText() + " out of range");
        return v.intValue();
    }

    boolean bool(String key, boolean dflt) {
        JsonNode v = root.get(key);
        if (v == null) return dflt;
        if (!v.isBoolean()) throw error(key, "expected true or false, got " + describe(v));
        return v.booleanValue();
    }

    double number(String key, double dflt) {
        JsonNode v = root.get(key);
        return v == null ? dflt : number(key, v);
    }

    double number(String key, JsonNode v) {
        if (v.isNumber()) return v.doubleValue();
        if (v.isObject() && v.size() == 1 && v.get("__float__") != null && v.get("__float__").isTextual()) {
            switch (v.get("__float__").textValue()) {
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                case "NaN": return Double.NaN;
                default: break;
            }
        }
        throw error(key, "expected a number, got " + describe(v));
    }

    /** A finite number. */
    double finite(String key, double dflt) {
        double x = number(key, dflt);
        if (!Double.isFinite(x)) throw error(key, "must be finite, got " + x);
        return x;
    }

    /** A list of exactly {@code n} finite numbers; null or absent gives the default. */
    List<Double> numbers(String key, int n, List<Double> dflt) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isArray()) throw error(key, "expected a list of " + n + " numbers, got " + describe(v));
        if (v.size() != n) throw error(key, "expected " + n + " numbers, got " + v.size());
        List<Double> out = new ArrayList<>(n);
        for (JsonNode e : v) out.add(number(key, e));
        return List.copyOf(out);
    }

    String text(String key, String dflt) {
        JsonNode v = root.get(key);
        if (v == null) return dflt;
        if (!v.isTextual()) throw error(key, "expected a string, got " + describe(v));
        return v.textValue();
    }

    static String describe(JsonNode v) {
        String kind = v.isNull() ? "null" : v.isBoolean() ? "a boolean" : v.isIntegralNumber() ? "an integer"
                : v.isNumber() ? "a float" : v.isTextual() ? "a string" : v.isArray() ? "a list" : "an object";
        String text = v.toString();
        return v.isNull() ? kind : kind + " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
    }
}
