package falconh1r.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import falconh1r.cli.Main;
import falconh1r.model.FalconH1Parameters;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code falcon-h1r demo --quick} end to end through the CLI (the run CI exercises): it exits 0,
 * prints both tables, and leaves the report, the metrics of every stage, a loadable checkpoint per
 * stage, the kept problems and four PNG plots; {@code --help} documents every option; a second run
 * into the same folder needs {@code --force}.
 */
class DemoQuickTest {

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void quickRunWritesEveryArtifact(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("demo");
        Result r = run("demo", "--quick", "--seed", "3", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        for (String row : List.of("| Falcon-H1 base (random init) |", "| + SFT (cold start) |", "| + GRPO (miniature Falcon-H1R) |",
                "| SFT | majority@8 |", "| SFT | deepconf@8 |", "| RL | majority@8 |", "| RL | deepconf@8 |", "RL: DeepConf ")) {
            assertTrue(r.out().contains(row), "missing '" + row + "' in:\n" + r.out());
        }
        String report = Files.readString(dir.resolve("report.md"));
        assertTrue(report.startsWith("# Miniature Falcon-H1R") && report.contains("## Curation") && report.contains("| setting | paper |"),
                report);

        Map<String, Integer> stages = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
            JsonNode m = json.readTree(line);
            stages.merge(m.get("stage").asText(), 1, Integer::sum);
            if (m.get("stage").asText().equals("eval")) {
                double p = m.get("pass@1").asDouble();
                assertTrue(p >= 0 && p <= 1, line);
            }
        }
        DemoOptions quick = DemoOptions.quick();
        assertEquals((int) quick.sftSteps, stages.get("sft"), stages.toString());
        assertEquals(3, stages.get("eval"), stages.toString());
        assertEquals(4, stages.get("scaling"), stages.toString());
        assertEquals(1, stages.get("curation"), stages.toString());
        assertTrue(stages.getOrDefault("grpo", 0) >= 1 || report.contains("GRPO skipped"), stages.toString());

        FalconH1Parameters base = FalconH1Parameters.load(dir.resolve("base"));
        FalconH1Parameters sft = FalconH1Parameters.load(dir.resolve("sft").resolve("checkpoint-" + quick.sftSteps));
        assertEquals(base.config(), sft.config());
        try (var grpo = Files.list(dir.resolve("grpo"))) {
            Path checkpoint = grpo.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).findFirst().orElseThrow();
            assertEquals(base.config(), FalconH1Parameters.load(checkpoint).config());
        }
        assertTrue(Files.size(dir.resolve("tokenizer.json")) > 0 && Files.exists(dir.resolve("curation").resolve("kept.jsonl")));
        for (String plot : List.of("sft_loss", "rl_reward", "accuracy_by_stage", "deepconf_tokens")) {
            BufferedImage image = ImageIO.read(dir.resolve("plots").resolve(plot + ".png").toFile());
            assertNotNull(image, plot);
            assertEquals(800, image.getWidth(), plot);
        }

        Result again = run("demo", "--quick", "--out", dir.toString());
        assertEquals(CommandLine.ExitCode.USAGE, again.code(), again.out());
        assertTrue(again.err().contains("use --force"), again.err());
    }

    @Test
    void helpDocumentsEveryOption() {
        Result r = run("demo", "--help");
        assertEquals(0, r.code(), r.err());
        for (String option : List.of("--quick", "--seed", "--out", "--force", "--threads", "--help", "--version")) {
            assertTrue(r.out().contains(option), option + " missing from:\n" + r.out());
        }
        assertTrue(r.out().contains("report.md") && r.out().contains("DeepConf"), r.out());
    }
}
