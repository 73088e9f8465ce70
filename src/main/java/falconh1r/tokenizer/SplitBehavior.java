package falconh1r.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * What a split does with the matched spans (tokenizers' {@code SplitDelimiterBehavior}, as
 * {@code NormalizedString::split} applies it). With {@code -} as the delimiter of
 * {@code "the-final--countdown"}:
 * Removed {@code [the, final, countdown]}; Isolated {@code [the, -, final, -, -, countdown]};
 * MergedWithPrevious {@code [the-, final-, -, countdown]}; MergedWithNext
 * {@code [the, -final, -, -countdown]}; Contiguous {@code [the, -, final, --, countdown]}.
 */
enum SplitBehavior {
    REMOVED("Removed"),
    ISOLATED("Isolated"),
    MERGED_WITH_PREVIOUS("MergedWithPrevious"),
    MERGED_WITH_NEXT("MergedWithNext"),
    CONTIGUOUS("Contiguous");

    private final String jsonName;

    SplitBehavior(String jsonName) {
        this.jsonName = jsonName;
    }

    static SplitBehavior parse(JsonField f) {
        String name = f.string();
        for (SplitBehavior b : values()) {
            if (b.jsonName.equals(name)) return b;
        }
        throw f.error("unknown split behavior \"" + name + "\" (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
    }

    /**
     * The offsets of the pieces of {@code m}'s string, as {@code [start, end)} pairs in order,
     * empty pieces included (the caller drops them as PreTokenizedString::split does).
     */
    List<int[]> pieces(Matches m) {
        List<int[]> out = new ArrayList<>(m.size());
        switch (this) {
            case ISOLATED -> {
                for (int i = 0; i < m.size(); i++) out.add(new int[] {m.start(i), m.end(i)});
            }
            case REMOVED -> {
                for (int i = 0; i < m.size(); i++) {
                    if (!m.isMatch(i)) out.add(new int[] {m.start(i), m.end(i)});
                }
            }
            case CONTIGUOUS -> {
                boolean previous = false;
                for (int i = 0; i < m.size(); i++) {
                    if (m.isMatch(i) == previous && !out.isEmpty()) {
                        out.getLast()[1] = m.end(i);
                    } else {
                        out.add(new int[] {m.start(i), m.end(i)});
                    }
                    previous = m.isMatch(i);
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean previous = false;
                for (int i = 0; i < m.size(); i++) {
                    if (m.isMatch(i) && !previous && !out.isEmpty()) {
                        out.getLast()[1] = m.end(i);
                    } else {
                        out.add(new int[] {m.start(i), m.end(i)});
                    }
                    previous = m.isMatch(i);
                }
            }
            case MERGED_WITH_NEXT -> {
                boolean previous = false;
                for (int i = m.size() - 1; i >= 0; i--) {
                    if (m.isMatch(i) && !previous && !out.isEmpty()) {
                        out.getLast()[0] = m.start(i);
                    } else {
                        out.add(new int[] {m.start(i), m.end(i)});
                    }
                    previous = m.isMatch(i);
                }
                java.util.Collections.reverse(out);
            }
        }
        return out;
    }
}
