package falconh1r.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Locates fixtures/tokenizer (written by fixtures/make_tokenizer_fixtures.py) and reads its JSON. */
final class TokenizerFixtures {
    private TokenizerFixtures() {}

    /** The four tokenizers the script trains. */
    static final List<String> NAMES = List.of("falcon_like", "bytelevel_plain", "metaspace_fallback", "suffix_unk");

    static Path dir() {
        return Path.of(System.getProperty("falcon.fixtures", "fixtures")).resolve("tokenizer");
    }

    static JsonNode json(String file) {
        try {
            return new ObjectMapper().readTree(dir().resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Tokenizer tokenizer(String name) {
        return Tokenizer.load(dir().resolve(name + ".tokenizer.json"));
    }

    static List<String> corpus() {
        List<String> out = new ArrayList<>();
        for (JsonNode s : json("corpus.json").get("strings")) out.add(s.textValue());
        return out;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).intValue();
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>(array.size());
        for (JsonNode s : array) out.add(s.textValue());
        return out;
    }

    /** A string with its non-printable and non-ASCII characters escaped, for failure messages. */
    static String show(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) b.appendCodePoint(cp);
            else b.append(String.format("\\u{%X}", cp));
        });
        return b.append('"').toString();
    }
}
