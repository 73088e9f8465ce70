package falconh1r.infer;

/**
 * deepconf 0.1.0's {@code utils.extract_answer}, the fallback answer extractor of DeepConf voting
 * (pipeline.md §4.4, §7 row 16; Falcon-H1R tries Math-Verify's parser first).
 */
public final class Answers {
    private Answers() {}

    /**
     * The text after the last occurrence of {@code "boxed"}: when it starts with {@code '{'}, the
     * brace-balanced content (everything to the end when the braces never close); otherwise
     * everything before the first {@code '$'}; stripped of Python's whitespace either way.
     * {@code null} when the text has no {@code "boxed"}.
     */
    public static String extract(String text) {
        if (text == null) throw new IllegalArgumentException("text is null");
        int at = text.lastIndexOf("boxed");
        if (at < 0) return null;
        String rest = text.substring(at + "boxed".length());
        if (rest.isEmpty()) return "";
        if (rest.charAt(0) != '{') {
            int dollar = rest.indexOf('$');
            return pythonStrip(dollar < 0 ? rest : rest.substring(0, dollar));
        }
        StringBuilder a = new StringBuilder();
        int depth = 1;
        for (int i = 1; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                break;
            }
            a.append(c);
        }
        return pythonStrip(a.toString());
    }

    /** Python's {@code str.strip()}: removes the characters {@code str.isspace()} accepts from both ends. */
    static String pythonStrip(String s) {
        int from = 0, to = s.length();
        while (from < to && isPythonSpace(s.charAt(from))) from++;
        while (to > from && isPythonSpace(s.charAt(to - 1))) to--;
        return s.substring(from, to);
    }

    /** Python's {@code str.isspace()} for one character (bidirectional class WS, B or S, or category Zs); all are in the BMP. */
    static boolean isPythonSpace(char c) {
        return switch (c) {
            case '\t', '\n', '\u000b', '\f', '\r', '\u001c', '\u001d', '\u001e', '\u001f', ' ', '\u0085', '\u00a0',
                 '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000' -> true;
            default -> c >= '\u2000' && c <= '\u200a';
        };
    }
}
