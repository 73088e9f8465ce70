package falconh1r.tokenizer;

import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.List;

/**
 * tokenizers' normalizers ({@code normalizers/*.rs}), as string-to-string functions: the offsets
 * alignment tokenizers keeps alongside is not needed for ids.
 */
final class Normalizers {
    private Normalizers() {}

    /** A normalizer: {@code Normalizer::normalize} on one piece of text. */
    interface Normalizer {
        String normalize(String s);
    }

    /** The {@code normalizer} object of a tokenizer.json. */
    static Normalizer parse(JsonField f) {
        String type = f.type();
        return switch (type) {
            case "NFC" -> s -> java.text.Normalizer.normalize(s, Form.NFC);
            case "NFD" -> s -> java.text.Normalizer.normalize(s, Form.NFD);
            case "NFKC" -> s -> java.text.Normalizer.normalize(s, Form.NFKC);
            case "NFKD" -> s -> java.text.Normalizer.normalize(s, Form.NFKD);
            case "Lowercase" -> CodePoints::lowercase;
            case "Strip" -> strip(f.bool("strip_left", true), f.bool("strip_right", true));
            case "Prepend" -> prepend(f.string("prepend"));
            case "Replace" -> replace(f.pattern("pattern"), f.string("content"));
            case "ByteLevel" -> ByteLevelTable::encode;
            case "Sequence" -> sequence(f.elements("normalizers"));
            default -> throw f.get("type").error("unsupported normalizer \"" + type
                    + "\" (NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, Replace, ByteLevel, Sequence)");
        };
    }

    private static Normalizer sequence(List<JsonField> items) {
        List<Normalizer> parts = new ArrayList<>();
        for (JsonField item : items) parts.add(parse(item));
        return s -> {
            for (Normalizer n : parts) s = n.normalize(s);
            return s;
        };
    }

    /** {@code Strip}: leading and/or trailing White_Space removed. */
    static Normalizer strip(boolean left, boolean right) {
        return s -> {
            int start = 0;
            int end = s.length();
            while (left && start < end && CodePoints.isWhiteSpace(s.codePointAt(start))) start += Character.charCount(s.codePointAt(start));
            while (right && end > start && CodePoints.isWhiteSpace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
            return s.substring(start, end);
        };
    }

    /** {@code Prepend}: the string put in front of any non-empty piece. */
    static Normalizer prepend(String prefix) {
        return s -> s.isEmpty() ? s : prefix + s;
    }

    /** {@code Replace}: every match (Oniguruma iteration) replaced by {@code content}. */
    static Normalizer replace(OnigRegex pattern, String content) {
        return s -> replaceAll(pattern, content, s);
    }

    static String replaceAll(OnigRegex pattern, String content, String s) {
        Matches m = pattern.findMatches(s, new Matches());
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < m.size(); i++) {
            if (m.isMatch(i)) {
                out.append(content);
            } else {
                out.append(s, m.start(i), m.end(i));
            }
        }
        return out.toString();
    }
}
