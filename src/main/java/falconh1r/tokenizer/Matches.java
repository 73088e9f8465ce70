package falconh1r.tokenizer;

import java.util.Arrays;

/**
 * Consecutive spans {@code [start, end)} of a string, each flagged as a match of a pattern or as
 * the text between matches; together they cover the string (tokenizers' {@code Pattern::find_matches}).
 * Offsets are UTF-16 indices.
 */
final class Matches {
    private int[] data = new int[24];
    private int size;

    void clear() {
        size = 0;
    }

    void add(int start, int end, boolean match) {
        if (3 * size + 3 > data.length) data = Arrays.copyOf(data, data.length * 2);
        data[3 * size] = start;
        data[3 * size + 1] = end;
        data[3 * size + 2] = match ? 1 : 0;
        size++;
    }

    int size() {
        return size;
    }

    int start(int i) {
        return data[3 * i];
    }

    int end(int i) {
        return data[3 * i + 1];
    }

    boolean isMatch(int i) {
        return data[3 * i + 2] != 0;
    }

    /** Flips every flag (tokenizers' {@code Invert}). */
    void invert() {
        for (int i = 0; i < size; i++) data[3 * i + 2] ^= 1;
    }

    /** The spans of the characters that satisfy {@code p}, one per character (tokenizers' {@code Fn(char) -> bool} pattern). */
    static Matches ofCharacters(String s, CodePointPredicate p, Matches out) {
        out.clear();
        if (s.isEmpty()) {
            out.add(0, 0, false);
            return out;
        }
        int last = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            if (p.test(cp)) {
                if (last < i) out.add(last, i, false);
                out.add(i, i + n, true);
                last = i + n;
            }
            i += n;
        }
        if (last < s.length()) out.add(last, s.length(), false);
        return out;
    }

    /** A test on one code point. */
    @FunctionalInterface
    interface CodePointPredicate {
        boolean test(int cp);
    }
}
