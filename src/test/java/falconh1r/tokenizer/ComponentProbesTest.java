package falconh1r.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each normalizer, pre-tokenizer (Split with 46 Oniguruma patterns, five of them under every behavior)
 * and decoder on its own, against tokenizers 0.23.3's {@code normalize_str}, {@code pre_tokenize_str}
 * and {@code decode} on the same configuration (fixtures/tokenizer/probes.json). Exact equality.
 */
class ComponentProbesTest {
    static final JsonNode PROBES = TokenizerFixtures.json("probes.json");
    static final List<String> TEXTS = TokenizerFixtures.strings(PROBES.get("texts"));

    static JsonField config(JsonNode probe) {
        return new JsonField(probe.get("config"), "config", "probes.json");
    }

    @Test
    void splitRegexesMatchOniguruma() {
        checkPreTokenizers(PROBES.get("regex"));
    }

    @Test
    void preTokenizersMatchTokenizers() {
        checkPreTokenizers(PROBES.get("pre_tokenizers"));
    }

    private static void checkPreTokenizers(JsonNode probes) {
        List<String> failures = new ArrayList<>();
        for (JsonNode probe : probes) {
            PreTokenizers.PreTokenizer p = PreTokenizers.parse(config(probe));
            for (int t = 0; t < TEXTS.size(); t++) {
                List<String> expected = TokenizerFixtures.strings(probe.get("out").get(t));
                List<String> got = PreTokenizers.preTokenizeString(p, TEXTS.get(t));
                if (!expected.equals(got)) failures.add(probe.get("config") + " on " + TokenizerFixtures.show(TEXTS.get(t)) + ": " + got + " != " + expected);
            }
        }
        assertEquals(List.of(), failures.stream().limit(8).toList(), failures.size() + " pre-tokenizations differ");
    }

    @Test
    void normalizersMatchTokenizers() {
        List<String> failures = new ArrayList<>();
        for (JsonNode probe : PROBES.get("normalizers")) {
            Normalizers.Normalizer n = Normalizers.parse(config(probe));
            for (int t = 0; t < TEXTS.size(); t++) {
                String expected = probe.get("out").get(t).textValue();
                String got = n.normalize(TEXTS.get(t));
                if (!expected.equals(got)) failures.add(probe.get("config") + " on " + TokenizerFixtures.show(TEXTS.get(t)) + ": " + TokenizerFixtures.show(got) + " != " + TokenizerFixtures.show(expected));
            }
        }
        assertEquals(List.of(), failures.stream().limit(8).toList(), failures.size() + " normalizations differ");
    }

    @Test
    void decodersMatchTokenizers() {
        List<String> failures = new ArrayList<>();
        JsonNode lists = PROBES.get("token_lists");
        for (JsonNode probe : PROBES.get("decoders")) {
            Decoders.Decoder d = Decoders.parse(config(probe));
            for (int t = 0; t < lists.size(); t++) {
                List<String> tokens = TokenizerFixtures.strings(lists.get(t));
                String expected = probe.get("out").get(t).textValue();
                String got = String.join("", d.decodeChain(tokens));
                if (!expected.equals(got)) failures.add(probe.get("config") + " on " + tokens + ": " + TokenizerFixtures.show(got) + " != " + TokenizerFixtures.show(expected));
            }
        }
        assertEquals(List.of(), failures.stream().limit(8).toList(), failures.size() + " decodes differ");
    }

    /**
     * Over every code point assigned in Unicode 14 up to U+2FFFF: membership in Oniguruma's classes
     * (as translated here) and in the Rust predicates of {@link CodePoints} equals tokenizers'.
     * Java 25's Unicode 16 tables agree with both on all of them.
     */
    @Test
    void characterClassesAgreeOnEveryAssignedCodePoint() {
        JsonNode classes = PROBES.get("classes");
        int[] universe = expand(classes.get("universe"));
        List<String> failures = new ArrayList<>();
        for (var e : classes.get("onig").properties()) {
            java.util.regex.Pattern p = java.util.regex.Pattern.compile(OnigRegex.translate(e.getKey()),
                    java.util.regex.Pattern.MULTILINE | java.util.regex.Pattern.UNIX_LINES | java.util.regex.Pattern.UNICODE_CHARACTER_CLASS);
            check(e.getKey(), universe, expand(e.getValue()), cp -> p.matcher(Character.toString(cp)).matches(), failures);
        }
        JsonNode rust = classes.get("rust");
        check("char::is_numeric", universe, expand(rust.get("numeric")), CodePoints::isNumeric, failures);
        check("is_punc", universe, expand(rust.get("punctuation")), CodePoints::isPunctuation, failures);
        check("char::is_whitespace", universe, expand(rust.get("whitespace")), CodePoints::isWhiteSpace, failures);
        check("regex \\w", universe, expand(rust.get("regex_word")), CodePoints::isRegexWord, failures);
        assertEquals(List.of(), failures);
    }

    private static void check(String name, int[] universe, int[] members, Matches.CodePointPredicate p, List<String> failures) {
        java.util.BitSet expected = new java.util.BitSet();
        for (int cp : members) expected.set(cp);
        List<String> wrong = new ArrayList<>();
        for (int cp : universe) {
            if (p.test(cp) != expected.get(cp)) wrong.add(String.format("U+%04X", cp) + (expected.get(cp) ? "+" : "-"));
        }
        if (!wrong.isEmpty()) failures.add(name + ": " + wrong.size() + " code points differ (+ in tokenizers' class), e.g. " + wrong.subList(0, Math.min(12, wrong.size())));
    }

    private static int[] expand(JsonNode ranges) {
        java.util.stream.IntStream.Builder b = java.util.stream.IntStream.builder();
        for (JsonNode r : ranges) {
            for (int cp = r.get(0).intValue(); cp <= r.get(1).intValue(); cp++) b.add(cp);
        }
        return b.build().toArray();
    }
}
