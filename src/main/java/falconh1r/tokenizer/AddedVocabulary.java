package falconh1r.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code added_tokens} of a tokenizer.json (tokenizers' {@code AddedVocabulary}): tokens found
 * in the text before anything else runs, leftmost-longest first. Tokens with {@code normalized:
 * false} are matched in the raw text; the rest of the text is then normalized and the tokens with
 * {@code normalized: true} are matched in that (in their normalized spelling). A
 * {@code single_word} token only matches between non-word characters; {@code lstrip} /
 * {@code rstrip} tokens take the whitespace on their left / right with them.
 */
final class AddedVocabulary {
    /** One added token as the file gives it. */
    record AddedToken(String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized, boolean special) {}

    private final Map<String, Integer> ids = new HashMap<>();
    private final Map<Integer, AddedToken> byId = new LinkedHashMap<>();
    private final Map<Integer, String> normalizedForms = new HashMap<>();
    private final Set<String> specials = new HashSet<>();
    private final Patterns rawPatterns;
    private final Patterns normalizedPatterns;

    /**
     * tokenizers' {@code add_tokens} over the file's list: a token keeps the id its content already
     * has (in this list or in the model's vocabulary), others get the next id after the model's
     * vocabulary; the {@code id} written in the file is not consulted, as in tokenizers.
     */
    AddedVocabulary(List<AddedToken> tokens, Bpe model, Normalizers.Normalizer normalizer) {
        int nextId = model.vocab().size();
        for (AddedToken t : tokens) {
            if (t.content().isEmpty()) continue;
            Integer id = ids.get(t.content());
            if (id != null && t.equals(byId.get(id))) continue;
            if (id == null) id = model.vocab().get(t.content());
            if (id == null) id = nextId++;
            if (t.normalized() && normalizer != null) {
                String normalized = normalizer.normalize(t.content());
                if (!normalized.equals(t.content())) normalizedForms.put(id, normalized);
            }
            ids.put(t.content(), id);
            if (t.special()) specials.add(t.content());
            byId.put(id, t);
        }
        rawPatterns = new Patterns();
        normalizedPatterns = new Patterns();
        for (Map.Entry<Integer, AddedToken> e : byId.entrySet()) {
            AddedToken t = e.getValue();
            if (t.normalized()) {
                normalizedPatterns.add(normalizedForms.getOrDefault(e.getKey(), t.content()), e.getKey());
            } else {
                rawPatterns.add(t.content(), e.getKey());
            }
        }
    }

    /** Id of an added token's content, or null. */
    Integer id(String content) {
        return ids.get(content);
    }

    /** The string decoding starts from: the normalized spelling for normalized tokens, else the content; null if not added. */
    String decodeForm(int id) {
        AddedToken t = byId.get(id);
        return t == null ? null : normalizedForms.getOrDefault(id, t.content());
    }

    boolean isSpecial(String content) {
        return specials.contains(content);
    }

    Set<String> contents() {
        return ids.keySet();
    }

    /** Splits the text segments at the tokens matched in raw text. */
    List<Segment> splitRaw(List<Segment> in) {
        return split(in, rawPatterns);
    }

    /** Splits the (normalized) text segments at the tokens matched in normalized text. */
    List<Segment> splitNormalized(List<Segment> in) {
        return split(in, normalizedPatterns);
    }

    private List<Segment> split(List<Segment> in, Patterns patterns) {
        if (patterns.isEmpty()) return in;
        List<Segment> out = new ArrayList<>();
        for (Segment s : in) {
            if (s.isToken()) {
                out.add(s);
            } else {
                splitOne(s, patterns, out);
            }
        }
        return out;
    }

    /** {@code AddedVocabulary::find_matches} on one segment, then its slices (empty ones dropped). */
    private void splitOne(Segment s, Patterns patterns, List<Segment> out) {
        String text = s.text();
        int startOffset = 0;
        int from = 0;
        while (true) {
            int[] match = patterns.findLeftmostLongest(text, from);
            if (match == null) break;
            int start = match[0];
            int stop = match[1];
            int id = match[2];
            from = stop;
            AddedToken t = byId.get(id);
            if (t.singleWord()) {
                boolean spaceBefore = start == 0 || !CodePoints.isRegexWord(text.codePointBefore(start));
                boolean spaceAfter = stop == text.length() || !CodePoints.isRegexWord(text.codePointAt(stop));
                if (!spaceBefore || !spaceAfter) continue;
            }
            if (t.lstrip()) {
                int newStart = start;
                while (newStart > 0 && CodePoints.isWhiteSpace(text.codePointBefore(newStart))) {
                    newStart -= Character.charCount(text.codePointBefore(newStart));
                }
                start = Math.max(newStart, startOffset);
            }
            if (t.rstrip()) {
                while (stop < text.length() && CodePoints.isWhiteSpace(text.codePointAt(stop))) {
                    stop += Character.charCount(text.codePointAt(stop));
                }
            }
            if (startOffset < start) out.add(s.slice(startOffset, start));
            out.add(new Segment(text.substring(start, stop), id, false));
            startOffset = stop;
        }
        if (startOffset < text.length()) out.add(s.slice(startOffset, text.length()));
    }

    /** The patterns of one matching pass, grouped by first character, longest first. */
    private static final class Patterns {
        private final Map<Character, List<Map.Entry<String, Integer>>> byFirst = new HashMap<>();
        private final boolean[] firstChars = new boolean[0x10000];

        void add(String pattern, int id) {
            byFirst.computeIfAbsent(pattern.charAt(0), k -> new ArrayList<>()).add(Map.entry(pattern, id));
            byFirst.get(pattern.charAt(0)).sort(Comparator.comparingInt((Map.Entry<String, Integer> e) -> -e.getKey().length()));
            firstChars[pattern.charAt(0)] = true;
        }

        boolean isEmpty() {
            return byFirst.isEmpty();
        }

        /** {@code [start, end, id]} of the leftmost match at or after {@code from}, the longest there; or null. */
        int[] findLeftmostLongest(String text, int from) {
            for (int i = from; i < text.length(); i++) {
                char c = text.charAt(i);
                if (!firstChars[c]) continue;
                for (Map.Entry<String, Integer> p : byFirst.get(c)) {
                    if (text.startsWith(p.getKey(), i)) return new int[] {i, i + p.getKey().length(), p.getValue()};
                }
            }
            return null;
        }
    }
}
