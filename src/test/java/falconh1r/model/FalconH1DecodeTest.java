package falconh1r.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.io.SafetensorsFile;
import falconh1r.kernels.Backend;
import falconh1r.kernels.Half;
import falconh1r.testing.Close;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cached decode on the fixtures/falcon_h1 checkpoints, every backend:
 * <ul>
 *   <li>prefill a prefix, decode the rest one token at a time: the logits at every real position
 *       equal the full forward's over the whole sequence (prompt + transformers' greedy
 *       continuation), {@code |Δ| ≤ 1e-4};
 *   <li>greedy generation of 32 tokens is token-identical to transformers' {@code generate}
 *       ({@code greedy}) for every batch row, padded rows included, and the logits behind each step
 *       are within 1e-4 of {@code greedy_logits} (the batched generate decodes all rows together);
 *   <li>a batched decode step equals each row decoded alone.
 * </ul>
 */
class FalconH1DecodeTest {

    static final double TOL = 1e-4;
    static final List<Backend> OPEN = new ArrayList<>();

    @AfterAll
    static void close() {
        OPEN.forEach(Backend::close);
        OPEN.clear();
    }

    static Stream<Arguments> cases() throws Exception {
        return FalconH1ForwardTest.cases();
    }

    /** One batch row of a fixture: ids [L], left padding, positions [L], greedy [32], greedy logits [32, V]. */
    record Row(int[] ids, int padding, int[] positions, int[] greedy, float[] greedyLogits) {
        int[] prompt() {
            return Arrays.copyOfRange(ids, padding, ids.length);
        }
    }

    static List<Row> rows(Path dir, int vocab) {
        try (SafetensorsFile fx = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            long[] shape = fx.shape("input_ids");
            int batch = (int) shape[0], length = (int) shape[1], steps = (int) fx.shape("greedy")[1];
            long[] ids = fx.longs("input_ids"), greedy = fx.longs("greedy");
            long[] mask = fx.contains("attention_mask") ? fx.longs("attention_mask") : null;
            long[] positions = fx.contains("position_ids") ? fx.longs("position_ids") : null;
            float[] greedyLogits = fx.floats("greedy_logits");
            List<Row> rows = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                int[] row = new int[length], pos = new int[length], next = new int[steps];
                int padding = 0;
                for (int t = 0; t < length; t++) {
                    row[t] = Math.toIntExact(ids[b * length + t]);
                    pos[t] = positions == null ? t : Math.toIntExact(positions[b * length + t]);
                    if (mask != null && mask[b * length + t] == 0) padding = t + 1;
                }
                for (int i = 0; i < steps; i++) next[i] = Math.toIntExact(greedy[b * steps + i]);
                rows.add(new Row(row, padding, pos, next,
                        Arrays.copyOfRange(greedyLogits, b * steps * vocab, (b + 1) * steps * vocab)));
            }
            return rows;
        }
    }

    static Path dir(String name) {
        return Path.of(System.getProperty("falcon.fixtures", "fixtures"), "falcon_h1", name);
    }

    static FalconH1 model(String name, String backendName) {
        return model(name, backendName, null);
    }

    static FalconH1 model(String name, String backendName, Half.Format packing) {
        Backend backend = falconh1r.kernels.TestBackendsAccess.create(backendName);
        OPEN.add(backend);
        return new FalconH1(FalconH1Parameters.load(dir(name), packing), backend);
    }

    static Stream<Arguments> bf16Cases() throws Exception {
        return FalconH1ForwardTest.bf16Cases();
    }

    /** The bf16 checkpoint with its weights held packed: the batched greedy continuation (prefill with packed matmuls, decode with packed matvecs/matmuls) equals transformers'. */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("bf16Cases")
    void packedBf16GreedyMatchesTransformersGenerate(String name, String backendName) {
        FalconH1 model = model(name, backendName, Half.Format.BF16);
        int vocab = model.config().vocabSize();
        List<Row> rows = rows(dir(name), vocab);
        int steps = rows.getFirst().greedy().length;
        FalconH1.Generation[] batch = model.generate(rows.stream().map(Row::prompt).toArray(int[][]::new), steps);
        for (int b = 0; b < rows.size(); b++) {
            String tag = name + " (bf16 packed) on " + backendName + ", row " + b;
            assertArrayEquals(rows.get(b).greedy(), batch[b].tokens(), tag + " greedy tokens");
            Close.assertClose(tag + " greedy logits", rows.get(b).greedyLogits(), batch[b].logits(), steps * vocab, TOL, 0);
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void decodeLogitsEqualTheFullForward(String name, String backendName) {
        FalconH1 model = model(name, backendName);
        int vocab = model.config().vocabSize();
        double worst = 0;
        int r = 0;
        for (Row row : rows(dir(name), vocab)) {
            // the whole sequence: prompt + greedy continuation, positions continued from the prompt's
            int length = row.ids().length, total = length + row.greedy().length;
            int[] ids = Arrays.copyOf(row.ids(), total), pos = Arrays.copyOf(row.positions(), total);
            for (int i = length; i < total; i++) {
                ids[i] = row.greedy()[i - length];
                pos[i] = pos[i - 1] + 1;
            }
            float[] full = model.forward(ids, pos, row.padding()).logits();
            int real = length - row.padding();
            for (int split : new int[] {row.padding() + 1, row.padding() + (2 * real) / 3}) {
                String tag = name + " on " + backendName + ", row " + r + ", prefill " + split;
                FalconH1Cache cache = model.newCache(4);           // small: the KV arrays must grow
                float[] pre = model.prefill(cache, Arrays.copyOf(ids, split), row.padding(), Arrays.copyOf(pos, split));
                int from = row.padding();
                Close.assertClose(tag + " prefill logits", full, from * vocab, pre, from * vocab, (split - from) * vocab, TOL, 0, null);
                worst = Math.max(worst, maxDiff(full, from * vocab, pre, from * vocab, (split - from) * vocab));
                for (int t = split; t < total; t++) {
                    float[] step = model.decode(cache, ids[t]);
                    Close.assertClose(tag + " decode logits at " + t, full, t * vocab, step, 0, vocab, TOL, 0, null);
                    worst = Math.max(worst, maxDiff(full, t * vocab, step, 0, vocab));
                }
                assertEquals(total, cache.length(), tag + " cache length");
                assertEquals(pos[total - 1] + 1, cache.nextPosition(), tag + " next position");
            }
            r++;
        }
        System.out.printf("decode vs forward %s on %s: max |diff| %.3e%n", name, backendName, worst);
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void greedyMatchesTransformersGenerate(String name, String backendName) {
        FalconH1 model = model(name, backendName);
        int vocab = model.config().vocabSize();
        List<Row> rows = rows(dir(name), vocab);
        int steps = rows.getFirst().greedy().length;
        // the batched form from the unpadded prompts: it must rebuild the fixture's left padding and positions
        int[][] prompts = rows.stream().map(Row::prompt).toArray(int[][]::new);
        FalconH1.Generation[] batch = model.generate(prompts, steps);
        double worst = 0;
        for (int b = 0; b < rows.size(); b++) {
            Row row = rows.get(b);
            String tag = name + " on " + backendName + ", row " + b;
            assertArrayEquals(row.greedy(), batch[b].tokens(), tag + " greedy tokens");
            Close.assertClose(tag + " greedy logits", row.greedyLogits(), batch[b].logits(), steps * vocab, TOL, 0);
            worst = Math.max(worst, maxDiff(row.greedyLogits(), 0, batch[b].logits(), 0, steps * vocab));
            // the single-row form with the fixture's own padding and positions gives the same (not
            // bit for bit: the simd backend's results may change in the last bit once the JIT compiles it)
            FalconH1.Generation single = model.generate(row.ids(), row.padding(), row.positions(), steps);
            assertArrayEquals(batch[b].tokens(), single.tokens(), tag + " single-row tokens");
            Close.assertClose(tag + " single-row logits", batch[b].logits(), single.logits(), steps * vocab, 1e-5, 0);
        }
        System.out.printf("greedy vs transformers %s on %s: max |diff| %.3e%n", name, backendName, worst);
    }

    /**
     * A batched decode step equals decoding each row alone. Not bit for bit: stacking B rows into one
     * matmul lets a backend pick another tiling (the simd backend's 4×3 GEMM tile instead of the 1×8
     * matvec tile), which changes the summation order, so |Δ| ≤ 1e-5. The rows are the fixture's,
     * with their own padding and positions, prefilled at different lengths so each attends over its
     * own number of keys.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void batchedDecodeEqualsPerRowDecode(String name, String backendName) {
        FalconH1 model = model(name, backendName);
        int vocab = model.config().vocabSize();
        List<Row> rows = rows(dir(name), vocab);
        int batch = rows.size(), steps = 6;
        FalconH1Cache[] together = new FalconH1Cache[batch], alone = new FalconH1Cache[batch];
        int[] next = new int[batch];
        for (int b = 0; b < batch; b++) {
            Row row = rows.get(b);
            int split = Math.max(row.padding() + 1, row.ids().length - (b % 3));   // rows of different lengths
            int[] ids = Arrays.copyOf(row.ids(), split), pos = Arrays.copyOf(row.positions(), split);
            together[b] = model.newCache(2);
            alone[b] = model.newCache(2);
            float[] a = model.prefillLast(together[b], ids, row.padding(), pos);
            model.prefillLast(alone[b], ids, row.padding(), pos);
            next[b] = FalconH1.argmax(a, 0, vocab);
        }
        double worst = 0;
        for (int s = 0; s < steps; s++) {
            float[] stacked = model.decode(together, next);
            assertEquals(batch * vocab, stacked.length);
            for (int b = 0; b < batch; b++) {
                float[] single = model.decode(alone[b], next[b]);
                String tag = name + " on " + backendName + ", row " + b + ", step " + s;
                Close.assertClose(tag + " batched decode logits", single, 0, stacked, b * vocab, vocab, 1e-5, 0, null);
                worst = Math.max(worst, maxDiff(single, 0, stacked, b * vocab, vocab));
                assertEquals(alone[b].length(), together[b].length(), tag + " cache length");
                assertEquals(alone[b].nextPosition(), together[b].nextPosition(), tag + " next position");
            }
            for (int b = 0; b < batch; b++) next[b] = FalconH1.argmax(stacked, b * vocab, vocab);
        }
        System.out.printf("batched vs per-row decode %s on %s: max |diff| %.3e%n", name, backendName, worst);
    }

    @Test
    void decodeAndForwardRejectBadArguments() {
        FalconH1 model = model("gqa_g1_norm_before_gate", "scalar");
        FalconH1Cache cache = model.newCache(4);
        model.prefillLast(cache, new int[] {1, 2, 3}, 0, null);
        assertThrows(IllegalArgumentException.class, () -> model.decode(new FalconH1Cache[] {cache}, new int[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> model.decode(new FalconH1Cache[] {cache, cache}, new int[] {1, 2}));
        assertThrows(IllegalStateException.class, () -> model.decode(model.newCache(1), 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.forward(new int[] {1, 2}, null, 3));
        assertTrue(e.getMessage().contains("padding 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.forward(new int[] {1, 2}, null, -1));
        assertThrows(IllegalArgumentException.class, () -> model.prefill(model.newCache(1), new int[] {1}, 2, null));
    }

    @Test
    void argmaxTakesTheLowestIdOnTies() {
        assertEquals(1, FalconH1.argmax(new float[] {0f, 3f, 3f, -1f}, 0, 4));
        assertEquals(0, FalconH1.argmax(new float[] {2f, 2f}, 0, 2));
        assertEquals(1, FalconH1.argmax(new float[] {9f, 0f, 1f, 1f}, 1, 3));   // relative to the offset
    }

    static double maxDiff(float[] e, int eOff, float[] a, int aOff, int n) {
        return Close.maxAbsDiff(Arrays.copyOfRange(e, eOff, eOff + n), Arrays.copyOfRange(a, aOff, aOff + n), n);
    }
}
