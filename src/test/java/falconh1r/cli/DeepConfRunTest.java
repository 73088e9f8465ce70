package falconh1r.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import falconh1r.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code falcon-h1r deepconf --model ... --data ... --out ...} in its three modes on a tiny random
 * model with a trained tokenizer: one result line per problem with the documented fields, online
 * stopping some final-phase traces (never more tokens than the budget allows), the summary line,
 * and bad input as one-line errors.
 */
class DeepConfRunTest {

    static final Path FIXTURES = Path.of(System.getProperty("falcon.fixtures", "fixtures"));

    @Test
    void runsEveryModeOverAProblemFile(@TempDir Path tmp) throws Exception {
        Path tokenizer = FIXTURES.resolve("tokenizer").resolve("falcon_like.tokenizer.json");
        Tokenizer tok = Tokenizer.load(tokenizer);
        FalconH1Config base = FalconH1Config.read(FIXTURES.resolve("falcon_h1/gqa_g1_norm_before_gate/config.json"));
        String json = base.toJson().replaceFirst("\"vocab_size\"\\s*:\\s*\\d+", "\"vocab_size\": " + tok.vocabSize());
        FalconH1Parameters.init(FalconH1Config.parse(json, "test"), 3).save(tmp.resolve("m"));
        Path data = tmp.resolve("problems.jsonl");
        Files.writeString(data, "{\"id\": \"a\", \"question\": \"What is 2+2?\", \"answer\": \"4\"}\n\n"
                + "{\"problem\": \"Compute 3*3.\", \"gold\": \"9\"}\n");
        ObjectMapper mapper = new ObjectMapper();
        for (String mode : List.of("online", "offline", "majority")) {
            Path out = tmp.resolve(mode + ".jsonl");
            Result r = run("deepconf", "--model", tmp.resolve("m").toString(), "--tokenizer", tokenizer.toString(),
                    "--data", data.toString(), "--out", out.toString(), "--mode", mode, "--budget", "6", "--warmup", "2",
                    "--window", "4", "--max-new-tokens", "8", "--seed", "3", "--backend", "scalar");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().startsWith("deepconf " + mode + ": 2 problems, accuracy "), r.out());
            List<String> lines = Files.readAllLines(out);
            assertEquals(2, lines.size());
            JsonNode first = mapper.readTree(lines.get(0)), second = mapper.readTree(lines.get(1));
            assertEquals("a", first.get("id").asText());
            assertEquals(1, second.get("id").asInt());
            assertEquals("9", second.get("gold").asText());
            for (JsonNode l : List.of(first, second)) {
                assertEquals(6, l.get("traces").asInt());
                assertTrue(l.get("tokens").asLong() >= 6 && l.get("tokens").asLong() <= 6 * 8, l.toString());
                assertTrue(l.has("correct") && l.has("votes") && l.get("votes").has("majority"), l.toString());
                assertEquals(mode.equals("online"), l.has("conf_bar"), l.toString());
                if (!mode.equals("online")) assertEquals(0, l.get("stopped").asInt());
            }
        }
        Result bad = run("deepconf", "--model", tmp.resolve("m").toString(), "--tokenizer", tokenizer.toString(),
                "--data", data.toString(), "--out", tmp.resolve("x.jsonl").toString(), "--mode", "sideways");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--mode"), bad.err());
        Files.writeString(data, "{\"question\": 1}\n{oops\n");
        Result badLine = run("deepconf", "--model", tmp.resolve("m").toString(), "--tokenizer", tokenizer.toString(),
                "--data", data.toString(), "--out", tmp.resolve("x.jsonl").toString());
        assertEquals(2, badLine.code());
        assertTrue(badLine.err().contains("problems.jsonl:2"), badLine.err());
    }

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
