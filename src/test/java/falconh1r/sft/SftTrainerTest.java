package falconh1r.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import falconh1r.model.FalconH1Parameters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SftTrainer}: a run interrupted after step 3 and resumed from checkpoint-2 reaches the same
 * metrics (loss, lr, grad norm, tokens at every step) and the same checkpoint-6 bytes (weights,
 * optimizer state, trainer state) as the uninterrupted run, on the scalar backend with 2 ranks,
 * sampling weights and a shuffle buffer; resuming with other settings is refused, naming them.
 */
class SftTrainerTest {
    @TempDir
    Path dir;

    static final class Interrupt extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    SftOptions options(Path data) {
        SftOptions o = new SftOptions();
        o.data = List.of(new SampleStream.Source(data, 1));
        o.steps = 6;
        o.batch = 4;
        o.ranks = 2;
        o.micro = 1;
        o.lr = 3e-3;
        o.warmupSteps = 1;
        o.maxLength = 96;
        o.shuffleBuffer = 5;
        o.saveEvery = 2;
        o.backend = "scalar";
        o.threads = 2;
        return o;
    }

    static List<JsonNode> metrics(Path out) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(out.resolve(MetricsLog.FILE))) lines.add(SftFixtures.JSON.readTree(l));
        return lines;
    }

    @Test
    void resumedRunEqualsUninterruptedRun() throws IOException {
        Path data = SftFixtures.write(dir.resolve("data.jsonl"), SftFixtures.arithmetic(11, true));
        Path a = dir.resolve("a"), b = dir.resolve("b");
        new SftTrainer(options(data), SftFixtures.tinyModel(3), SftFixtures.tokenizer(), a).run(m -> {});

        assertThrows(Interrupt.class, () -> new SftTrainer(options(data), SftFixtures.tinyModel(3), SftFixtures.tokenizer(), b).run(m -> {
            if (m.step() == 3) throw new Interrupt();
        }));
        assertEquals(3, metrics(b).size(), "the interrupted run logged steps 1-3");
        Path checkpoint = Checkpoints.find(b).orElseThrow();
        assertEquals(b.resolve("checkpoint-2"), checkpoint);
        StepMetrics last = new SftTrainer(options(data), FalconH1Parameters.load(checkpoint), SftFixtures.tokenizer(), b).resume(checkpoint, m -> {});
        assertEquals(6, last.step());

        List<JsonNode> ma = metrics(a), mb = metrics(b);
        assertEquals(6, ma.size());
        assertEquals(6, mb.size());
        for (int i = 0; i < 6; i++) {
            for (String field : List.of("step", "loss", "token_loss", "lr", "grad_norm", "tokens", "target_tokens", "skipped", "dropped", "epoch")) {
                assertEquals(ma.get(i).get(field), mb.get(i).get(field), "step " + (i + 1) + " " + field);
            }
        }
        for (String file : List.of("model.safetensors", "config.json", Checkpoints.OPTIMIZER, TrainerState.FILE)) {
            assertArrayEquals(Files.readAllBytes(a.resolve("checkpoint-6").resolve(file)), Files.readAllBytes(b.resolve("checkpoint-6").resolve(file)), file);
        }
        System.out.printf("resume: losses %s; checkpoint-6 identical%n", ma.stream().map(m -> m.get("loss").asText()).toList());

        SftOptions other = options(data);
        other.lr = 1e-3;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SftTrainer(other, FalconH1Parameters.load(checkpoint), SftFixtures.tokenizer(), b).resume(checkpoint, m -> {}));
        assertTrue(e.getMessage().contains("schedule: linear(lr=0.003"), e.getMessage());
    }
}
