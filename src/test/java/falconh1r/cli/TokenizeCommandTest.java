package falconh1r.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code falcon-h1r tokenize} through picocli with stdin replaced: the ids it prints for corpus
 * lines are tokenizers' (fixtures/tokenizer/falcon_like.expected.json), {@code --decode} turns
 * them back into the lines, and bad input is one line on stderr with exit code 2.
 */
class TokenizeCommandTest {
    static final Path DIR = Path.of(System.getProperty("falcon.fixtures", "fixtures")).resolve("tokenizer");
    static final Path TOKENIZER = DIR.resolve("falcon_like.tokenizer.json");

    record Result(int exit, String out, String err) {}

    static Result run(String stdin, String... args) {
        InputStream saved = System.in;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            CommandLine cli = new CommandLine(new Main());
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            int exit = cli.execute(args);
            return new Result(exit, out.toString(), err.toString());
        } finally {
            System.setIn(saved);
        }
    }

    /** Corpus strings that are one line each (no \n or \r), with their fixture ids and skip-special decode. */
    record Line(String text, String ids, String decoded) {}

    static List<Line> lines() throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode corpus = json.readTree(DIR.resolve("corpus.json").toFile()).get("strings");
        JsonNode cases = json.readTree(DIR.resolve("falcon_like.expected.json").toFile()).get("cases");
        List<Line> out = new ArrayList<>();
        for (int i = 0; i < cases.size() && out.size() < 400; i++) {
            String text = corpus.get(i).textValue();
            if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) continue;
            StringBuilder ids = new StringBuilder();
            for (JsonNode id : cases.get(i).get("ids")) ids.append(ids.isEmpty() ? "" : " ").append(id.intValue());
            JsonNode skip = cases.get(i).get("decoded_skip");
            out.add(new Line(text, ids.toString(), skip == null ? text : skip.textValue()));
        }
        return out;
    }

    @Test
    void encodesLinesAsTokenizersDoesAndDecodesThemBack() throws IOException {
        List<Line> lines = lines();
        StringBuilder in = new StringBuilder();
        StringBuilder expectedIds = new StringBuilder();
        StringBuilder expectedText = new StringBuilder();
        for (Line l : lines) {
            in.append(l.text()).append('\n');
            expectedIds.append(l.ids()).append('\n');
            expectedText.append(l.decoded()).append('\n');
        }
        Result encoded = run(in.toString(), "tokenize", "--tokenizer", TOKENIZER.toString());
        assertEquals(0, encoded.exit(), encoded.err());
        assertEquals(expectedIds.toString(), encoded.out().replace(System.lineSeparator(), "\n"));

        Result decoded = run(encoded.out(), "tokenize", "--tokenizer", TOKENIZER.toString(), "--decode", "--skip-special-tokens");
        assertEquals(0, decoded.exit(), decoded.err());
        assertEquals(expectedText.toString(), decoded.out().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void specialTokensFollowTheOptions() {
        Result plain = run("<think>hi\n", "tokenize", "--tokenizer", TOKENIZER.toString(), "--no-special-tokens");
        Result withBos = run("<think>hi\n", "tokenize", "--tokenizer", TOKENIZER.toString());
        assertEquals("0 " + plain.out().strip(), withBos.out().strip());
        Result kept = run(withBos.out(), "tokenize", "--tokenizer", TOKENIZER.toString(), "--decode");
        assertEquals("<|begin_of_text|><think>hi", kept.out().strip());
        Result empty = run("\n", "tokenize", "--tokenizer", TOKENIZER.toString(), "--decode");
        assertEquals("", empty.out().strip());
    }

    @Test
    void badInputIsOneLineOnStderr(@TempDir Path tmp) throws IOException {
        Result notAnId = run("1 2\n3 x 4\n", "tokenize", "--tokenizer", TOKENIZER.toString(), "--decode");
        assertEquals(2, notAnId.exit());
        assertEquals("falcon-h1r tokenize: line 2: 'x' is not an integer token id", notAnId.err().strip());

        Result outside = run("99999\n", "tokenize", "--tokenizer", TOKENIZER.toString(), "--decode");
        assertEquals(2, outside.exit());
        assertTrue(outside.err().strip().startsWith("falcon-h1r tokenize: line 1: 99999 is not a token id"), outside.err());

        Result missing = run("", "tokenize", "--tokenizer", tmp.resolve("nope.json").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("nope.json"), missing.err());

        Path broken = tmp.resolve("broken.json");
        Files.writeString(broken, Files.readString(TOKENIZER).replace("\"type\":\"Digits\"", "\"type\":\"Digitz\""));
        Result malformed = run("x\n", "tokenize", "--tokenizer", broken.toString());
        assertEquals(2, malformed.exit());
        assertEquals("falcon-h1r tokenize: " + broken + ": pre_tokenizer.pretokenizers[1].type: unsupported pre-tokenizer \"Digitz\" "
                + "(Split, ByteLevel, Digits, Punctuation, Whitespace, WhitespaceSplit, BertPreTokenizer, Metaspace, Sequence)", malformed.err().strip());
    }
}
