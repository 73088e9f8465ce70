package falconh1r.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CheckpointFolder} and {@link CheckpointWriter} against the folder transformers' layout produces. */
class CheckpointFolderTest {

    @TempDir
    Path tmp;

    private static final Path PYTHON_FOLDER = Fixtures.file("sharded");

    @Test
    void readsThePythonShardedFolderBitExact() {
        JsonNode exp = Fixtures.expected("sharded");
        try (CheckpointFolder folder = CheckpointFolder.open(PYTHON_FOLDER)) {
            List<String> names = new ArrayList<>();
            exp.get("tensors").fieldNames().forEachRemaining(names::add);
            names.sort(JsonText.CODE_POINT_ORDER);
            assertEquals(names, folder.names());
            assertEquals(5, folder.files().size());
            assertEquals(PYTHON_FOLDER.resolve(CheckpointFolder.INDEX_FILE), folder.source());
            for (String name : names) {
                JsonNode t = exp.get("tensors").get(name);
                PythonFixturesTest.assertTensor(folder, name, t);
                assertEquals(t.get("file").asText(), folder.fileOf(name).getFileName().toString());
            }
            var e = assertThrows(SafetensorsException.class, () -> folder.floats("missing.weight"));
            assertEquals(PYTHON_FOLDER.resolve(CheckpointFolder.INDEX_FILE) + ": no tensor named 'missing.weight'",
                    e.getMessage());
        }
    }

    /** Same tensors, same insertion order, same limit: the same shard files and index, byte for byte. */
    @Test
    void shardedWriterReproducesThePythonFolder() throws IOException {
        JsonNode exp = Fixtures.expected("sharded");
        Path out = tmp.resolve("out");
        try (CheckpointFolder folder = CheckpointFolder.open(PYTHON_FOLDER)) {
            SafetensorsWriter w = new SafetensorsWriter().metadata(Map.of("format", "pt"));
            for (JsonNode name : exp.get("order")) {
                String n = name.asText();
                w.addSegment(n, folder.info(n).dtype(), folder.shape(n), folder.segment(n));
            }
            List<Path> written = CheckpointWriter.write(out, w, exp.get("max_shard_size").asLong());
            assertEquals(exp.get("files").size(), written.size());
        }
        for (Iterator<String> it = exp.get("files").fieldNames(); it.hasNext(); ) {
            String f = it.next();
            assertArrayEquals(Files.readAllBytes(PYTHON_FOLDER.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(exp.get("files").size(), files.count(), "no temporary or extra files");
        }
    }

    @Test
    void splitFollowsHuggingfaceHub() {
        // huggingface_hub's docstring example: limit 10, sizes [6, 6, 2, 6, 2, 2] -> [6], [6+2], [6+2+2]
        SafetensorsWriter w = new SafetensorsWriter();
        int[] sizes = {6, 6, 2, 6, 2, 2, 11, 1};
        for (int i = 0; i < sizes.length; i++) w.addBytes("t" + i, DType.U8, new long[] {sizes[i]}, new byte[sizes[i]]);
        List<List<Long>> shardSizes = CheckpointWriter.split(w.entries(), 10).stream()
                .map(s -> s.stream().map(e -> e.data().byteSize()).toList()).toList();
        // an oversized tensor (11) takes a shard of its own, appended before the open one closes
        assertEquals(List.of(List.of(6L), List.of(6L, 2L), List.of(11L), List.of(6L, 2L, 2L), List.of(1L)), shardSizes);
    }

    @Test
    void shardedWriteReadsBackAndReplacesAnEarlierSave() throws IOException {
        Path dir = tmp.resolve("ckpt");
        SafetensorsWriter big = new SafetensorsWriter().metadata(Map.of("format", "pt"));
        for (int i = 0; i < 6; i++) big.add("layer." + i + ".weight", DType.BF16, new long[] {4, 4}, ramp(16, i));
        List<Path> files = CheckpointWriter.write(dir, big, 64);
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", CheckpointFolder.INDEX_FILE),
                files.stream().map(p -> p.getFileName().toString()).toList());
        try (CheckpointFolder f = CheckpointFolder.open(dir)) {
            assertEquals(6, f.names().size());
            for (int i = 0; i < 6; i++) {
                assertArrayEquals(ramp(16, i), f.floats("layer." + i + ".weight"));
                assertEquals(Map.of("format", "pt"), f.files().get(i / 2).metadata());
            }
        }
        // A smaller save into the same folder: one file, and the old shards and index are gone.
        SafetensorsWriter small = new SafetensorsWriter().add("only", DType.F32, new long[] {2}, new float[] {1, 2});
        CheckpointWriter.write(dir, small, 1 << 20);
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(CheckpointFolder.SINGLE_FILE), left.map(p -> p.getFileName().toString()).toList());
        }
        try (CheckpointFolder f = CheckpointFolder.open(dir)) {
            assertEquals(List.of("only"), f.names());
            assertEquals(dir.resolve(CheckpointFolder.SINGLE_FILE), f.source());
        }
        // And back to shards: the single file goes.
        CheckpointWriter.write(dir, big, 64);
        try (Stream<Path> left = Files.list(dir)) {
            assertFalse(left.anyMatch(p -> p.getFileName().toString().equals(CheckpointFolder.SINGLE_FILE)));
        }
    }

    @Test
    void failedShardedWriteLeavesTheEarlierSave() throws IOException {
        Path dir = tmp.resolve("ckpt");
        SafetensorsWriter first = new SafetensorsWriter();
        for (int i = 0; i < 4; i++) first.addInts("t" + i, new long[] {4}, new int[] {i, i, i, i});
        CheckpointWriter.write(dir, first, 20);
        Map<String, byte[]> before = contents(dir);

        Arena arena = Arena.ofConfined();
        SafetensorsWriter second = new SafetensorsWriter()
                .addInts("t0", new long[] {4}, new int[4])
                .addSegment("t1", DType.U8, new long[] {16}, arena.allocate(16));
        arena.close();
        assertThrows(SafetensorsException.class, () -> CheckpointWriter.write(dir, second, 20));
        Map<String, byte[]> after = contents(dir);
        assertEquals(before.keySet(), after.keySet(), "files added or removed");
        before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k));
    }

    @Test
    void indexErrorsNameTheIndexAndTheCulprit() throws IOException {
        Path dir = copyOfPythonFolder();
        Path index = dir.resolve(CheckpointFolder.INDEX_FILE);
        String original = Files.readString(index);

        Files.delete(dir.resolve("model-00004-of-00005.safetensors"));
        assertRejected(dir, index + ": shard 'model-00004-of-00005.safetensors' of tensor 'model.final_layernorm.weight' is missing");

        dir = copyOfPythonFolder();
        index = dir.resolve(CheckpointFolder.INDEX_FILE);
        Files.writeString(index, original.replace("\"lm_head.weight\": \"model-00005", "\"lm_head.weight\": \"model-00001"));
        assertRejected(dir, index + ": tensor 'lm_head.weight' is not in its shard 'model-00001-of-00005.safetensors'");

        Files.writeString(index, original.replace("    \"model.layers.0.mamba.D\": \"model-00003-of-00005.safetensors\",\n", ""));
        assertRejected(dir, index + ": tensor 'model.layers.0.mamba.D' of shard 'model-00003-of-00005.safetensors' is not in the weight_map");

        Files.writeString(index, original.replace("\"lm_head.weight\": \"model-00005-of-00005.safetensors\"",
                "\"lm_head.weight\": \"../elsewhere.safetensors\""));
        assertRejected(dir, index + ": shard '../elsewhere.safetensors' lies outside the folder");

        Files.writeString(index, "{\"metadata\": {}}");
        assertRejected(dir, index + ": has no \"weight_map\" object");
        Files.writeString(index, "[]");
        assertRejected(dir, index + ": is not a JSON object");
        Files.writeString(index, "{\"weight_map\": {\"a\": 1}}");
        assertRejected(dir, index + ": weight_map value of 'a' is not a file name");
        Files.writeString(index, "{\"weight_map\": {\"a\": \"x\", \"a\": \"y\"}}");
        assertRejected(dir, index + ": invalid JSON");

        Files.delete(index);
        assertRejected(dir, dir + ": holds neither model.safetensors nor model.safetensors.index.json");
    }

    private Path copyOfPythonFolder() throws IOException {
        Path dir = Files.createTempDirectory(tmp, "copy");
        try (Stream<Path> files = Files.list(PYTHON_FOLDER)) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        return dir;
    }

    private static void assertRejected(Path dir, String message) {
        var e = assertThrows(SafetensorsException.class, () -> CheckpointFolder.open(dir).close());
        assertTrue(e.getMessage().startsWith(message), e.getMessage() + "\n  expected: " + message);
    }

    private static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) m.put(f.getFileName().toString(), Files.readAllBytes(f));
        }
        return m;
    }

    private static float[] ramp(int n, int seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (i - n / 2) * 0.25f + seed;    // exact in bf16
        return v;
    }
}
