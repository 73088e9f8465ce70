package falconh1r.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
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

    /**
     * Same tensors, same insertion order, same limit: the same shard files and index, byte for
     * byte, but for the save id: one more {@code __metadata__} entry (and the header padding after
     * it) in each shard, one more line in the index's metadata.
     */
    @Test
    void shardedWriterReproducesThePythonFolderButForTheSaveId() throws IOException {
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
        String index = Files.readString(out.resolve(CheckpointFolder.INDEX_FILE));
        String saveId = new ObjectMapper().readTree(index).get("metadata").get(CheckpointFolder.SAVE_ID).textValue();
        assertEquals(saveId, UUID.fromString(saveId).toString());
        for (Iterator<String> it = exp.get("files").fieldNames(); it.hasNext(); ) {
            String f = it.next();
            byte[] python = Files.readAllBytes(PYTHON_FOLDER.resolve(f));
            byte[] java = Files.readAllBytes(out.resolve(f));
            if (f.equals(CheckpointFolder.INDEX_FILE)) {
                String line = "    \"falcon_save_id\": \"" + saveId + "\",\n";
                assertTrue(index.contains(line), index);
                assertEquals(new String(python, StandardCharsets.UTF_8), index.replace(line, ""));
            } else {
                String entry = ",\"falcon_save_id\":\"" + saveId + "\"";
                assertTrue(headerJson(java).contains(entry), f);
                assertEquals(headerJson(python), headerJson(java).replace(entry, ""), f);
                assertArrayEquals(tensorData(python), tensorData(java), f);
            }
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
                .map(s -> s.stream().map(SafetensorsWriter.Entry::byteSize).toList()).toList();
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
                Map<String, String> metadata = f.files().get(i / 2).metadata();
                assertEquals(List.of("format", CheckpointFolder.SAVE_ID), List.copyOf(metadata.keySet()));
                assertEquals("pt", metadata.get("format"));
                assertEquals(f.files().get(0).metadata(), metadata, "one save id for all shards");
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

    /**
     * A save stopped before each rename or deletion it makes (as a crash there would) leaves a
     * folder that loads entirely old, entirely new, or is refused: never a mix. Each case lists
     * the outcome after stopping before change 0, 1, ..., then after the complete save.
     */
    @Test
    void aSaveStoppedAtAnyStepLoadsOldOrNewOrNothingButNeverAMix() throws IOException {
        // same three shard names: replaced shards no longer match the old index's save id
        assertStops(dir -> CheckpointWriter.write(dir, layers(0), 64), layers(10), 64,
                "old refused refused refused new");
        // two shards of other names: the old index names only old files until the new index lands
        assertStops(dir -> CheckpointWriter.write(dir, layers(0), 64), layers(10), 96,
                "old old old new new new new");
        // model.safetensors wins over an index, old or new
        assertStops(dir -> CheckpointWriter.write(dir, layers(0), 64), layers(10), 1 << 20,
                "old new new new new new");
        assertStops(dir -> CheckpointWriter.write(dir, layers(0), 1 << 20), layers(10), 64,
                "old old old old old new");
        // a Python-written folder has no save id; a Java shard that replaces one of its shards has
        try (CheckpointFolder python = CheckpointFolder.open(PYTHON_FOLDER)) {
            SafetensorsWriter changed = new SafetensorsWriter().metadata(Map.of("format", "pt"));
            for (JsonNode name : Fixtures.expected("sharded").get("order")) {
                String n = name.asText();
                byte[] bytes = python.bytes(n);
                for (int i = 0; i < bytes.length; i++) bytes[i] ^= 0x11;
                changed.addBytes(n, python.info(n).dtype(), python.shape(n), bytes);
            }
            assertStops(this::copyPythonFolderInto, changed, Fixtures.expected("sharded").get("max_shard_size").asLong(),
                    "old refused refused refused refused refused new");
        }
    }

    /** Where a stopped save leaves a folder that first held {@code oldSave}: see the test above. */
    private void assertStops(IoConsumer<Path> oldSave, SafetensorsWriter newSave, long maxShardSize, String outcomes)
            throws IOException {
        Path reference = Files.createTempDirectory(tmp, "reference");
        oldSave.accept(reference.resolve("old"));
        CheckpointWriter.write(reference.resolve("new"), newSave, maxShardSize);
        Map<String, String> old = load(reference.resolve("old"));
        Map<String, String> replaced = load(reference.resolve("new"));
        List<String> seen = new ArrayList<>();
        for (int stopAt = 0; ; stopAt++) {
            Path dir = Files.createTempDirectory(tmp, "stopped");
            oldSave.accept(dir);
            Files.writeString(dir.resolve("config.json"), "{}\n");
            int[] changesLeft = {stopAt};
            boolean completed = true;
            try {
                CheckpointWriter.write(dir, newSave, maxShardSize, file -> {
                    if (changesLeft[0]-- == 0) throw new Stop();
                });
            } catch (Stop e) {
                completed = false;
            }
            assertEquals("{}\n", Files.readString(dir.resolve("config.json")), "other files are left alone");
            Map<String, String> loaded;
            try {
                loaded = load(dir);
                seen.add(loaded.equals(old) ? "old" : loaded.equals(replaced) ? "new" : "MIXED");
            } catch (SafetensorsException e) {
                seen.add("refused");
            }
            if (completed) break;
        }
        assertEquals(outcomes, String.join(" ", seen));
    }

    /** Thrown by the test hook where a crash would stop the save. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @FunctionalInterface
    private interface IoConsumer<T> {
        void accept(T t) throws IOException;
    }

    /** Every tensor of a folder as dtype, shape and raw bytes. */
    private static Map<String, String> load(Path dir) {
        Map<String, String> tensors = new TreeMap<>();
        try (CheckpointFolder f = CheckpointFolder.open(dir)) {
            for (String n : f.names()) {
                tensors.put(n, f.info(n).dtype() + Arrays.toString(f.shape(n)) + HexFormat.of().formatHex(f.bytes(n)));
            }
        }
        return tensors;
    }

    private static SafetensorsWriter layers(int seed) {
        SafetensorsWriter w = new SafetensorsWriter().metadata(Map.of("format", "pt"));
        for (int i = 0; i < 6; i++) w.add("layer." + i + ".weight", DType.BF16, new long[] {4, 4}, ramp(16, seed + i));
        return w;
    }

    @Test
    void shardsOfAnotherSaveThanTheIndexAreRefused() throws IOException {
        Path dir = tmp.resolve("ckpt");
        CheckpointWriter.write(dir, layers(0), 64);
        Path other = tmp.resolve("other");
        CheckpointWriter.write(other, layers(10), 64);
        Path index = dir.resolve(CheckpointFolder.INDEX_FILE);
        String id = new ObjectMapper().readTree(index.toFile()).get("metadata").get(CheckpointFolder.SAVE_ID).textValue();
        String otherId = new ObjectMapper().readTree(other.resolve(CheckpointFolder.INDEX_FILE).toFile())
                .get("metadata").get(CheckpointFolder.SAVE_ID).textValue();
        Files.copy(other.resolve("model-00002-of-00003.safetensors"), dir.resolve("model-00002-of-00003.safetensors"),
                StandardCopyOption.REPLACE_EXISTING);
        assertRejected(dir, index + ": shard 'model-00002-of-00003.safetensors' is from another save than the index"
                + " (falcon_save_id '" + otherId + "' in the shard, '" + id + "' in the index)");

        // A Java shard in a Python folder, and a Python shard in a Java folder.
        Path python = copyOfPythonFolder();
        Path pythonIndex = python.resolve(CheckpointFolder.INDEX_FILE);
        CheckpointWriter.write(other, layers(10), 64);
        Files.copy(other.resolve("model-00001-of-00003.safetensors"), python.resolve("model-00002-of-00005.safetensors"),
                StandardCopyOption.REPLACE_EXISTING);
        assertRejected(python, pythonIndex + ": shard 'model-00002-of-00005.safetensors' is from another save than the"
                + " index (falcon_save_id '");
        Files.copy(PYTHON_FOLDER.resolve("model-00002-of-00005.safetensors"), python.resolve("model-00002-of-00005.safetensors"),
                StandardCopyOption.REPLACE_EXISTING);
        CheckpointFolder.open(python).close();
        Files.writeString(pythonIndex, Files.readString(pythonIndex).replace("\"metadata\": {",
                "\"metadata\": {\n    \"falcon_save_id\": \"" + id + "\","));
        assertRejected(python, pythonIndex + ": shard '");
        assertTrue(assertThrows(SafetensorsException.class, () -> CheckpointFolder.open(python)).getMessage()
                .contains("(falcon_save_id absent in the shard, '" + id + "' in the index)"));
        Files.writeString(pythonIndex, Files.readString(pythonIndex).replace("\"" + id + "\"", "7"));
        assertRejected(python, pythonIndex + ": metadata value of 'falcon_save_id' is not a string");
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
        copyPythonFolderInto(dir);
        return dir;
    }

    private void copyPythonFolderInto(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(PYTHON_FOLDER)) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
    }

    /** A safetensors file's header JSON, without the padding. */
    private static String headerJson(byte[] file) {
        int n = (int) MemorySegment.ofArray(file).get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        return new String(file, 8, n, StandardCharsets.UTF_8).stripTrailing();
    }

    /** A safetensors file's bytes after the header. */
    private static byte[] tensorData(byte[] file) {
        int n = (int) MemorySegment.ofArray(file).get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        return Arrays.copyOfRange(file, 8 + n, file.length);
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
