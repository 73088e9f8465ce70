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
    }
}
