package falconh1r.tokenizer;

import java.util.Arrays;
import java.util.Locale;

/**
 * The character predicates of the Rust code behind {@code tokenizers}, which differ from
 * {@link Character}'s namesakes: Rust's {@code char::is_whitespace} is Unicode White_Space
 * ({@link Character#isWhitespace} drops U+00A0 and U+202F and adds U+001C..U+001F), and the Rust
 * {@code regex} crate's {@code \w} adds Join_Control to Alphabetic, marks, Nd and Pc.
 */
final class CodePoints {
    private CodePoints() {}

    /** Rust {@code char::is_whitespace}: the Unicode White_Space property. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** Rust {@code char::is_numeric}: general category Nd, Nl or No. */
    static boolean isNumeric(int cp) {
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /**
     * tokenizers' {@code is_punc}: ASCII punctuation, or a P* category in the tables of the
     * {@code unicode_categories} 0.1.1 crate (Unicode 8): Java's P* minus {@link #NEWER_PUNCTUATION},
     * plus U+166D and U+111C9 (punctuation then, So and Mn now). Punctuation assigned after
     * Unicode 14 is not listed and counts as punctuation here but not in tokenizers.
     */
    static boolean isPunctuation(int cp) {
        if (cp < 0x80) return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) || (cp >= 0x7B && cp <= 0x7E);
        if (cp == 0x166D || cp == 0x111C9) return true;
        boolean p = switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
        return p && Arrays.binarySearch(NEWER_PUNCTUATION, cp) < 0;
    }

    /** P* characters of Unicode 14 that are not punctuation for unicode_categories 0.1.1 (from probes.json "classes"). */
    private static final int[] NEWER_PUNCTUATION = {
        0x061D, 0x09FD, 0x0A76, 0x0C77, 0x0C84, 0x1B7D, 0x1B7E, 0x2E43, 0x2E44, 0x2E45, 0x2E46, 0x2E47, 0x2E48, 0x2E49,
        0x2E4A, 0x2E4B, 0x2E4C, 0x2E4D, 0x2E4E, 0x2E4F, 0x2E52, 0x2E53, 0x2E54, 0x2E55, 0x2E56, 0x2E57, 0x2E58, 0x2E59,
        0x2E5A, 0x2E5B, 0x2E5C, 0x2E5D, 0x10EAD, 0x10F55, 0x10F56, 0x10F57, 0x10F58, 0x10F59, 0x10F86, 0x10F87, 0x10F88,
        0x10F89, 0x1144B, 0x1144C, 0x1144D, 0x1144E, 0x1144F, 0x1145A, 0x1145B, 0x1145D, 0x11660, 0x11661, 0x11662,
        0x11663, 0x11664, 0x11665, 0x11666, 0x11667, 0x11668, 0x11669, 0x1166A, 0x1166B, 0x1166C, 0x116B9, 0x1183B,
        0x11944, 0x11945, 0x11946, 0x119E2, 0x11A3F, 0x11A40, 0x11A41, 0x11A42, 0x11A43, 0x11A44, 0x11A45, 0x11A46,
        0x11A9A, 0x11A9B, 0x11A9C, 0x11A9E, 0x11A9F, 0x11AA0, 0x11AA1, 0x11AA2, 0x11C41, 0x11C42, 0x11C43, 0x11C44,
        0x11C45, 0x11C70, 0x11C71, 0x11EF7, 0x11EF8, 0x11FFF, 0x12FF1, 0x12FF2, 0x16E97, 0x16E98, 0x16E99, 0x16E9A,
        0x16FE2, 0x1E95E, 0x1E95F,
    };

    /** The Rust {@code regex} crate's Unicode {@code \w}: Alphabetic, marks, Nd, Pc, Join_Control. */
    static boolean isRegexWord(int cp) {
        if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) return true;
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> false;
        };
    }

    /**
     * Rust's {@code char::to_lowercase} applied to each code point: the context-free Unicode
     * lowercase mapping (Σ is σ everywhere, İ is i + U+0307), which is what
     * {@link String#toLowerCase} with {@link Locale#ROOT} does to one code point at a time.
     */
    static String lowercase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            if (cp < 0x80) {
                out.append((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
            } else {
                out.append(s.substring(i, i + n).toLowerCase(Locale.ROOT));
            }
            i += n;
        }
        return out.toString();
    }

    /** The string with each unpaired UTF-16 surrogate replaced by U+FFFD (Rust's {@code String::from_utf16_lossy}). */
    static String replaceUnpairedSurrogates(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                if (out != null) out.append(c).append(s.charAt(i + 1));
                i++;
            } else if (Character.isSurrogate(c)) {
                if (out == null) out = new StringBuilder(s.length()).append(s, 0, i);
                out.append('\uFFFD');
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }
}
