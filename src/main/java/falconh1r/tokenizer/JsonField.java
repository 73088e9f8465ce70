package falconh1r.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One node of a tokenizer.json with its path ({@code model.merges[12]}), for typed reads whose
 * failures are {@link TokenizerException}s naming the file and the path.
 */
final class JsonField {
    private final JsonNode node;
    private final String path;
    private final String source;

    JsonField(JsonNode node, String path, String source) {
        this.node = node;
        this.path = path;
        this.source = source;
    }

    String source() {
        return source;
    }

    TokenizerException error(String reason) {
        return new TokenizerException(source, path, reason);
    }

    TokenizerException error(String reason, Throwable cause) {
        return new TokenizerException(source, path, reason, cause);
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** A key that must be present and not null. */
    JsonField get(String key) {
        JsonField f = optional(key);
        if (f == null) throw new TokenizerException(source, child(key), "missing");
        return f;
    }

    /** A key that may be absent or null (then null). */
    JsonField optional(String key) {
        requireObject();
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : new JsonField(v, child(key), source);
    }

    boolean has(String key) {
        return optional(key) != null;
    }

    String string() {
        if (!node.isTextual()) throw error("expected a string, got " + describe());
        return node.textValue();
    }

    String string(String key) {
        return get(key).string();
    }

    String string(String key, String dflt) {
        JsonField f = optional(key);
        return f == null ? dflt : f.string();
    }

    boolean bool(String key, boolean dflt) {
        JsonField f = optional(key);
        if (f == null) return dflt;
        if (!f.node.isBoolean()) throw f.error("expected true or false, got " + f.describe());
        return f.node.booleanValue();
    }

    boolean isArray() {
        return node.isArray();
    }

    double number() {
        if (!node.isNumber()) throw error("expected a number, got " + describe());
        return node.doubleValue();
    }

    /** A non-negative int. */
    int index() {
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
            throw error("expected a non-negative integer, got " + describe());
        }
        return node.intValue();
    }

    int index(String key) {
        return get(key).index();
    }

    /** A string of exactly one code point. */
    int codePoint(String key) {
        JsonField f = get(key);
        String s = f.string();
        if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) throw f.error("expected one character, got \"" + s + "\"");
        return s.codePointAt(0);
    }

    List<JsonField> elements() {
        if (!node.isArray()) throw error("expected an array, got " + describe());
        List<JsonField> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) out.add(new JsonField(node.get(i), path + "[" + i + "]", source));
        return out;
    }

    List<JsonField> elements(String key) {
        return get(key).elements();
    }

    /** The object's entries in file order; a key's path is quoted ({@code model.vocab."Ġx"}). */
    List<Map.Entry<String, JsonField>> entries() {
        requireObject();
        List<Map.Entry<String, JsonField>> out = new ArrayList<>(node.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.add(Map.entry(e.getKey(), new JsonField(e.getValue(), path + ".\"" + e.getKey() + "\"", source)));
        }
        return out;
    }

    /** The {@code "type"} tag of a component object. */
    String type() {
        return string("type");
    }

    /** The {@code {"String": s}} or {@code {"Regex": r}} pattern of Split and Replace, as a compiled Java pattern. */
    OnigRegex pattern(String key) {
        JsonField p = get(key);
        JsonField literal = p.optional("String");
        JsonField regex = p.optional("Regex");
        if ((literal == null) == (regex == null)) throw p.error("expected {\"String\": ...} or {\"Regex\": ...}");
        if (literal != null) return OnigRegex.literal(literal.string());
        try {
            return OnigRegex.compile(regex.string());
        } catch (IllegalArgumentException e) {
            throw regex.error(e.getMessage(), e);
        }
    }

    private void requireObject() {
        if (!node.isObject()) throw error("expected an object, got " + describe());
    }

    private String describe() {
        if (node.isTextual()) return "\"" + node.textValue() + "\"";
        if (node.isContainerNode()) return node.isArray() ? "an array" : "an object";
        return node.toString();
    }
}
