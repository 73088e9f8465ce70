package falconh1r.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Every id sequence and every decode of the fixture corpus (2,100 strings; the first 700 for the
 * metaspace_fallback and suffix_unk tokenizers) equals what tokenizers 0.23.3 returned for the same
 * tokenizer.json, exactly. Failures list the first mismatches and their count.
 */
class TokenizerParityTest {
    static final List<String> NAMES = TokenizerFixtures.NAMES;

    @ParameterizedTest(name = "{0}")
    @FieldSource("NAMES")
    void idsAndDecodesEqualTokenizers(String name) {
        Tokenizer tok = TokenizerFixtures.tokenizer(name);
        JsonNode expected = TokenizerFixtures.json(name + ".expected.json");
        List<String> corpus = TokenizerFixtures.corpus();
        assertEquals(expected.get("head").get("vocab_size_with_added").intValue(), tok.vocabSize(), "vocab size");
        JsonNode cases = expected.get("cases");
        assertEquals(expected.get("head").get("corpus_strings").intValue(), cases.size());
        List<String> failures = new ArrayList<>();
        int checks = 0;
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            String text = corpus.get(i);
            int[] ids = TokenizerFixtures.ints(c.get("ids"));
            int[] got = tok.encode(text);
            checks++;
            if (!Arrays.equals(ids, got)) failures.add("#" + i + " " + TokenizerFixtures.show(text) + " ids " + Arrays.toString(got) + " != " + Arrays.toString(ids));
            int[] plain = c.has("ids_no_special") ? TokenizerFixtures.ints(c.get("ids_no_special")) : null;
            if (plain != null) {
                checks++;
                if (!Arrays.equals(plain, tok.encode(text, false))) failures.add("#" + i + " without special tokens " + Arrays.toString(tok.encode(text, false)));
            }
            String decoded = c.has("decoded") ? c.get("decoded").textValue() : text;
            String gotDecoded = tok.decode(tok.encode(text, false), false);
            checks++;
            if (!decoded.equals(gotDecoded)) failures.add("#" + i + " decode " + TokenizerFixtures.show(gotDecoded) + " != " + TokenizerFixtures.show(decoded));
            String skipped = c.has("decoded_skip") ? c.get("decoded_skip").textValue() : text;
            String gotSkipped = tok.decode(ids, true);
            checks++;
            if (!skipped.equals(gotSkipped)) failures.add("#" + i + " decode skipping specials " + TokenizerFixtures.show(gotSkipped) + " != " + TokenizerFixtures.show(skipped));
        }
        for (JsonNode r : expected.get("random_decodes")) {
            int[] ids = TokenizerFixtures.ints(r.get("ids"));
            checks += 2;
            String d = tok.decode(ids, false);
            if (!r.get("decoded").textValue().equals(d)) failures.add("random " + Arrays.toString(ids) + " -> " + TokenizerFixtures.show(d) + " != " + TokenizerFixtures.show(r.get("decoded").textValue()));
            String s = tok.decode(ids, true);
            if (!r.get("decoded_skip").textValue().equals(s)) failures.add("random skip " + Arrays.toString(ids) + " -> " + TokenizerFixtures.show(s));
        }
        assertEquals(List.of(), failures.stream().limit(6).map(f -> f.length() > 400 ? f.substring(0, 400) + "..." : f).toList(),
                failures.size() + " of " + checks + " checks differ from tokenizers 0.23.3");
    }

    /**
     * tokenizers' Python binding refuses strings with unpaired surrogates (the fixture records its
     * TypeError); the Java side encodes them as the same string with each unpaired surrogate
     * replaced by U+FFFD, whose ids tokenizers did produce.
     */
    @ParameterizedTest(name = "{0}")
    @FieldSource("NAMES")
    void unpairedSurrogatesEncodeAsReplacementCharacters(String name) {
        Tokenizer tok = TokenizerFixtures.tokenizer(name);
        for (JsonNode s : TokenizerFixtures.json(name + ".expected.json").get("surrogates")) {
            int[] units = TokenizerFixtures.ints(s.get("utf16"));
            char[] chars = new char[units.length];
            for (int i = 0; i < units.length; i++) chars[i] = (char) units[i];
            String text = new String(chars);
            assertNotNull(s.get("python_error").textValue(), "tokenizers accepted " + Arrays.toString(units));
            assertEquals(s.get("replaced").textValue(), CodePoints.replaceUnpairedSurrogates(text), Arrays.toString(units));
            assertArrayEquals(TokenizerFixtures.ints(s.get("replaced_ids")), tok.encode(text), Arrays.toString(units));
        }
    }
}
