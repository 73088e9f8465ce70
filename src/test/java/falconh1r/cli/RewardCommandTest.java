package falconh1r.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code falcon-h1r reward math --input pairs.jsonl} on pairs of fixtures/reward/math_pairs.json: every
 * line comes back in order with its other fields and the reward Python's labels give (max of verl's
 * math_reward and Math-Verify), and bad lines are named by file and line.
 */
class RewardCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path FIXTURE = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "reward", "math_pairs.json");

    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Result(cli.execute(args), out.toString(), err.toString());
    }

    @Test
    void addsTheRewardToEveryLineInOrder(@TempDir Path tmp) throws IOException {
        JsonNode disagreements = JSON.readTree(FIXTURE.resolveSibling("tier2_disagreements.json").toFile()).get("disagreements");
        List<JsonNode> expected = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        int k = 0;
        for (JsonNode p : JSON.readTree(FIXTURE.toFile()).get("pairs")) {
            if (k++ % 7 != 0 || disagreements.has(p.get("id").asText())) continue;
            ObjectNode line = JSON.createObjectNode();
            line.put("id", p.get("id").asText());
            line.put("gold", p.get("gold").asText());
            line.put("prediction", p.get("prediction").asText());
            line.set("meta", JSON.createObjectNode().put("source", p.get("source").asText()));
            lines.add(JSON.writeValueAsString(line));
            if (lines.size() % 10 == 0) lines.add("   ");
            expected.add(p);
        }
        Path input = tmp.resolve("pairs.jsonl");
        Files.write(input, lines);

        Result r = run("reward", "math", "--input", input.toString());
        assertEquals(0, r.exit(), r.err());
        String[] out = r.out().split("\n");
        assertEquals(expected.size(), out.length);
        int accepted = 0;
        for (int i = 0; i < out.length; i++) {
            JsonNode got = JSON.readTree(out[i]), want = expected.get(i);
            String id = want.get("id").asText();
            assertEquals(id, got.get("id").asText(), "line " + (i + 1));
            assertEquals(want.get("gold").asText(), got.get("gold").asText(), id);
            assertEquals(want.get("prediction").asText(), got.get("prediction").asText(), id);
            assertEquals(want.get("source").asText(), got.get("meta").get("source").asText(), id);
            assertEquals(want.get("reward").asInt(), got.get("reward").asInt(), id + ": the reward of Python's labels");
            accepted += got.get("reward").asInt();
        }
        assertTrue(accepted > 0 && accepted < out.length, "both rewards occur: " + accepted + " of " + out.length);
    }

    @Test
    void badLinesAreNamedByFileAndLine(@TempDir Path tmp) throws IOException {
        String good = "{\"gold\": \"1\", \"prediction\": \"\\\\boxed{1}\"}";
        String[][] cases = {
            {"{\"gold\": \"1\", \"prediction\": ", ":2: not valid JSON"},
            {"[1, 2]", ":2: expected a JSON object"},
            {"{\"gold\": \"1\"}", ":2: missing field \"prediction\""},
            {"{\"gold\": 1, \"prediction\": \"1\"}", ":2: field \"gold\" must be a string"},
            {"{\"gold\": \"1\", \"prediction\": \"1\"} trailing", ":2: not valid JSON"},
        };
        for (String[] c : cases) {
            Path input = tmp.resolve("bad.jsonl");
            Files.write(input, List.of(good, c[0]));
            Result r = run("reward", "math", "--input", input.toString());
            assertEquals(2, r.exit(), c[0]);
            assertTrue(r.err().contains(input + c[1]), c[0] + " -> " + r.err());
        }
        Result missing = run("reward", "math", "--input", tmp.resolve("absent.jsonl").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("absent.jsonl"), missing.err());
    }
}
