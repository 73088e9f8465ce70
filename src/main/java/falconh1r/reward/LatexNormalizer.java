package falconh1r.reward;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * latex2sympy2_extended 1.10.2 {@code math_normalization.normalize_latex} with the configuration
 * Math-Verify's LatexExtractionConfig uses (basic_latex, units, malformed_operators, nits; boxed
 * "all", or "last" for the plain \boxed match; no equations). Every regex and replacement is the
 * Python one, in the same order; only the group names change (Java allows no underscores).
 */
final class LatexNormalizer {
    private LatexNormalizer() {}

    enum Boxed { ALL, LAST }

    private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES;

    private static Pattern p(String regex) {
        return Pattern.compile(regex, FLAGS);
    }

    private static final Pattern LEFT = p("\\\\m?left(\\\\\\{|\\{|\\\\\\||\\||\\[|\\(|\\\\rbracl|\\\\lgroup|\\\\lbrace|\\\\lbrack|\\\\vert|\\\\lvert|\\\\lceil|\\\\lfloor|\\\\vert|\\\\lvert|\\\\langle|\\\\llcorner|\\\\ulcorner)");
    private static final Pattern RIGHT = p("\\\\m?right(\\\\\\}|\\}|\\\\\\||\\||\\]|\\)|\\\\rbrack|\\\\rgroup|\\\\rbrace|\\\\rbrack|\\\\vert|\\\\rvert|\\\\rceil|\\\\rfloor|\\\\vert|\\\\rvert|\\\\rangle|\\\\lrcorner|\\\\urcorner)");

    /** math_normalization.units, in its order (the first entry is Python's "integer" "point"). */
    private static final String[] UNITS = {
        "integerpoint", "feet", "sue", "digit", "pound", "meal", "edge", "student", "children ticket", "multiple",
        "east", "degree", "mph", "kmph", "ft", "m square", " m east", "sq m", "deg", "mile", "q .", "monkey", "prime",
        "ratio", "profit of rs", "rd", "o", "gm", "p . m", "lb", "tile", "per", "dm", "lt", "gain", "ab", "way", "west",
        "a .", "b .", "c .", "d .", "e .", "f .", "g .", "h .", "t", "h", "no change", "men", "soldier", "pie", "bc",
        "excess", "st", "inches", "noon", "cent", "by", "gal", "kmh", "c", "acre", "rise", "a . m", "th", "π r 2", "sq",
        "mark", "l", "toy", "coin", "sq . m", "gallon", "° f", "profit", "minw", "yr", "women", "am", "pm", "hr",
        "cu cm", "square", "v â € ™", "are", "rupee", "rounds", "cubic", "cc", "mtr", "s", "ohm", "number", "kmph", "day",
        "hour", "minute", "min", "second", "man", "woman", "sec", "cube", "mt", "sq inch", "mp", "∏ cm ³", "hectare",
        "more", "sec", "unit", "cu . m", "cm 2", "rs .", "rs", "kg", "g", "month", "km", "m", "cm", "mm", "apple",
        "liter", "loss", "yard", "pure", "year", "increase", "decrease", "d", "less", "Surface", "litre", "pi sq m",
        "s .", "metre", "meter", "inch",
    };
    private static final Pattern UNITS_RE = p("(\\d|\\}|\\s)\\s*(?:(?:" + String.join("|", UNITS) + ")(?:s|es)?)\\s*$");
    /** The unit part alone: UNITS_RE can only match a text whose last 40 non-space characters end this way. */
    private static final Pattern UNITS_TAIL = p("(?:" + String.join("|", UNITS) + ")(?:s|es)?\\s*$");

    private static final Pattern TO_REMOVE = p("\\\\mathrm\\{th\\}|\\\\!\\s*|\\\\text\\s*\\{\\s*\\}|\\\\text\\s*\\{\\s*\\}|\\\\\\$|\\$|(?<!\\\\)[\"']|\\\\displaystyle");

    /** to_replace_patterns: (pattern, literal replacement), tried as one alternation in this order. */
    private static final String[][] TO_REPLACE = {
        {"\\\\math(?:rm|it|bf)", "\\text"},
        {"\\\\text(?:normal|bf|it|rm)", "\\text"},
        {"\\\\(?:d|t|c)frac", "\\frac"},
        {"\\s\\.", " 0."},
        {"\\{\\.", "{0."},
        {"\\~\\=", "\\approx"},
        {"\\s*\\{\\s*,\\s*\\}", ","},
        {"(?<![a-zA-Z])(,?\\s*(?:and|or))(?![a-zA-Z])", ","},
        {"(,?\\s*\\\\text\\{\\s*(?:and|or)\\s*\\})", ","},
        {"(?<!\\\\)\\\\\\s", " "},
        {"infinity", "\\infty"},
        {",?(\\\\ldots)", " "},
        {"\\s*percentage", "\\%"},
        {"\\\\text\\{percentage\\}", "\\%"},
        {"\\s*percent", "\\%"},
        {"\\\\text\\{percent\\}", "\\%"},
        {"\\s*pct", "\\%"},
        {"\\\\text\\{pct\\}", "\\%"},
        {"((?<!\\\\)inf(?!inity))", "\\infty"},
        {" sqrt", "\\sqrt"},
    };
    private static final Pattern TO_REPLACE_RE;

    static {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < TO_REPLACE.length; i++) sb.append(i == 0 ? "" : "|").append("(?<r").append(i).append('>').append(TO_REPLACE[i][0]).append(')');
        TO_REPLACE_RE = p(sb.toString());
    }

    private static final Pattern COMMAND_SLASH_FIX = p("\\\\\\\\(?=[a-zA-Z])");
    private static final Pattern PERMUTATION = p("\\(([a-zA-Z0-9+\\-*/\\\\ ]+?)\\)_\\{([a-zA-Z0-9+\\-*/\\\\ ]+?)\\}");
    private static final Pattern UNIT_SUPERSCRIPT = p("(\\\\(?:text|mbox)\\{.*?\\})(\\^\\d|\\{\\^\\d\\})?$");

    private static final Pattern[] MALFORMED = {
        p("\\^\\s?\\((.*?)\\)"), p("sqrt\\s?\\((.*?)\\)"), p("\\\\frac\\s?(\\d)\\s?(\\d+)"), p("\\\\log_\\s?(\\d)\\s?(\\d+)"),
        p("\\\\frac\\s?\\{(.*?)\\}\\s?(\\d)"), p("\\\\frac\\s?(\\d)\\s?\\{(.*?)\\}"), p("\\\\sqrt\\s?(\\d)"),
    };
    private static final String[] MALFORMED_REPLACEMENT = {
        "^{$1}", "\\\\sqrt{$1}", "\\\\frac{$1}{$2}", "\\\\log_{$1}{$2}", "\\\\frac{$1}{$2}", "\\\\frac{$1}{$2}", "\\\\sqrt{$1}",
    };

    private static final Pattern SEPARATOR = p("and|or|,|;");
    private static final Pattern CANONICAL_INT = p("-?(?:0|[1-9][0-9]*)");

    /** normalize_latex(text, config) for Math-Verify's LatexExtractionConfig with the given boxed mode. */
    static String normalize(String text, Boxed boxed, WorkBudget budget) {
        budget.spend(16L * text.length());   // the literal replacements below, each one pass
        text = extractBoxedContent(text, boxed, budget);
        // basic_latex
        text = text.replace("\\mathrm{T}", "T");
        text = text.replace("\\mathrm{d}", "d").replace("{\\rm d}", "d");
        text = text.replace("\\left[\\begin{matrix}", "\\begin{bmatrix}").replace("\\end{matrix}\\right]", "\\end{bmatrix}");
        text = LEFT.matcher(budget.view(text)).replaceAll("$1");
        text = RIGHT.matcher(budget.view(text)).replaceAll("$1");
        text = PERMUTATION.matcher(budget.view(text)).replaceAll("\\\\frac{($1)!}{(($1)-($2))!}");
        text = TO_REMOVE.matcher(budget.view(text)).replaceAll("");
        text = replaceInLatex(text, budget);
        text = text.replace("\n", " ").replace("\t", " ");
        if (!text.contains("matrix")) text = COMMAND_SLASH_FIX.matcher(budget.view(text)).replaceAll("\\\\");
        // units
        String stripped = strip(UNIT_SUPERSCRIPT.matcher(budget.view(text)).replaceAll(""));
        if (!stripped.isEmpty() && !stripped.equals(text)) text = stripped;
        for (int k = 0; k < 2 && endsWithUnit(text); k++) {
            String t = UNITS_RE.matcher(budget.view(text)).replaceAll("$1");
            if (!t.isEmpty() && !t.equals(text)) text = t;
        }
        // nits
        if (!text.isEmpty() && text.charAt(0) == '.') text = "0" + text;
        if (text.equals("0.5")) text = "\\frac{1}{2}";
        // malformed_operators
        for (int i = 0; i < MALFORMED.length; i++) text = MALFORMED[i].matcher(budget.view(text)).replaceAll(MALFORMED_REPLACEMENT[i]);
        text = text.replace(" sqrt", "\\sqrt");
        text = fixSqrt(text);
        text = fixFracs(text);
        text = fixASlashB(text);
        return strip(text);
    }

    /** A cheap necessary condition for UNITS_RE: a unit word just before the trailing spaces (units are under 20 characters). */
    private static boolean endsWithUnit(String text) {
        int end = text.length();
        while (end > 0 && isSpace(text.charAt(end - 1))) end--;
        return UNITS_TAIL.matcher(text).region(Math.max(0, end - 40), text.length()).find();
    }

    private static String replaceInLatex(String text, WorkBudget budget) {
        Matcher m = TO_REPLACE_RE.matcher(budget.view(text));
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            int g = 0;
            while (m.group("r" + g) == null) g++;
            m.appendReplacement(out, Matcher.quoteReplacement(TO_REPLACE[g][1]));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * extract_boxed_content: the contents of the \boxed{...} / \fbox{...} found from the right. "last"
     * keeps the last one plus earlier ones that sit close to it (between text under 10 characters, or
     * under 70 with a separator and different content); "all" keeps every one; joined by commas.
     */
    static String extractBoxedContent(String text, Boxed mode, WorkBudget budget) {
        List<String> results = new ArrayList<>();
        int currentPos = text.length();
        int lastBoxedStart = -1;
        int maxPos = text.length();
        while (true) {
            // Python's rfind(sub, 0, currentPos): the whole match lies before currentPos
            budget.spend(currentPos);                                       // the two reverse searches
            int boxedIdx = text.lastIndexOf("\\boxed", currentPos - 6);
            int fboxIdx = text.lastIndexOf("\\fbox", currentPos - 5);
            if (boxedIdx < 0 && fboxIdx < 0) break;
            int startIdx = Math.max(boxedIdx, fboxIdx);
            int next = startIdx + (boxedIdx > fboxIdx ? 6 : 5);
            while (next < maxPos && isSpace(text.charAt(next))) next++;
            if (next >= maxPos) break;
            if (text.charAt(next) == '{') {
                int end = closingBrace(text, next, maxPos);
                budget.spend((end < 0 ? maxPos : end) - next);
                if (end < 0) {
                    if (results.isEmpty()) results.add(text.substring(next));
                    break;
                }
                String content = strip(text.substring(next + 1, end));
                if (mode == Boxed.LAST && lastBoxedStart >= 0
                        && !shouldExtractBoxed(text, content, results.isEmpty() ? "" : results.getLast(), end, lastBoxedStart, budget)) {
                    break;
                }
                results.add(content);
                lastBoxedStart = startIdx;
                maxPos = startIdx;
            } else {
                if (results.isEmpty()) results.add(text.substring(next));
                break;
            }
            currentPos = startIdx;
        }
        if (results.isEmpty()) return text;
        return String.join(",", results.reversed());
    }

    /** find_content_boundaries: the index of the brace closing the one at {@code open}, before maxPos; -1 if none. */
    private static int closingBrace(String text, int open, int maxPos) {
        int depth = 1;
        for (int i = open + 1; i < maxPos; i++) {
            char c = text.charAt(i);
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return i;
        }
        return -1;
    }

    private static boolean shouldExtractBoxed(String text, String boxed, String nextBoxed, int boxedEnd, int nextBoxedStart, WorkBudget budget) {
        String between = boxedEnd + 1 <= nextBoxedStart ? text.substring(boxedEnd + 1, nextBoxedStart) : "";
        if (between.length() < 10) return true;
        budget.spend(boxed.length());
        return !nextBoxed.equals(boxed) && between.length() < 70 && SEPARATOR.matcher(between).find();
    }

    /** _fix_sqrt: \sqrt3 becomes \sqrt{3}. */
    private static String fixSqrt(String text) {
        if (!text.contains("\\sqrt")) return text;
        List<String> splits = PyStrings.split(text, "\\sqrt");
        StringBuilder out = new StringBuilder(splits.getFirst());
        for (String split : splits.subList(1, splits.size())) {
            split = lstrip(split);
            if (!split.isEmpty() && split.charAt(0) != '{' && split.charAt(0) != '[') {
                int n = split.offsetByCodePoints(0, 1);
                out.append("\\sqrt{").append(split, 0, n).append('}').append(split, n, split.length());
            } else {
                out.append("\\sqrt").append(split);
            }
        }
        return out.toString();
    }

    /** _fix_fracs: \frac12 becomes \frac{1}{2}, \frac1{2} becomes \frac{1}{2}. */
    private static String fixFracs(String text) {
        List<String> substrs = PyStrings.split(text, "\\frac");
        StringBuilder out = new StringBuilder(substrs.getFirst());
        for (String substr : substrs.subList(1, substrs.size())) {
            substr = lstrip(substr);
            out.append("\\frac");
            if (!substr.isEmpty() && substr.charAt(0) == '{') {
                out.append(substr);
            } else if (substr.codePointCount(0, substr.length()) < 2) {
                return text;
            } else {
                int i1 = substr.offsetByCodePoints(0, 1), i2 = substr.offsetByCodePoints(i1, 1);
                String a = substr.substring(0, i1), b = substr.substring(i1, i2);
                if (!b.equals("{")) out.append('{').append(a).append("}{").append(b).append('}').append(substr, i2, substr.length());
                else out.append('{').append(a).append('}').append(b).append(substr, i2, substr.length());
            }
        }
        return out.toString();
    }

    /** _fix_a_slash_b: "2/3" becomes \frac{2}{3} when both sides are plain integers. */
    private static String fixASlashB(String text) {
        List<String> parts = PyStrings.split(text, "/");
        if (parts.size() != 2) return text;
        if (!CANONICAL_INT.matcher(parts.get(0)).matches() || !CANONICAL_INT.matcher(parts.get(1)).matches()
                || parts.get(0).equals("-0") || parts.get(1).equals("-0")) {
            return text;
        }
        return "\\frac{" + parts.get(0) + "}{" + parts.get(1) + "}";
    }

    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /** Python's str.strip(). */
    static String strip(String s) {
        int a = 0, b = s.length();
        while (a < b && isSpace(s.charAt(a))) a++;
        while (b > a && isSpace(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }

    static String lstrip(String s) {
        int a = 0;
        while (a < s.length() && isSpace(s.charAt(a))) a++;
        return s.substring(a);
    }
}
