package falconh1r.tokenizer;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A pattern of a tokenizer.json ({@code Split}, {@code Replace}) as tokenizers runs it: an
 * Oniguruma regex (the {@code onig} crate, Ruby syntax, UTF-8) translated to
 * {@link java.util.regex}, and Oniguruma's iteration over matches.
 *
 * <p>What the translation changes (each case is pinned by {@code probes.json}):
 * <ul>
 * <li>{@code \s}, {@code \d} are Unicode (White_Space, Nd): compiled with
 *     {@link Pattern#UNICODE_CHARACTER_CLASS}, which also makes {@code (?i)} Unicode-aware;
 * <li>{@code \w} is Oniguruma's: Alphabetic | Mark | Nd | Pc, plus ²³¹¼½¾ outside bracket classes
 *     (Java's would add Join_Control), and {@code \b}, {@code \B} are rebuilt from it;
 * <li>{@code \h} is a hex digit (Java: horizontal space), {@code \v} is U+000B (Java: vertical space);
 * <li>{@code \p{Greek}}, {@code \p{Alphabetic}} become {@code \p{IsGreek}}, {@code \p{IsAlphabetic}}
 *     (general categories stay), {@code \p{^L}} becomes {@code \P{L}};
 * <li>{@code ^} and {@code $} are line anchors for {@code \n} only ({@link Pattern#MULTILINE},
 *     {@link Pattern#UNIX_LINES}), {@code .} excludes only {@code \n}; the option {@code (?m)} is
 *     Java's {@code (?s)};
 * <li>{@code {,n}} is {@code {0,n}}; a brace that is not an interval is a literal; {@code (?#...)} is dropped.
 * </ul>
 * Constructs without a faithful Java form are refused: POSIX brackets, {@code \K}, {@code \g},
 * {@code \y}, absent groups, conditionals, callouts, {@code (?'name')}, options other than
 * {@code i m x}, and an interval followed by {@code +} (a nested repeat in Ruby, possessive in
 * Java). Multi-character case folds under {@code (?i)} (Oniguruma matches "STRASSE" with "straße")
 * have no Java counterpart.
 */
final class OnigRegex {
    /** Oniguruma's Unicode {@code \w} inside a bracket class: Alphabetic, marks, Nd, Pc. */
    private static final String WORD_IN_CLASS = "\\p{IsAlphabetic}\\p{M}\\p{Nd}\\p{Pc}";
    /** Outside a class its Latin-1 ctype table also marks the six No characters ²³¹¼½¾. */
    private static final String WORD = WORD_IN_CLASS + "\\x{B2}\\x{B3}\\x{B9}\\x{BC}-\\x{BE}";
    private static final String WORD_CLASS = "[" + WORD + "]";
    private static final Set<String> CATEGORIES = Set.of("L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me",
            "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So",
            "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Cs", "Co", "Cn");
    private static final int FLAGS = Pattern.MULTILINE | Pattern.UNIX_LINES | Pattern.UNICODE_CHARACTER_CLASS;

    private final Pattern pattern;

    private OnigRegex(Pattern pattern) {
        this.pattern = pattern;
    }

    /** An Oniguruma pattern; IllegalArgumentException with the reason when it cannot be translated or compiled. */
    static OnigRegex compile(String onig) {
        String java = translate(onig);
        try {
            return new OnigRegex(Pattern.compile(java, FLAGS));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regex /" + onig + "/: " + e.getDescription(), e);
        }
    }

    /** A literal string (tokenizers escapes it into a regex). */
    static OnigRegex literal(String s) {
        return new OnigRegex(Pattern.compile(Pattern.quote(s)));
    }

    /**
     * The spans of {@code s} as tokenizers' {@code find_matches} yields them with the {@code onig}
     * crate's {@code find_iter}: an empty match right where the previous match ended is skipped
     * (the search moves one character on), and an empty string yields one empty non-match.
     */
    Matches findMatches(String s, Matches out) {
        out.clear();
        if (s.isEmpty()) {
            out.add(0, 0, false);
            return out;
        }
        Matcher m = pattern.matcher(s);
        int n = s.length();
        int prev = 0;
        int from = 0;
        int lastMatchEnd = -1;
        while (from <= n && m.find(from)) {
            int start = m.start();
            int end = m.end();
            if (start == end && end == lastMatchEnd) {
                from += from < n ? Character.charCount(s.codePointAt(from)) : 1;
                continue;
            }
            if (prev != start) out.add(prev, start, false);
            out.add(start, end, true);
            prev = end;
            from = end;
            lastMatchEnd = end;
        }
        if (prev != n) out.add(prev, n, false);
        return out;
    }

    /** The Java form of an Oniguruma pattern (see the class comment). */
    static String translate(String onig) {
        StringBuilder out = new StringBuilder(onig.length() + 16);
        int i = 0;
        while (i < onig.length()) {
            char c = onig.charAt(i);
            if (c == '\\') {
                i = escape(onig, i, out, false);
            } else if (c == '[') {
                i = charClass(onig, i, out);
            } else if (c == '(' && onig.startsWith("(?", i)) {
                i = group(onig, i, out);
            } else if (c == '{' || c == '}') {
                i = brace(onig, i, out);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Translates the escape at {@code i}; returns the index after it. */
    private static int escape(String p, int i, StringBuilder out, boolean inClass) {
        if (i + 1 >= p.length()) throw refuse(p, "a trailing backslash");
        char e = p.charAt(i + 1);
        switch (e) {
            case 'w' -> out.append(inClass ? WORD_IN_CLASS : WORD_CLASS);
            case 'W' -> out.append(inClass ? "[^" + WORD_IN_CLASS + "]" : "[^" + WORD + "]");
            case 'h' -> out.append(inClass ? "0-9a-fA-F" : "[0-9a-fA-F]");
            case 'H' -> out.append("[^0-9a-fA-F]");
            case 'v' -> out.append("\\x0B");
            case 'b' -> out.append(inClass ? "\\x08" : "(?:(?<=" + WORD_CLASS + ")(?!" + WORD_CLASS + ")|(?<!" + WORD_CLASS + ")(?=" + WORD_CLASS + "))");
            case 'B' -> {
                if (inClass) throw refuse(p, "\\B inside a character class");
                out.append("(?:(?<=" + WORD_CLASS + ")(?=" + WORD_CLASS + ")|(?<!" + WORD_CLASS + ")(?!" + WORD_CLASS + "))");
            }
            case 'p', 'P' -> {
                return property(p, i, out);
            }
            case 'K', 'g', 'y', 'Y' -> throw refuse(p, "\\" + e);
            case 'x' -> {
                int close = p.indexOf('}', i);
                int end = i + 2 < p.length() && p.charAt(i + 2) == '{' && close > 0 ? close + 1 : i + 2;
                out.append(p, i, end);
                return end;
            }
            default -> {
                int cp = p.codePointAt(i + 1);
                out.append('\\').appendCodePoint(cp);
                return i + 1 + Character.charCount(cp);
            }
        }
        return i + 2;
    }

    /** {@code \p{Name}}, {@code \p{^Name}}, {@code \P{Name}}. */
    private static int property(String p, int i, StringBuilder out) {
        boolean negate = p.charAt(i + 1) == 'P';
        if (i + 2 >= p.length() || p.charAt(i + 2) != '{') throw refuse(p, "\\" + p.charAt(i + 1) + " without {name}");
        int close = p.indexOf('}', i + 3);
        if (close < 0) throw refuse(p, "an unclosed \\p{");
        String name = p.substring(i + 3, close);
        if (name.startsWith("^")) {
            negate = !negate;
            name = name.substring(1);
        }
        out.append(negate ? "\\P{" : "\\p{").append(CATEGORIES.contains(name) ? name : "Is" + name).append('}');
        return close + 1;
    }

    /** A bracketed class starting at {@code i}, nested classes included; returns the index after its {@code ]}. */
    private static int charClass(String p, int i, StringBuilder out) {
        if (p.startsWith("[:", i)) throw refuse(p, "a POSIX bracket [:name:]");
        out.append('[');
        i++;
        if (i < p.length() && p.charAt(i) == '^') {
            out.append('^');
            i++;
        }
        boolean first = true;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == ']') {
                out.append(first ? "\\]" : "]");
                if (!first) return i + 1;
                first = false;
                i++;
                continue;
            }
            first = false;
            if (c == '\\') {
                i = escape(p, i, out, true);
            } else if (c == '[') {
                i = charClass(p, i, out);
            } else {
                out.append(c);
                i++;
            }
        }
        throw refuse(p, "an unclosed [");
    }

    /** A group opening {@code (?...}; returns the index after what was consumed. */
    private static int group(String p, int i, StringBuilder out) {
        if (p.startsWith("(?#", i)) {
            int close = p.indexOf(')', i);
            if (close < 0) throw refuse(p, "an unclosed (?#");
            return close + 1;
        }
        for (String plain : new String[] {"(?:", "(?=", "(?!", "(?<=", "(?<!", "(?>"}) {
            if (p.startsWith(plain, i)) {
                out.append(plain);
                return i + plain.length();
            }
        }
        if (p.startsWith("(?<", i) && i + 3 < p.length() && Character.isLetter(p.charAt(i + 3))) {
            out.append("(?<");
            return i + 3;
        }
        int j = i + 2;
        StringBuilder flags = new StringBuilder();
        while (j < p.length() && "imx-".indexOf(p.charAt(j)) >= 0) {
            flags.append(p.charAt(j) == 'm' ? 's' : p.charAt(j));
            j++;
        }
        if (j >= p.length() || (p.charAt(j) != ')' && p.charAt(j) != ':') || flags.isEmpty()) {
            throw refuse(p, "the group " + p.substring(i, Math.min(p.length(), i + 4)) + "...");
        }
        out.append("(?").append(flags).append(p.charAt(j));
        return j + 1;
    }

    /** An interval {@code {n}}, {@code {n,}}, {@code {n,m}}, {@code {,m}}, or a literal brace. */
    private static int brace(String p, int i, StringBuilder out) {
        if (p.charAt(i) == '{') {
            int close = p.indexOf('}', i);
            if (close > i && p.substring(i + 1, close).matches("\\d+(,\\d*)?|,\\d+")) {
                String body = p.substring(i + 1, close);
                out.append('{').append(body.startsWith(",") ? "0" + body : body).append('}');
                if (close + 1 < p.length() && p.charAt(close + 1) == '+') throw refuse(p, "an interval followed by +");
                return close + 1;
            }
        }
        out.append('\\').append(p.charAt(i));
        return i + 1;
    }

    private static IllegalArgumentException refuse(String pattern, String what) {
        return new IllegalArgumentException("regex /" + pattern + "/: " + what + " has no java.util.regex translation");
    }
}
