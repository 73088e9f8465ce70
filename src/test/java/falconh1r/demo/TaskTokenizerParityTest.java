package falconh1r.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import falconh1r.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The demo tokenizer against Hugging Face {@code tokenizers} 0.23.3: {@link TaskTokenizer#json}
 * still writes fixtures/demo/task.tokenizer.json byte for byte, and for every text of
 * fixtures/demo/task.expected.json (fixtures/make_demo_fixtures.py) our ids, token strings and
 * decodes (with and without special tokens) equal what {@code tokenizers} gives for that file.
 */
class TaskTokenizerParityTest {
    static final Path DIR = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "demo");

    @Test
    void javaWritesTheFixtureFile() throws Exception {
        assertEquals(Files.readString(DIR.resolve("task.tokenizer.json"), StandardCharsets.UTF_8), TaskTokenizer.json(),
                "rerun the Java writer and fixtures/make_demo_fixtures.py when the tokenizer changes");
    }

    @Test
    void encodeAndDecodeEqualTokenizers() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(DIR.resolve("task.expected.json").toFile());
        Tokenizer tok = Tokenizer.load(DIR.resolve("task.tokenizer.json"));
        assertEquals(doc.get("vocab_size").asInt(), tok.vocabSize());
        for (JsonNode c : doc.get("cases")) {
            String text = c.get("text").asText();
            int[] expected = new int[c.get("ids").size()];
            for (int i = 0; i < expected.length; i++) expected[i] = c.get("ids").get(i).asInt();
            int[] ids = tok.encode(text, false);
            assertArrayEquals(expected, ids, text);
            for (int i = 0; i < ids.length; i++) assertEquals(c.get("tokens").get(i).asText(), tok.token(ids[i]), text + " token " + i);
            assertEquals(c.get("decoded").asText(), tok.decode(ids, false), text);
            assertEquals(c.get("decoded_skip_special").asText(), tok.decode(ids, true), text);
        }
    }
}
