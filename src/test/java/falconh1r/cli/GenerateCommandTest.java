package falconh1r.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.io.SafetensorsFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code falcon-h1r generate --greedy} prints transformers' own greedy continuation (the fixture's
 * {@code greedy}, from {@code generate(do_sample=False, max_new_tokens=32)}) for a tiny checkpoint.
 */
class GenerateCommandTest {

    static final Path MODEL = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "falcon_h1", "gqa_g1_norm_before_gate");

    @Test
    void greedyContinuationEqualsTransformers() {
        assertGreedy(MODEL, "f32");
    }

    /** The bf16 checkpoint with its weights kept packed ({@code --dtype bf16}) continues as transformers does. */
    @Test
    void packedBf16ContinuationEqualsTransformers() {
        assertGreedy(MODEL.resolveSibling("bf16_h1_0p5b"), "bf16");
    }

    static void assertGreedy(Path model, String dtype) {
        long[] ids, greedy;
        try (SafetensorsFile fx = SafetensorsFile.open(model.resolve("expected.safetensors"))) {
            ids = fx.longs("input_ids");
            greedy = fx.longs("greedy");
        }
        StringBuilder prompt = new StringBuilder(), expected = new StringBuilder();
        for (long id : ids) prompt.append(prompt.isEmpty() ? "" : " ").append(id);
        for (long id : greedy) expected.append(expected.isEmpty() ? "" : " ").append(id);
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("generate", "--model", model.toString(), "--ids", prompt.toString(),
                "--max-new-tokens", String.valueOf(greedy.length), "--greedy", "--backend", "scalar", "--dtype", dtype);
        assertEquals(0, code, err.toString());
        assertEquals(expected.toString(), out.toString().strip());
    }

    /**
     * A text prompt through the tokenizer and the chat template, sampled: --n 3 prints three traces,
     * the same seed prints the same traces, another seed others; a single trace streams text that is
     * the decode of the ids the same seed gives without a tokenizer.
     */
    @Test
    void sampledTextPromptsWithTheChatTemplate(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path tokenizer = MODEL.resolveSibling("..").resolve("tokenizer").resolve("falcon_like.tokenizer.json").normalize();
        falconh1r.tokenizer.Tokenizer tok = falconh1r.tokenizer.Tokenizer.load(tokenizer);
        falconh1r.model.FalconH1Config base = falconh1r.model.FalconH1Config.read(MODEL.resolve("config.json"));
        String json = base.toJson().replaceFirst("\"vocab_size\"\\s*:\\s*\\d+", "\"vocab_size\": " + tok.vocabSize());
        falconh1r.model.FalconH1Parameters.init(falconh1r.model.FalconH1Config.parse(json, "test"), 3).save(tmp.resolve("m"));
        String m = tmp.resolve("m").toString();
        String[] sampled = {"generate", "--model", m, "--tokenizer", tokenizer.toString(), "--prompt", "What is 2+2?", "--chat",
                "--n", "3", "--temperature", "0.8", "--top-p", "0.9", "--max-new-tokens", "6", "--seed", "7", "--backend", "scalar"};
        String first = run(sampled), again = run(sampled);
        assertEquals(3, first.lines().filter(l -> l.startsWith("--- trace ")).count(), first);
        assertEquals(first, again, "same seed, same traces");
        sampled[sampled.length - 3] = "8";
        assertTrue(!first.equals(run(sampled)), "another seed, other traces");

        int[] prompt = tok.encode("Hello there", true);
        StringBuilder idText = new StringBuilder();
        for (int id : prompt) idText.append(idText.isEmpty() ? "" : " ").append(id);
        String ids = run("generate", "--model", m, "--ids", idText.toString(), "--temperature", "0.9", "--max-new-tokens", "6",
                "--seed", "5", "--backend", "scalar").strip();
        int[] generated = java.util.Arrays.stream(ids.split(" ")).mapToInt(Integer::parseInt).toArray();
        String text = run("generate", "--model", m, "--tokenizer", tokenizer.toString(), "--prompt", "Hello there",
                "--temperature", "0.9", "--max-new-tokens", "6", "--seed", "5", "--backend", "scalar");
        assertEquals(tok.decode(generated, true) + System.lineSeparator(), text);
    }

    static String run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        assertEquals(0, cli.execute(args), err.toString());
        return out.toString();
    }

    @Test
    void badIdsAndCountsAreOneLineErrors() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        assertEquals(2, cli.execute("generate", "--model", MODEL.toString(), "--ids", "1 x", "--greedy"));
        assertTrue(err.toString().contains("position 1"), err.toString());
        assertEquals(2, cli.execute("generate", "--model", MODEL.toString(), "--ids", "1 2", "--greedy", "--max-new-tokens", "0"));
        assertTrue(err.toString().contains("--max-new-tokens"), err.toString());
        assertEquals(2, cli.execute("generate", "--model", MODEL.toString(), "--ids", "1 2", "--greedy", "--dtype", "f64"));
        assertTrue(err.toString().contains("--dtype") && err.toString().contains("f64"), err.toString());
        assertEquals(2, cli.execute("generate", "--model", MODEL.toString(), "--prompt", "hi"));
        assertTrue(err.toString().contains("--tokenizer"), err.toString());
        assertEquals(2, cli.execute("generate", "--model", MODEL.toString(), "--ids", "1 2", "--top-p", "1.5"));
        assertTrue(err.toString().contains("top-p"), err.toString());
    }
}
