package falconh1r.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.io.SafetensorsFile;
import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code falcon-h1r init} and {@code falcon-h1r logits}, run through picocli as the launcher does. */
class CliCommandsTest {
    static final Path FIXTURE_CONFIG = Path.of("fixtures/falcon_h1/gqa_g1_norm_before_gate/config.json");

    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    static Path init(Path dir) {
        Result r = run("init", "--config", FIXTURE_CONFIG.toString(), "--seed", "7", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        return dir;
    }

    @Test
    void initWritesALoadableCheckpointWithTheInputConfig(@TempDir Path tmp) {
        Path dir = tmp.resolve("ckpt");
        Result r = run("init", "--config", FIXTURE_CONFIG.toString(), "--seed", "7", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        FalconH1Parameters loaded = FalconH1Parameters.load(dir);
        assertEquals(FalconH1Config.read(FIXTURE_CONFIG), loaded.config());
        long count = 0;
        for (String name : loaded.names()) count += Arrays.stream(loaded.shape(name)).asLongStream().reduce(1, Math::multiplyExact);
        assertTrue(r.out().contains(String.format("%,d parameters", count)), r.out());
        assertTrue(r.out().contains(dir.toString()), r.out());
        FalconH1Parameters expected = FalconH1Parameters.init(loaded.config(), 7);
        for (String name : loaded.names()) assertArrayEquals(expected.get(name), loaded.get(name), name);
    }

    @Test
    void initRefusesANonEmptyFolderUnlessForced(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("ckpt");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("notes.txt"), "keep me");
        Result r = run("init", "--config", FIXTURE_CONFIG.toString(), "--out", dir.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("is not empty") && r.err().contains("--force"), r.err());
        assertOneLineNoTrace(r.err());
        assertFalse(Files.exists(dir.resolve("config.json")));

        Result forced = run("init", "--config", FIXTURE_CONFIG.toString(), "--out", dir.toString(), "--force");
        assertEquals(0, forced.exit(), forced.err());
        assertEquals(FalconH1Config.read(FIXTURE_CONFIG), FalconH1Parameters.load(dir).config());
        assertTrue(Files.exists(dir.resolve("notes.txt")));
    }

    @Test
    void initNamesTheFileAndFieldOfABadConfig(@TempDir Path tmp) throws IOException {
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, Files.readString(FIXTURE_CONFIG).replace("\"hidden_size\": 32", "\"hidden_size\": -4"));
        Result r = run("init", "--config", bad.toString(), "--out", tmp.resolve("out").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(bad.toString()) && r.err().contains("hidden_size"), r.err());
        assertOneLineNoTrace(r.err());
        assertFalse(Files.exists(tmp.resolve("out")));

        Result missing = run("init", "--config", tmp.resolve("nope.json").toString(), "--out", tmp.resolve("out").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("nope.json"), missing.err());
        assertOneLineNoTrace(missing.err());
    }

    @Test
    void logitsEqualTheForwardForEachSequenceRightPadded(@TempDir Path tmp) {
        Path dir = init(tmp.resolve("ckpt"));
        Path file = tmp.resolve("sub/logits.safetensors");
        int[][] seqs = {{1, 2, 3}, {4, 5}, {95, 0, 17, 42, 8}};
        Result r = run("logits", "--model", dir.toString(), "--ids", "1 2 3", "--ids", "4,5", "--ids", " 95 0  17 42 8 ",
                "--backend", "scalar", "--out", file.toString());
        assertEquals(0, r.exit(), r.err());

        FalconH1Parameters params = FalconH1Parameters.load(dir);
        int vocab = params.config().vocabSize(), maxLength = 5;
        try (SafetensorsFile f = SafetensorsFile.open(file); Backend backend = Backends.create("scalar")) {
            assertArrayEquals(new long[] {3, maxLength, vocab}, f.shape("logits"));
            assertArrayEquals(new long[] {3, 2, 5}, f.longs("lengths"));
            float[] all = f.floats("logits");
            FalconH1 net = new FalconH1(params, backend);
            String[] lines = r.out().split("\n");
            for (int s = 0; s < seqs.length; s++) {
                float[] expected = net.forward(seqs[s], null, 0).logits();
                int base = s * maxLength * vocab;
                assertArrayEquals(expected, Arrays.copyOfRange(all, base, base + expected.length), "sequence " + s);
                for (int i = base + expected.length; i < base + maxLength * vocab; i++) assertEquals(0f, all[i], "padding");
                String top = LogitsCommand.formatTop(expected, (seqs[s].length - 1) * vocab, vocab);
                assertEquals("sequence " + s + " (" + seqs[s].length + " tokens), top-5 next: " + top, lines[s]);
                assertTop5(expected, (seqs[s].length - 1) * vocab, vocab, LogitsCommand.top(expected, (seqs[s].length - 1) * vocab, vocab));
            }
            assertTrue(lines[3].startsWith("wrote " + file), r.out());
        }
    }

    /** The five ids are the five largest logits, in decreasing order. */
    static void assertTop5(float[] logits, int from, int vocab, int[] top) {
        assertEquals(5, top.length);
        Integer[] order = new Integer[vocab];
        for (int v = 0; v < vocab; v++) order[v] = v;
        Arrays.sort(order, (a, b) -> a.equals(b) ? 0 : Float.compare(logits[from + b], logits[from + a]) != 0
                ? Float.compare(logits[from + b], logits[from + a]) : Integer.compare(a, b));
        for (int i = 0; i < 5; i++) assertEquals(order[i], top[i], "rank " + i);
    }

    @Test
    void topHandlesTiesAndSmallVocabularies() {
        float[] logits = {1, 3, 3, -1, 2, 3, 0};
        assertArrayEquals(new int[] {1, 2, 5, 4, 0}, LogitsCommand.top(logits, 0, 7));
        assertArrayEquals(new int[] {2, 1, 0}, LogitsCommand.top(new float[] {9, 1, 2, 3}, 1, 3));
    }

    @Test
    void logitsNamesTheSequenceAndPositionOfABadId(@TempDir Path tmp) {
        Path dir = init(tmp.resolve("ckpt"));
        Path file = tmp.resolve("logits.safetensors");
        Result notInt = run("logits", "--model", dir.toString(), "--ids", "1 2", "--ids", "3 x 4", "--out", file.toString());
        assertEquals(2, notInt.exit());
        assertTrue(notInt.err().contains("sequence 1, position 1") && notInt.err().contains("'x'"), notInt.err());
        assertOneLineNoTrace(notInt.err());

        Result outside = run("logits", "--model", dir.toString(), "--ids", "1 96", "--out", file.toString());
        assertEquals(2, outside.exit());
        assertTrue(outside.err().contains("sequence 0, position 1") && outside.err().contains("96")
                && outside.err().contains("[0, 96)"), outside.err());
        assertOneLineNoTrace(outside.err());

        Result negative = run("logits", "--model", dir.toString(), "--ids", "-1", "--out", file.toString());
        assertEquals(2, negative.exit());
        assertTrue(negative.err().contains("sequence 0, position 0"), negative.err());

        Result empty = run("logits", "--model", dir.toString(), "--ids", "  ", "--out", file.toString());
        assertEquals(2, empty.exit());
        assertTrue(empty.err().contains("sequence 0 is empty"), empty.err());
        assertFalse(Files.exists(file));
    }

    @Test
    void logitsReportsAMissingModelAndAnUnknownBackend(@TempDir Path tmp) {
        Result missing = run("logits", "--model", tmp.resolve("none").toString(), "--ids", "1", "--out", tmp.resolve("l.safetensors").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("none"), missing.err());
        assertOneLineNoTrace(missing.err());

        Path dir = init(tmp.resolve("ckpt"));
        Result backend = run("logits", "--model", dir.toString(), "--ids", "1", "--backend", "tpu", "--out", tmp.resolve("l.safetensors").toString());
        assertEquals(2, backend.exit());
        assertTrue(backend.err().contains("unknown backend 'tpu'"), backend.err());
        assertOneLineNoTrace(backend.err());
    }

    static void assertOneLineNoTrace(String err) {
        assertEquals(1, err.strip().lines().count(), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
    }
}
