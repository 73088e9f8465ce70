package falconh1r.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code bench traces} prints one line per batch size, in the documented format; bad sizes are one-line errors. */
class BenchTracesCommandTest {

    @Test
    void oneLinePerBatchSize() {
        DeepConfRunTest.Result r = DeepConfRunTest.run("bench", "traces", "--config", "bench/falcon_h1_tiny.json",
                "--batch", "1,3", "--prompt", "5", "--decode", "3", "--backend", "scalar");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).matches("traces scalar layers=2 prompt=5 decode=3 batch=1 dtype=f32 .* decode tok/s: [0-9.]+"), lines.get(0));
        assertTrue(lines.get(1).contains(" batch=3 "), lines.get(1));
        DeepConfRunTest.Result bad = DeepConfRunTest.run("bench", "traces", "--config", "bench/falcon_h1_tiny.json", "--batch", "0");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("batch sizes"), bad.err());
    }
}
