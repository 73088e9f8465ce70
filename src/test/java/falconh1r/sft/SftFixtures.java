package falconh1r.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import falconh1r.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the SFT tests share: the trained falcon_like tokenizer (fixtures/tokenizer, 4003 ids with
 * the chat template's special tokens), a tiny Falcon-H1 whose vocabulary fits it (the config of
 * fixtures/train/sft/initial with vocab_size 4003, initialised from a seed), and JSONL writers.
 */
public final class SftFixtures {
    private SftFixtures() {}

    static final ObjectMapper JSON = new ObjectMapper();

    public static Path fixtures() {
        return Path.of(System.getProperty("falcon.fixtures", "fixtures"));
    }

    public static Path tokenizerFile() {
        return fixtures().resolve("tokenizer").resolve("falcon_like.tokenizer.json");
    }

    public static Tokenizer tokenizer() {
        return Tokenizer.load(tokenizerFile());
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The 2-layer, hidden-32 config of the SFT trajectory fixture with the tokenizer's vocabulary. */
    public static FalconH1Config tinyConfig() {
        Path file = fixtures().resolve("train").resolve("sft").resolve("initial").resolve("config.json");
        ObjectNode config = (ObjectNode) json(file);
        config.put("vocab_size", tokenizer().vocabSize());
        return FalconH1Config.parse(config.toString(), file + " (vocab_size " + tokenizer().vocabSize() + ")");
    }

    public static FalconH1Parameters tinyModel(long seed) {
        return FalconH1Parameters.init(tinyConfig(), seed);
    }

    /** A JSONL line: user question, assistant answer with reasoning, optional pass rate (null: none). */
    public static String line(String question, String reasoning, String answer, Double passRate) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode m = o.putArray("messages");
        m.addObject().put("role", "user").put("content", question);
        m.addObject().put("role", "assistant").put("content", answer).put("reasoning", reasoning);
        if (passRate != null) o.put("pass_rate", passRate);
        return o.toString();
    }

    /** {@code n} arithmetic conversations "a+b" (a, b from i), pass rate i/n when {@code withPassRate}. */
    public static List<String> arithmetic(int n, boolean withPassRate) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int a = i % 7 + 1, b = i % 5 + 2;
            out.add(line("What is " + a + "+" + b + "?", a + " plus " + b + " is " + (a + b) + ".", "\\boxed{" + (a + b) + "}",
                    withPassRate ? (double) i / n : null));
        }
        return out;
    }

    public static Path write(Path file, List<String> lines) {
        try {
            Files.write(file, lines);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
