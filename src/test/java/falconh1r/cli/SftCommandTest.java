package falconh1r.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import falconh1r.model.FalconH1Parameters;
import falconh1r.sft.SftFixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code falcon-h1r sft} end to end on a tiny Falcon-H1 (vocabulary of the falcon_like fixture
 * tokenizer) and a 4-line dataset drawn again and again: the loss falls, metrics.jsonl has one line
 * per step with every field, the checkpoints hold a loadable Hugging Face model, the optimizer and
 * the trainer state; --help documents every option with the report's defaults; a bad line under
 * --strict and a resume with other settings are one-line errors with exit code 2.
 */
class SftCommandTest {
    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    Path model() {
        Path m = dir.resolve("model");
        SftFixtures.tinyModel(1).save(m);
        return m;
    }

    List<String> common(Path model, Path data, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("sft", "--model", model.toString(), "--tokenizer", SftFixtures.tokenizerFile().toString(),
                "--data", data.toString(), "--out", out.toString(), "--batch", "4", "--ranks", "2", "--micro", "1", "--lr", "1e-2",
                "--warmup-steps", "1", "--max-length", "96", "--shuffle-buffer", "4", "--backend", "scalar", "--threads", "2"));
        a.addAll(Arrays.asList(more));
        return a;
    }

    @Test
    void trainsAndWritesMetricsAndCheckpoints() throws IOException {
        Path model = model();
        Path data = SftFixtures.write(dir.resolve("tiny.jsonl"), SftFixtures.arithmetic(4, true));
        Path out = dir.resolve("run");
        Result r = run(common(model, data, out, "--steps", "12", "--save-every", "6", "--no-progress").toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("step 12/12"), r.out());

        ObjectMapper json = new ObjectMapper();
        List<JsonNode> metrics = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) metrics.add(json.readTree(line));
        assertEquals(12, metrics.size());
        for (int i = 0; i < 12; i++) {
            JsonNode m = metrics.get(i);
            assertEquals(i + 1, m.get("step").asInt());
            for (String f : List.of("loss", "lr", "grad_norm", "tokens", "tokens_per_s", "skipped", "target_tokens", "bad_lines", "epoch")) {
                assertTrue(m.has(f), "metrics line " + (i + 1) + " lacks " + f);
            }
            assertEquals(0, m.get("skipped").asInt());
            assertTrue(m.get("tokens").asLong() > m.get("target_tokens").asLong());
        }
        double first = metrics.getFirst().get("loss").asDouble(), last = metrics.getLast().get("loss").asDouble();
        System.out.printf("sft cli: loss %.4f -> %.4f over 12 steps%n", first, last);
        assertTrue(last < first - 1.0, "the loss should fall by more than 1 nat: " + first + " -> " + last);

        for (String step : List.of("checkpoint-6", "checkpoint-12")) {
            Path c = out.resolve(step);
            for (String f : List.of("config.json", "model.safetensors", "optimizer.safetensors", "trainer_state.json")) {
                assertTrue(Files.isRegularFile(c.resolve(f)), step + "/" + f);
            }
        }
        FalconH1Parameters trained = FalconH1Parameters.load(out.resolve("checkpoint-12"));
        FalconH1Parameters initial = FalconH1Parameters.load(model);
        assertFalse(Arrays.equals(initial.get("model.embed_tokens.weight"), trained.get("model.embed_tokens.weight")));
        assertEquals(12, json.readTree(out.resolve("checkpoint-12").resolve("trainer_state.json").toFile()).get("step").asInt());
        try (var entries = Files.list(out)) {
            assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no temporary folder left");
        }

        Result again = run(common(model, data, out, "--steps", "12", "--save-every", "6", "--resume", out.toString()).toArray(String[]::new));
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("nothing to do"), again.out());
        Result other = run(common(model, data, out, "--steps", "12", "--seed", "7", "--resume", out.resolve("checkpoint-6").toString())
                .toArray(String[]::new));
        assertEquals(2, other.exit());
        assertTrue(other.err().contains("seed: 42 (checkpoint) vs 7 (now)"), other.err());
        Result busy = run(common(model, data, out, "--steps", "1").toArray(String[]::new));
        assertEquals(2, busy.exit());
        assertTrue(busy.err().contains("is not empty"), busy.err());
    }

    @Test
    void progressBarRun() {
        Path data = SftFixtures.write(dir.resolve("tiny.jsonl"), SftFixtures.arithmetic(4, false));
        Result r = run(common(model(), data, dir.resolve("bar"), "--steps", "2", "--weighting", "none").toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("sft: step 2/2"), r.out());
    }

    @Test
    void strictStopsAtABadLine() {
        List<String> lines = new ArrayList<>(SftFixtures.arithmetic(4, false));
        lines.add(1, "{\"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]}");
        Path data = SftFixtures.write(dir.resolve("bad.jsonl"), lines);
        Result r = run(common(model(), data, dir.resolve("strict"), "--steps", "2", "--strict", "--no-progress").toArray(String[]::new));
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains(data + ":2") && r.err().contains("unknown role 'wizard'"), r.err());
    }

    @Test
    void helpDocumentsEveryOptionWithThePapersDefaults() {
        Result r = run("sft", "--help");
        assertEquals(0, r.exit());
        CommandLine sft = new CommandLine(new Main()).getSubcommands().get("sft");
        for (var option : sft.getCommandSpec().options()) {
            assertTrue(r.out().contains(option.longestName()), option.longestName());
            assertTrue(option.description().length > 0 && !option.description()[0].isBlank(), option.longestName() + " has no description");
        }
        for (String paper : List.of("report: 1.024e-3", "report: 512", "report: 0.04", "report: 0.01", "report: 1.0", "36K = 36864",
                "report: linear", "report: 3")) {
            assertTrue(r.out().replaceAll("\\s+", " ").contains(paper), paper);
        }
        Result bad = run("sft", "--tokenizer", "t", "--data", "d", "--out", dir.toString(), "--model", "m", "--weighting", "often");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--weighting: 'often' is not one of [none, loss, sampling]"), bad.err());
    }
}
