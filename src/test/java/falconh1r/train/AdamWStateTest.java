package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.io.DType;
import falconh1r.io.SafetensorsException;
import falconh1r.io.SafetensorsFile;
import falconh1r.io.SafetensorsWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AdamWState}: a saved and reloaded state resumes bit for bit; a file that does not fit is refused and changes nothing. */
class AdamWStateTest {
    static final AdamW.Settings SETTINGS = new AdamW.Settings(0.9, 0.95, 1e-8, 1.0, NonFiniteGradientPolicy.SKIP);

    @TempDir
    Path tmp;

    @Test
    void resumeFromASavedStateIsBitForBitTheUninterruptedRun() {
        LrSchedule schedule = LrSchedule.cosine(1e-3, 2, 8);
        Map<String, float[]> straight = AdamWTest.tensors(7, 1);
        AdamW uninterrupted = new AdamW(ParameterGroups.of(straight, 0.1), SETTINGS);
        for (int k = 0; k < 8; k++) uninterrupted.step(AdamWTest.tensors(1000 + k, 0.3), schedule.lr(k));

        Map<String, float[]> first = AdamWTest.tensors(7, 1);
        AdamW before = new AdamW(ParameterGroups.of(first, 0.1), SETTINGS);
        for (int k = 0; k < 3; k++) before.step(AdamWTest.tensors(1000 + k, 0.3), schedule.lr(k));
        before.step(AdamWTest.gradsWith(AdamWTest.NORM, Float.NaN, 0), schedule.lr(3));  // skipped, counted
        Path file = tmp.resolve("optimizer.safetensors");
        before.state().save(file);

        Map<String, float[]> resumed = AdamWTest.copy(first);
        AdamW after = new AdamW(ParameterGroups.of(resumed, 0.1), SETTINGS);
        after.state().load(file);
        assertEquals(3, after.state().step());
        assertEquals(1, after.state().skippedSteps());
        for (int k = 3; k < 8; k++) after.step(AdamWTest.tensors(1000 + k, 0.3), schedule.lr(k));

        AdamWTest.assertSameBits(straight, resumed, "resumed weights");
        AdamWTest.assertSameState(uninterrupted.state(), after.state(), "resumed state");
    }

    @Test
    void fileLayoutIsTheDocumentedOne() {
        AdamW adamw = new AdamW(ParameterGroups.of(AdamWTest.tensors(8, 1), 0.1), SETTINGS);
        adamw.step(AdamWTest.tensors(9, 0.3), 1e-3);
        Path file = tmp.resolve("state.safetensors");
        adamw.state().save(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(Map.of("state", "AdamW"), f.metadata());
            assertEquals(2 + 2 * 3, f.names().size());
            assertArrayEquals(new long[0], f.shape("step"));
            assertEquals(1, f.longs("step")[0]);
            assertEquals(0, f.longs("skipped_steps")[0]);
            assertArrayEquals(new long[] {35}, f.shape(AdamWTest.MATRIX + ".exp_avg"));
            assertArrayEquals(adamw.state().expAvgSq(AdamWTest.NORM), f.floats(AdamWTest.NORM + ".exp_avg_sq"));
        }
    }

    @Test
    void mismatchedFilesAreRefusedAndChangeNothing() {
        AdamW source = new AdamW(ParameterGroups.of(AdamWTest.tensors(8, 1), 0.1), SETTINGS);
        source.step(AdamWTest.tensors(9, 0.3), 1e-3);
        Path good = tmp.resolve("good.safetensors");
        source.state().save(good);

        AdamW target = new AdamW(ParameterGroups.of(AdamWTest.tensors(8, 1), 0.1), SETTINGS);
        target.step(AdamWTest.tensors(10, 0.3), 1e-3);
        target.step(AdamWTest.tensors(11, 0.3), 1e-3);
        float[] m = target.state().expAvg(AdamWTest.MATRIX).clone();

        String matrixM = AdamWTest.MATRIX + ".exp_avg", normV = AdamWTest.NORM + ".exp_avg_sq";
        Map<String, String> cases = Map.of(
                "not an AdamW state", write("meta", good, Map.of("format", "pt"), null, null),
                "unexpected tensor 'extra'", write("extra", good, null, "extra", new float[1]),
                "'" + matrixM + "' has shape [34], expected [35]", write("short", good, null, matrixM, new float[34]),
                "'" + normV + "'[2] = -1.0 cannot be an AdamW moment", write("negative", good, null, normV, new float[] {0, 0, -1, 0, 0, 0, 0, 0}),
                "'" + matrixM + "'[0] = NaN cannot be an AdamW moment", write("nan", good, null, matrixM, nanAt0(35)),
                "missing tensor '" + normV + "'", write("missing", good, null, normV, null));
        cases.forEach((message, path) -> {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> target.state().load(Path.of(path)), message);
            assertTrue(e.getMessage().contains(message), "expected '" + message + "' in: " + e.getMessage());
            assertEquals(2, target.state().step());
            assertArrayEquals(m, target.state().expAvg(AdamWTest.MATRIX), message);
        });
    }

    static float[] nanAt0(int n) {
        float[] a = new float[n];
        a[0] = Float.NaN;
        return a;
    }

    /** A copy of {@code from} with other metadata, or tensor {@code name} replaced by {@code values} (removed when null). */
    private String write(String stem, Path from, Map<String, String> metadata, String name, float[] values) {
        Path out = tmp.resolve(stem + ".safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(from)) {
            SafetensorsWriter w = new SafetensorsWriter().metadata(metadata != null ? metadata : f.metadata());
            for (String t : f.names()) {
                if (t.equals(name)) continue;
                w.addBytes(t, f.info(t).dtype(), f.shape(t), f.bytes(t));
            }
            if (name != null && values != null) w.add(name, DType.F32, new long[] {values.length}, values);
            w.write(out);
        }
        return out.toString();
    }
}
