package falconh1r.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SampleStream}: bad lines skipped and counted or fatal (naming file:line), the mixture
 * proportions, sampling weights as expected draws per epoch, loss weights, and a restored state
 * continuing the same sequence of samples (through trainer_state.json).
 */
class SampleStreamTest {
    static final Tokenizer TOK = SftFixtures.tokenizer();

    @TempDir
    Path dir;

    static SampleEncoder encoder() {
        return new SampleEncoder(TOK, "<|begin_of_text|>", SampleEncoder.LossMask.LAST, 512, TOK.vocabSize());
    }

    static SampleStream stream(List<SampleStream.Source> sources, DifficultyWeights w, BadLines bad, int buffer, long seed) {
        return new SampleStream(sources, encoder(), w, bad, buffer, seed);
    }

    @Test
    void badLinesAreSkippedAndCountedOrFatal() {
        List<String> lines = new ArrayList<>(SftFixtures.arithmetic(3, false));
        lines.add(1, "{not json");
        lines.add(3, "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}");
        Path f = SftFixtures.write(dir.resolve("mixed.jsonl"), lines);
        BadLines bad = new BadLines(false, 0);
        try (SampleStream s = stream(List.of(new SampleStream.Source(f, 1)), DifficultyWeights.none(), bad, 1, 1)) {
            for (int i = 0; i < 9; i++) {
                long line = s.next().ref().line();
                assertTrue(line == 1 || line == 3 || line == 5, "line " + line);
            }
            assertEquals(2, bad.count(), "each bad line counted once, in the first pass");
            assertEquals(2, s.state().badLines());
        }
        BadLines strict = new BadLines(true, 0);
        try (SampleStream s = stream(List.of(new SampleStream.Source(f, 1)), DifficultyWeights.none(), strict, 1, 1)) {
            BadLines.BadLineException e = assertThrows(BadLines.BadLineException.class, () -> {
                for (int i = 0; i < 3; i++) s.next();
            });
            assertTrue(e.getMessage().contains(f + ":2: not valid JSON"), e.getMessage());
        }
    }

    @Test
    void aFileWithNoUsableSampleStopsTheRun() {
        Path f = SftFixtures.write(dir.resolve("bad.jsonl"), List.of("{}", "[]"));
        try (SampleStream s = stream(List.of(new SampleStream.Source(f, 1)), DifficultyWeights.none(), new BadLines(false, 0), 1, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, s::next);
            assertTrue(e.getMessage().contains("no usable sample"), e.getMessage());
        }
    }

    /** Files of 10 and 30 lines with weights 3 and 1: each gives half the draws (w·N = 30 each), within 5 standard errors. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void mixtureProportions(long seed) {
        Path a = SftFixtures.write(dir.resolve("a.jsonl"), SftFixtures.arithmetic(10, false));
        Path b = SftFixtures.write(dir.resolve("b.jsonl"), SftFixtures.arithmetic(30, false));
        int n = 4000, fromA = 0;
        try (SampleStream s = stream(List.of(new SampleStream.Source(a, 3), new SampleStream.Source(b, 1)), DifficultyWeights.none(),
                new BadLines(true, 0), 50, seed)) {
            assertEquals(60, s.epochDraws());
            for (int i = 0; i < n; i++) fromA += s.next().ref().source() == 0 ? 1 : 0;
        }
        double share = (double) fromA / n, se = Math.sqrt(0.25 / n);
        assertEquals(0.5, share, 5 * se, "share of a.jsonl; |diff| " + Math.abs(share - 0.5));
    }

    /**
     * Sampling weights: over E epochs a line of weight w is drawn about w·E times (the default pass-rate
     * table on pass rates 0, 0.5, 0.6 and 1: weights 1.75, 1.25, 1, 0.5).
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 8})
    void samplingWeightsAreDrawsPerEpoch(long seed) {
        double[] rates = {0, 0.5, 0.6, 1}, weights = {1.75, 1.25, 1, 0.5};
        List<String> lines = new ArrayList<>();
        for (double p : rates) lines.add(SftFixtures.line("q" + p, "r", "a", p));
        Path f = SftFixtures.write(dir.resolve("w.jsonl"), lines);
        DifficultyWeights w = DifficultyWeights.of(DifficultyWeights.Mode.SAMPLING, DifficultyWeights.Basis.PASS_RATE,
                DifficultyWeights.defaultTable(DifficultyWeights.Basis.PASS_RATE));
        Map<Long, Integer> count = new HashMap<>();
        int epochs = 3000;
        try (SampleStream s = stream(List.of(new SampleStream.Source(f, 1)), w, new BadLines(true, 0), 8, seed)) {
            while (s.draws() < (long) epochs * rates.length) {
                SampleStream.Sample x = s.next();
                count.merge(x.ref().line(), 1, Integer::sum);
                assertEquals(1f, x.weight(), "no loss weight under sampling");
            }
        }
        for (int i = 0; i < rates.length; i++) {
            double frac = weights[i] - Math.floor(weights[i]);
            double se = Math.sqrt(epochs * frac * (1 - frac)) + 1;
            int got = count.getOrDefault((long) i + 1, 0);
            assertEquals(weights[i] * epochs, got, 5 * se + 8, "line " + (i + 1) + " of weight " + weights[i]);   // + buffer in flight
        }
    }

    @Test
    void lossWeightsAndDroppedSamples() {
        List<String> lines = List.of(SftFixtures.line("hard", "r", "a", 0.0), SftFixtures.line("easy", "r", "a", 1.0));
        Path f = SftFixtures.write(dir.resolve("l.jsonl"), lines);
        DifficultyWeights w = DifficultyWeights.of(DifficultyWeights.Mode.LOSS, DifficultyWeights.Basis.PASS_RATE, "0.5:1.5,1:0");
        try (SampleStream s = stream(List.of(new SampleStream.Source(f, 1)), w, new BadLines(true, 0), 1, 3)) {
            for (int i = 0; i < 10; i++) {
                SampleStream.Sample x = s.next();
                assertEquals(1, x.ref().line(), "the weight-0 line is dropped");
                assertEquals(1.5f, x.weight());
            }
            assertTrue(s.dropped() >= 9, "dropped " + s.dropped());
        }
    }

    @Test
    void aRestoredStreamContinuesTheSameSequence() throws Exception {
        Path a = SftFixtures.write(dir.resolve("a.jsonl"), SftFixtures.arithmetic(13, true));
        Path b = SftFixtures.write(dir.resolve("b.jsonl"), SftFixtures.arithmetic(7, false));
        List<SampleStream.Source> sources = List.of(new SampleStream.Source(a, 1), new SampleStream.Source(b, 2.5));
        DifficultyWeights w = DifficultyWeights.of(DifficultyWeights.Mode.SAMPLING, DifficultyWeights.Basis.PASS_RATE,
                DifficultyWeights.defaultTable(DifficultyWeights.Basis.PASS_RATE));
        List<SampleStream.Sample> expected = new ArrayList<>();
        SampleStream.State saved;
        try (SampleStream s = stream(sources, w, new BadLines(true, 0), 6, 11)) {
            for (int i = 0; i < 37; i++) s.next();
            saved = s.state();
            for (int i = 0; i < 60; i++) expected.add(s.next());
        }
        Path json = dir.resolve(TrainerState.FILE);
        Files.writeString(json, new TrainerState(5, 9, saved, Map.of("k", "v")).toJson());
        TrainerState read = TrainerState.read(json);
        assertEquals(saved, read.stream());
        assertEquals(5, read.step());
        try (SampleStream s = SampleStream.restore(sources, encoder(), w, new BadLines(true, 0), 6, read.stream())) {
            for (SampleStream.Sample e : expected) {
                SampleStream.Sample got = s.next();
                assertEquals(e.ref(), got.ref());
                assertArrayEquals(e.ids(), got.ids());
                assertArrayEquals(e.targets(), got.targets());
            }
        }
        Files.writeString(b, "\n" + String.join("\n", SftFixtures.arithmetic(8, false)) + "\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SampleStream.restore(sources, encoder(), w, new BadLines(true, 0), 6, read.stream()));
        assertTrue(e.getMessage().contains("the file changed"), e.getMessage());
    }
}
