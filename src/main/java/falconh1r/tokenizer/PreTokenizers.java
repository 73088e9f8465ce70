package falconh1r.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * tokenizers' pre-tokenizers ({@code pre_tokenizers/*.rs}): each splits every segment that is not
 * yet a token into pieces (empty pieces dropped, as {@code PreTokenizedString::split} does), and
 * ByteLevel also respells each piece in GPT-2's byte characters.
 */
final class PreTokenizers {
    private PreTokenizers() {}

    /** GPT-2's pattern, which ByteLevel splits with when {@code use_regex} is true. */
    private static final OnigRegex GPT2 = OnigRegex.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    /** The Rust regex crate's {@code \w+|[^\w\s]+} of the Whitespace pre-tokenizer (see {@link CodePoints#isRegexWord}). */
    private static final OnigRegex WHITESPACE_WORDS = OnigRegex.compile(
            "[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}]+|[^\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}\\s]+");

    /** A pre-tokenizer: {@code PreTokenizer::pre_tokenize} on the segments of one input. */
    interface PreTokenizer {
        /** The pieces of one segment that is not a token, appended to {@code out}. */
        void split(Segment s, List<Segment> out);

        default List<Segment> apply(List<Segment> in) {
            List<Segment> out = new ArrayList<>(in.size() * 2);
            for (Segment s : in) {
                if (s.isToken()) {
                    out.add(s);
                } else {
                    split(s, out);
                }
            }
            return out;
        }
    }

    /** The {@code pre_tokenizer} object of a tokenizer.json. */
    static PreTokenizer parse(JsonField f) {
        String type = f.type();
        return switch (type) {
            case "Split" -> split(f.pattern("pattern"), SplitBehavior.parse(f.get("behavior")), f.bool("invert", false));
            case "ByteLevel" -> byteLevel(f.bool("add_prefix_space", true), f.bool("use_regex", true));
            case "Digits" -> byPredicate(CodePoints::isNumeric,
                    f.bool("individual_digits", false) ? SplitBehavior.ISOLATED : SplitBehavior.CONTIGUOUS);
            case "Punctuation" -> byPredicate(CodePoints::isPunctuation,
                    f.has("behavior") ? SplitBehavior.parse(f.get("behavior")) : SplitBehavior.ISOLATED);
            case "Whitespace" -> split(WHITESPACE_WORDS, SplitBehavior.REMOVED, true);
            case "WhitespaceSplit" -> byPredicate(CodePoints::isWhiteSpace, SplitBehavior.REMOVED);
            case "BertPreTokenizer" -> sequence(List.of(byPredicate(CodePoints::isWhiteSpace, SplitBehavior.REMOVED),
                    byPredicate(CodePoints::isPunctuation, SplitBehavior.ISOLATED)));
            case "Metaspace" -> metaspace(f);
            case "Sequence" -> {
                List<PreTokenizer> parts = new ArrayList<>();
                for (JsonField item : f.elements("pretokenizers")) parts.add(parse(item));
                yield sequence(parts);
            }
            default -> throw f.get("type").error("unsupported pre-tokenizer \"" + type + "\" (Split, ByteLevel, Digits, "
                    + "Punctuation, Whitespace, WhitespaceSplit, BertPreTokenizer, Metaspace, Sequence)");
        };
    }

    private static PreTokenizer sequence(List<PreTokenizer> parts) {
        return new PreTokenizer() {
            @Override
            public void split(Segment s, List<Segment> out) {
                out.addAll(apply(List.of(s)));
            }

            @Override
            public List<Segment> apply(List<Segment> in) {
                for (PreTokenizer p : parts) in = p.apply(in);
                return in;
            }
        };
    }

    /** Appends the non-empty pieces of {@code s} the behavior keeps from the spans {@code m}. */
    private static void addPieces(Segment s, Matches m, SplitBehavior behavior, List<Segment> out) {
        for (int[] piece : behavior.pieces(m)) {
            if (piece[1] > piece[0]) out.add(s.slice(piece[0], piece[1]));
        }
    }

    /** {@code Split}: the pattern's matches, flags inverted when {@code invert}. */
    static PreTokenizer split(OnigRegex pattern, SplitBehavior behavior, boolean invert) {
        return (s, out) -> {
            Matches m = pattern.findMatches(s.text(), new Matches());
            if (invert) m.invert();
            addPieces(s, m, behavior, out);
        };
    }

    /** A split at the characters that satisfy {@code p} (Digits, Punctuation, WhitespaceSplit). */
    private static PreTokenizer byPredicate(Matches.CodePointPredicate p, SplitBehavior behavior) {
        return (s, out) -> addPieces(s, Matches.ofCharacters(s.text(), p, new Matches()), behavior, out);
    }

    /**
     * {@code ByteLevel}: a space in front of each segment that does not start with one (when
     * {@code add_prefix_space}), GPT-2's split (when {@code use_regex}), then each piece respelled
     * in byte characters.
     */
    static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex) {
        return (s, out) -> {
            Segment t = addPrefixSpace && !s.text().isEmpty() && !s.text().startsWith(" ") ? s.withText(" " + s.text()) : s;
            List<Segment> pieces = new ArrayList<>();
            if (useRegex) {
                addPieces(t, GPT2.findMatches(t.text(), new Matches()), SplitBehavior.ISOLATED, pieces);
            } else if (!t.text().isEmpty()) {
                pieces.add(t);
            }
            for (Segment p : pieces) out.add(p.withText(ByteLevelTable.encode(p.text())));
        };
    }

    /**
     * {@code Metaspace}: spaces become the replacement character, which is put in front as the
     * prepend scheme says ({@code always}; {@code first}: only for the segment at the start of the
     * input; {@code never}), then (when {@code split}) the text splits before each replacement.
     */
    private static PreTokenizer metaspace(JsonField f) {
        int replacement = f.codePoint("replacement");
        String rep = Character.toString(replacement);
        String scheme = f.string("prepend_scheme", "always");
        if (!scheme.equals("always") && !scheme.equals("first") && !scheme.equals("never")) {
            throw f.get("prepend_scheme").error("expected \"always\", \"first\" or \"never\", got \"" + scheme + "\"");
        }
        if (f.has("add_prefix_space") && !f.bool("add_prefix_space", true)) {
            if (f.has("prepend_scheme") && !scheme.equals("never")) {
                throw f.get("add_prefix_space").error("false does not match prepend_scheme \"" + scheme + "\"");
            }
            scheme = "never";
        }
        boolean split = f.bool("split", true);
        String prependScheme = scheme;
        return (s, out) -> {
            String text = s.text().replace(" ", rep);
            boolean prepend = switch (prependScheme) {
                case "always" -> true;
                case "first" -> s.atStart();
                default -> false;
            };
            if (prepend && !text.isEmpty() && !text.startsWith(rep)) text = rep + text;
            Segment t = s.withText(text);
            if (split) {
                addPieces(t, Matches.ofCharacters(text, cp -> cp == replacement, new Matches()), SplitBehavior.MERGED_WITH_NEXT, out);
            } else if (!text.isEmpty()) {
                out.add(t);
            }
        };
    }

    /** Splits one whole string, as {@code pre_tokenize_str} does (the probes' entry point). */
    static List<String> preTokenizeString(PreTokenizer p, String text) {
        List<String> out = new ArrayList<>();
        for (Segment s : p.apply(List.of(new Segment(text, -1, true)))) out.add(s.text());
        return out;
    }
}
