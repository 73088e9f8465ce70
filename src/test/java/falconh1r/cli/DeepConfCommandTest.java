package falconh1r.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import falconh1r.infer.DeepConfFixtures;
import falconh1r.infer.Voting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code falcon-h1r deepconf vote} against deepconf's compute_all_voting_results on the same JSONL files. */
class DeepConfCommandTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mixed_2048", "small_window", "ties", "no_valid", "zero_conf", "single"})
    void votePrintsComputeAllVotingResults(String name) throws IOException {
        JsonNode expected = DeepConfFixtures.read("vote/" + name + ".expected.json");
        int window = expected.get("window").asInt();
        String traces = DeepConfFixtures.dir().resolve("vote/" + name + ".traces.jsonl").toString();
        CliCommandsTest.Result r = window == 2048
                ? CliCommandsTest.run("deepconf", "vote", "--traces", traces)                     // the default window
                : CliCommandsTest.run("deepconf", "vote", "--traces", traces, "--window", String.valueOf(window));
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        assertEquals(1, r.out().strip().lines().count(), "one JSON object on one line: " + r.out());
        JsonNode out = new ObjectMapper().readTree(r.out());
        JsonNode result = expected.get("result");
        assertEquals(names(result), names(out), name + ": variants in the reference's order");
        for (String k : names(result)) {
            JsonNode e = result.get(k), a = out.get(k);
            Voting.Vote vote = a.isNull() ? null : new Voting.Vote(DeepConfFixtures.text(a.get("answer")), a.get("num_votes").asInt(),
                    a.get("confidence").isNull() ? null : a.get("confidence").asDouble());
            DeepConfFixtures.assertVote(name + " " + k, e, vote, DeepConfFixtures.partitionOrder(k));
        }
    }

    @Test
    void badLinesNameFileAndLine(@TempDir Path tmp) throws IOException {
        String good = "{\"answer\": \"1\", \"confs\": [1.0, 2.0]}";
        String[][] cases = {
            {"{\"answer\": \"1\", \"confs\": [1.0, }", "not JSON"},
            {"[1, 2]", "expected a JSON object"},
            {"{\"confs\": [1.0]}", "missing \"answer\""},
            {"{\"answer\": 5, \"confs\": [1.0]}", "\"answer\" must be a string or null"},
            {"{\"answer\": \"1\", \"confs\": \"1.0\"}", "\"confs\" must be an array"},
            {"{\"answer\": \"1\", \"confs\": [1.0, \"x\"]}", "\"confs\"[1] must be a finite number"},
            {"{\"answer\": \"1\", \"confs\": [1e400]}", "\"confs\"[0] must be a finite number"},
            {"{\"answer\": \"1\", \"confs\": [NaN]}", "not JSON"},
            {"{\"answer\": \"1\", \"confs\": [1.0]} {}", "not JSON"},
        };
        for (String[] c : cases) {
            Path file = tmp.resolve("bad.jsonl");
            Files.writeString(file, good + "\n\n" + c[0] + "\n" + good + "\n");
            CliCommandsTest.Result r = CliCommandsTest.run("deepconf", "vote", "--traces", file.toString());
            assertEquals(2, r.exit(), c[0] + ": " + r.err());
            assertTrue(r.err().contains(file + ":3: ") && r.err().contains(c[1]), c[0] + " -> " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
            assertEquals("", r.out());
        }
        CliCommandsTest.Result missing = CliCommandsTest.run("deepconf", "vote", "--traces", tmp.resolve("none.jsonl").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("none.jsonl"), missing.err());
        Path ok = tmp.resolve("ok.jsonl");
        Files.writeString(ok, good + "\n");
        CliCommandsTest.Result zero = CliCommandsTest.run("deepconf", "vote", "--traces", ok.toString(), "--window", "0");
        assertEquals(2, zero.exit());
        assertTrue(zero.err().contains("--window"), zero.err());
    }

    @Test
    void deepconfWithoutSubcommandShowsUsage() {
        CliCommandsTest.Result r = CliCommandsTest.run("deepconf");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("vote"), r.err());
    }

    private static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) out.add(it.next());
        return out;
    }
}
