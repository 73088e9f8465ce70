package falconh1r.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Writes a checkpoint folder as transformers' {@code save_pretrained(max_shard_size=...)} does:
 * tensors split in insertion order by huggingface_hub's {@code split_state_dict_into_shards_factory}
 * (a tensor larger than the limit gets a shard of its own; a tensor that would push the current
 * shard over the limit starts a new one; sizes count tensor bytes only), one shard written as
 * {@code model.safetensors}, several as {@code model-00001-of-0000N.safetensors} plus
 * {@code model.safetensors.index.json} ({@code json.dumps(index, indent=2, sort_keys=True) + "\n"},
 * metadata {@code {"total_size": bytes}}). Each shard carries the writer's {@code __metadata__}
 * (transformers passes {@code {"format": "pt"}}).
 *
 * <p>Every file is first written and forced to disk under a temporary name; only then are they
 * renamed into place, shards first and the index last, and weight files of an earlier save that
 * the new one does not use (old shards, a single file replaced by shards or the other way round)
 * are deleted, so {@link CheckpointFolder} never mixes two saves.
 */
public final class CheckpointWriter {
    private static final Pattern SHARD = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    private CheckpointWriter() {}

    /** Writes {@code tensors} into {@code dir} (created if missing); returns the files written. */
    public static List<Path> write(Path dir, SafetensorsWriter tensors, long maxShardSize) {
        if (maxShardSize <= 0) throw new IllegalArgumentException("maxShardSize must be positive, not " + maxShardSize);
        List<List<SafetensorsWriter.Entry>> shards = split(tensors.entries(), maxShardSize);
        int count = shards.size();
        List<String> fileNames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            fileNames.add(count == 1 ? CheckpointFolder.SINGLE_FILE
                    : String.format("model-%05d-of-%05d.safetensors", i + 1, count));
        }
        List<AtomicFile> pending = new ArrayList<>();
        Path current = dir;
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < count; i++) {
                current = dir.resolve(fileNames.get(i));
                byte[] header = SafetensorsWriter.header(current, shards.get(i), tensors.metadataOrNull());
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
                        indexJson(shards, fileNames).getBytes(StandardCharsets.US_ASCII)));
            }
            for (AtomicFile f : pending) {
                current = f.target();
                f.commit();
            }
            current = dir;
            deleteStale(dir, fileNames, count > 1);
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

    /** huggingface_hub's {@code split_state_dict_into_shards_factory}, without shared storages. */
    static List<List<SafetensorsWriter.Entry>> split(List<SafetensorsWriter.Entry> entries, long maxShardSize) {
        List<List<SafetensorsWriter.Entry>> shards = new ArrayList<>();
        List<SafetensorsWriter.Entry> current = new ArrayList<>();
        long currentSize = 0;
        for (SafetensorsWriter.Entry e : entries) {
            long size = e.data().byteSize();
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

    /** The index as transformers writes it: {@code json.dumps(index, indent=2, sort_keys=True) + "\n"}. */
    static String indexJson(List<List<SafetensorsWriter.Entry>> shards, List<String> fileNames) {
        long total = 0;
        SortedMap<String, String> weightMap = new TreeMap<>(JsonText.CODE_POINT_ORDER);
        for (int i = 0; i < shards.size(); i++) {
            for (SafetensorsWriter.Entry e : shards.get(i)) {
                total += e.data().byteSize();
                weightMap.put(e.name(), fileNames.get(i));
            }
        }
        StringBuilder out = new StringBuilder("{\n  \"metadata\": {\n    \"total_size\": ").append(total)
                .append("\n  },\n  \"weight_map\": {");
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

    private static void deleteStale(Path dir, List<String> keep, boolean sharded) throws IOException {
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                boolean weights = SHARD.matcher(name).matches() || name.equals(CheckpointFolder.SINGLE_FILE)
                        || name.equals(CheckpointFolder.INDEX_FILE);
                boolean kept = keep.contains(name) || (sharded && name.equals(CheckpointFolder.INDEX_FILE));
                if (weights && !kept) stale.add(f);
            }
        }
        for (Path f : stale) Files.deleteIfExists(f);
    }
}
