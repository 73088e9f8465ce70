package falconh1r.io;

import java.util.Comparator;

/**
 * The JSON text conventions this package must reproduce byte for byte: serde_json's compact
 * output (safetensors headers) and Python's {@code json.dumps(..., indent=2, sort_keys=True)}
 * (transformers' {@code model.safetensors.index.json}), plus the key order both sort by.
 */
final class JsonText {
    private JsonText() {}

    /**
     * Unicode code point order: what Rust's {@code str} ordering (UTF-8 bytes) and Python's
     * {@code str} ordering agree on, and what {@link String#compareTo} (UTF-16 units) is not for
     * characters above U+FFFF.
     */
    static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    /** Index of the first unpaired surrogate (text that has no UTF-8 form), or -1. */
    static int unpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * A quoted string as serde_json writes it: {@code "} and {@code \} escaped, {@code \b \t \n
     * \f \r} by name, other characters below U+0020 as {@code \}{@code u00xx} (lower-case hex),
     * everything else (DEL and non-ASCII included) as is, to be encoded as UTF-8.
     */
    static void appendSerde(StringBuilder out, String s) {
        appendQuoted(out, s, false);
    }

    /**
     * A quoted string as Python's {@code json.dumps} writes it with {@code ensure_ascii=True}: as
     * serde_json, except that every character above {@code '~'} is also written as
     * {@code \}{@code uxxxx} (lower-case hex, one escape per UTF-16 unit).
     */
    static void appendPython(StringBuilder out, String s) {
        appendQuoted(out, s, true);
    }

    private static void appendQuoted(StringBuilder out, String s, boolean asciiOnly) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20 || (asciiOnly && c > 0x7E)) appendUnicodeEscape(out, c);
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }

    private static void appendUnicodeEscape(StringBuilder out, char c) {
        String hex = Integer.toHexString(c);
        out.append("\\u").append("0".repeat(4 - hex.length())).append(hex);
    }
}
