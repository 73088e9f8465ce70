package falconh1r.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Writes a checkpoint folder as transformers' {@code save_pretrained(max_shard_size=...)} does:
 * tensors split in insertion order by huggingface_hub's {@code split_state_dict_into_shards_factory}
 * (a tensor larger than the limit gets a shard of its own; a tensor that would push the current
 * shard over the limit starts a new one; sizes count tensor bytes only), one shard written as
 * {@code model.safetensors}, several as {@code model-00001-of-0000N.safetensors} plus
 * {@code model.safetensors.index.json} ({@code json.dumps(index, indent=2, sort_keys=True) + "\n"},
 * metadata {@code {"total_size": bytes}}). Each shard carries the writer's {@code __metadata__}
 * (transformers passes {@code {"format": "pt"}}). Other files in the folder (config.json,
 * tokenizer files) are left alone.
 *
 * <p>A sharded save adds one thing Python's does not: a fresh random save id, as
 * {@code "falcon_save_id"} appended to every shard's {@code __metadata__} and as a key of the
 * index's {@code metadata} (first, by the sorted keys). Apart from that entry, and the header
 * padding that follows from the longer header, the files are byte for byte Python's; a single
 * {@code model.safetensors} has no save id and is exactly Python's.
 *
 * <p>Every file is first written and forced to disk under a temporary name; only then are they
 * renamed into place one at a time, shards first and the index last, and weight files of an
 * earlier save that the new one does not use are deleted after that. So a crash at any point
 * leaves a folder that {@link CheckpointFolder} loads entirely as the old save, entirely as the
 * new one, or refuses, never a mix of the two:
 * <ul>
 *   <li>{@code model.safetensors} wins over an index, and replaces its predecessor in one rename.
 *   <li>Until the index is renamed, the old index (if any) names only old files, unless a new shard
 *       of the same name has replaced one; that shard's save id differs from the old index's (which
 *       has none if Python wrote it), and {@link CheckpointFolder} refuses the folder.
 *   <li>Once the index is renamed, every file it names is new; deleting the leftovers changes
 *       nothing that is loaded, except an old {@code model.safetensors}, which until deleted wins
 *       and is entirely old.
 * </ul>
 */
public final class CheckpointWriter {
    private static final Pattern SHARD = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    private CheckpointWriter() {}

    /** Writes {@code tensors} into {@code dir} (created if missing); returns the files written. */
    public static List<Path> write(Path dir, SafetensorsWriter tensors, long maxShardSize) {
        return write(dir, tensors, maxShardSize, file -> {});
    }

    /**
     * {@link #write(Path, SafetensorsWriter, long)}, calling {@code beforeChange} with the file
     * before each rename into and deletion from {@code dir}: a test stops the save there by
     * throwing, leaving the folder as a crash at that point would.
     */
    static List<Path> write(Path dir, SafetensorsWriter tensors, long maxShardSize, Consumer<Path> beforeChange) {
        if (maxShardSize <= 0) throw new IllegalArgumentException("maxShardSize must be positive, not " + maxShardSize);
        List<List<SafetensorsWriter.Entry>> shards = split(tensors.entries(), maxShardSize);
        int count = shards.size();
        List<String> fileNames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            fileNames.add(count == 1 ? CheckpointFolder.SINGLE_FILE
                    : String.format("model-%05d-of-%05d.safetensors", i + 1, count));
        }
        String saveId = count > 1 ? UUID.randomUUID().toString() : null;
        Map<String, String> metadata = saveId == null ? tensors.metadataOrNull() : withSaveId(tensors.metadataOrNull(), saveId);
        List<AtomicFile> pending = new ArrayList<>();
        Path current = dir;
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < count; i++) {
                current = dir.resolve(fileNames.get(i));
                byte[] header = SafetensorsWriter.header(current, shards.get(i), metadata);
                AtomicFile out = new AtomicFile(current);
                pending.add(out);
                SafetensorsWriter.writeTo(out, header, shards.get(i));
                out.sync();
            }
            if (count > 1) {
                current = dir.resolve(CheckpointFolder.INDEX_FILE);
                AtomicFile out = new AtomicFile(current);
                pending.add(out);
                out.write(MemorySegment.ofArray(
                        indexJson(shards, fileNames, saveId).getBytes(StandardCharsets.US_ASCII)));
            }
            for (AtomicFile f : pending) {
                current = f.target();
                beforeChange.accept(current);
                f.commit();
            }
            current = dir;
            deleteStale(dir, fileNames, count > 1, beforeChange);
        } catch (IOException | IllegalStateException | WrongThreadException e) {
            throw new SafetensorsException(current, "cannot write: " + e.getMessage(), e);
        } finally {
            for (AtomicFile f : pending) {
                try {
                    f.close();
                } catch (IOException e) {
                    // best effort: a leftover hidden temp file does not affect the checkpoint
                }
            }
        }
        List<Path> written = new ArrayList<>();
        for (String f : fileNames) written.add(dir.resolve(f));
        if (count > 1) written.add(dir.resolve(CheckpointFolder.INDEX_FILE));
        return written;
    }

    /** The writer's metadata (or none) with the save id appended; a save id in it is replaced. */
    private static Map<String, String> withSaveId(Map<String, String> metadata, String saveId) {
        Map<String, String> out = metadata == null ? new LinkedHashMap<>() : new LinkedHashMap<>(metadata);
        out.put(CheckpointFolder.SAVE_ID, saveId);
        return out;
    }

    /** huggingface_hub's {@code split_state_dict_into_shards_factory}, without shared storages. */
    static List<List<SafetensorsWriter.Entry>> split(List<SafetensorsWriter.Entry> entries, long maxShardSize) {
        List<List<SafetensorsWriter.Entry>> shards = new ArrayList<>();
        List<SafetensorsWriter.Entry> current = new ArrayList<>();
        long currentSize = 0;
        for (SafetensorsWriter.Entry e : entries) {
            long size = e.byteSize();
            if (size > maxShardSize) {
                shards.add(List.of(e));
                continue;
            }
            if (currentSize + size > maxShardSize) {
                shards.add(current);
                current = new ArrayList<>();
                currentSize = 0;
            }
            current.add(e);
            currentSize += size;
        }
        if (!current.isEmpty() || shards.isEmpty()) shards.add(current);
        return shards;
    }

    /**
     * The index as transformers writes it, {@code json.dumps(index, indent=2, sort_keys=True) + "\n"},
     * with the save id in its metadata.
     */
    static String indexJson(List<List<SafetensorsWriter.Entry>> shards, List<String> fileNames, String saveId) {
        long total = 0;
        SortedMap<String, String> weightMap = new TreeMap<>(JsonText.CODE_POINT_ORDER);
        for (int i = 0; i < shards.size(); i++) {
            for (SafetensorsWriter.Entry e : shards.get(i)) {
                total += e.byteSize();
                weightMap.put(e.name(), fileNames.get(i));
            }
        }
        StringBuilder out = new StringBuilder("{\n  \"metadata\": {\n    ");
        JsonText.appendPython(out, CheckpointFolder.SAVE_ID);
        out.append(": ");
        JsonText.appendPython(out, saveId);
        out.append(",\n    \"total_size\": ").append(total).append("\n  },\n  \"weight_map\": {");
        String sep = "\n";
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            out.append(sep).append("    ");
            JsonText.appendPython(out, e.getKey());
            out.append(": ");
            JsonText.appendPython(out, e.getValue());
            sep = ",\n";
        }
        out.append(weightMap.isEmpty() ? "}" : "\n  }").append("\n}\n");
        return out.toString();
    }

    private static void deleteStale(Path dir, List<String> keep, boolean sharded, Consumer<Path> beforeChange)
            throws IOException {
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                boolean weights = SHARD.matcher(name).matches() || name.equals(CheckpointFolder.SINGLE_FILE)
                        || name.equals(CheckpointFolder.INDEX_FILE);
                boolean kept = keep.contains(name) || (sharded && name.equals(CheckpointFolder.INDEX_FILE));
                if (weights && !kept) stale.add(f);
            }
        } catch (java.nio.file.DirectoryIteratorException e) {
            throw e.getCause();                     // an IOException, reported like every other one
        }
        for (Path f : stale) {
            beforeChange.accept(f);
            Files.deleteIfExists(f);
        }
    }
}
