package falconh1r.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The weights of a Hugging Face checkpoint folder as one set of named tensors: either a single
 * {@code model.safetensors}, or the shards listed by {@code model.safetensors.index.json}
 * ({@code {"metadata": {...}, "weight_map": {tensor: shard file}}}). Like transformers'
 * {@code from_pretrained}, the single file wins when both exist. The index and the shards must
 * agree exactly: every mapped tensor is in its shard, and every shard tensor is mapped there.
 *
 * <p>They must also come from the same save: every shard's {@code __metadata__} entry
 * {@code falcon_save_id} must equal the index's {@code metadata} entry of that name, and be absent
 * where the index has none. {@link CheckpointWriter} writes one fresh id per sharded save, so a
 * folder in which a save was interrupted after replacing some shards is refused rather than loaded
 * as a mix of two saves; folders written by Python have no ids anywhere and load as before.
 */
public final class CheckpointFolder implements TensorSource {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** The metadata key of the save id, in the index's {@code metadata} and each shard's {@code __metadata__}. */
    static final String SAVE_ID = "falcon_save_id";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path dir;
    private final Path source;
    private final List<SafetensorsFile> shards;
    private final SortedMap<String, SafetensorsFile> byName;
    private final List<String> names;

    private CheckpointFolder(Path dir, Path source, List<SafetensorsFile> shards,
                             SortedMap<String, SafetensorsFile> byName) {
        this.dir = dir;
        this.source = source;
        this.shards = List.copyOf(shards);
        this.byName = byName;
        this.names = List.copyOf(byName.keySet());
    }

    /** Opens {@code dir/model.safetensors}, else {@code dir/model.safetensors.index.json} and its shards. */
    public static CheckpointFolder open(Path dir) {
        Path single = dir.resolve(SINGLE_FILE);
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            SortedMap<String, SafetensorsFile> byName = new TreeMap<>(JsonText.CODE_POINT_ORDER);
            for (String name : file.names()) byName.put(name, file);
            return new CheckpointFolder(dir, single, List.of(file), byName);
        }
        if (Files.isRegularFile(index)) return openSharded(dir, index);
        throw new SafetensorsException(dir, "holds neither " + SINGLE_FILE + " nor " + INDEX_FILE);
    }

    private static CheckpointFolder openSharded(Path dir, Path index) {
        JsonNode root = readIndex(index);
        Map<String, String> weightMap = weightMap(index, root);
        String saveId = saveId(index, root);
        Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
        try {
            SortedMap<String, SafetensorsFile> byName = new TreeMap<>(JsonText.CODE_POINT_ORDER);
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                String shardName = e.getValue();
                SafetensorsFile shard = opened.get(shardName);
                if (shard == null) {
                    Path shardPath = shardPath(index, dir, shardName);
                    if (!Files.isRegularFile(shardPath)) {
                        throw new SafetensorsException(index, "shard '" + shardName + "' of tensor '" + e.getKey()
                                + "' is missing");
                    }
                    shard = SafetensorsFile.open(shardPath);
                    opened.put(shardName, shard);
                    checkSaveId(index, saveId, shardName, shard.metadata().get(SAVE_ID));
                }
                if (!shard.contains(e.getKey())) {
                    throw new SafetensorsException(index, "tensor '" + e.getKey() + "' is not in its shard '"
                            + shardName + "'");
                }
                byName.put(e.getKey(), shard);
            }
            for (Map.Entry<String, SafetensorsFile> s : opened.entrySet()) {
                for (String name : s.getValue().names()) {
                    if (byName.get(name) != s.getValue()) {
                        throw new SafetensorsException(index, "tensor '" + name + "' of shard '" + s.getKey()
                                + "' is " + (weightMap.containsKey(name)
                                        ? "mapped to '" + weightMap.get(name) + "'" : "not in the weight_map"));
                    }
                }
            }
            return new CheckpointFolder(dir, index, new ArrayList<>(opened.values()), byName);
        } catch (RuntimeException e) {
            opened.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The shard's path, which must be a file name (or relative path) inside the folder. */
    private static Path shardPath(Path index, Path dir, String shardName) {
        try {
            Path shard = dir.resolve(shardName).normalize();
            if (Path.of(shardName).isAbsolute() || !shard.startsWith(dir.normalize())) {
                throw new SafetensorsException(index, "shard '" + shardName + "' lies outside the folder");
            }
            return shard;
        } catch (InvalidPathException e) {
            throw new SafetensorsException(index, "shard '" + shardName + "' is not a valid file name", e);
        }
    }

    /** Refuses a shard whose save id (null for none) is not the index's. */
    private static void checkSaveId(Path index, String indexId, String shardName, String shardId) {
        if (Objects.equals(indexId, shardId)) return;
        throw new SafetensorsException(index, "shard '" + shardName + "' is from another save than the index ("
                + SAVE_ID + " " + describe(shardId) + " in the shard, " + describe(indexId)
                + " in the index): a save was interrupted part way, or files of two saves were mixed");
    }

    private static String describe(String saveId) {
        return saveId == null ? "absent" : "'" + saveId + "'";
    }

    private static JsonNode readIndex(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(index, "invalid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SafetensorsException(index, "cannot read: " + e, e);
        }
        if (root == null || !root.isObject()) throw new SafetensorsException(index, "is not a JSON object");
        return root;
    }

    /** The index's save id, or null when it has none (as Python writes it). */
    private static String saveId(Path index, JsonNode root) {
        JsonNode id = root.path("metadata").get(SAVE_ID);
        if (id == null) return null;
        if (!id.isTextual()) throw new SafetensorsException(index, "metadata value of '" + SAVE_ID + "' is not a string");
        return id.textValue();
    }

    private static Map<String, String> weightMap(Path index, JsonNode root) {
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) throw new SafetensorsException(index, "has no \"weight_map\" object");
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(index, "weight_map value of '" + e.getKey() + "' is not a file name");
            }
            weightMap.put(e.getKey(), e.getValue().textValue());
        }
        return weightMap;
    }

    /** The file that lists the tensors: {@code model.safetensors} or the index. */
    public Path source() {
        return source;
    }

    /** The open files: one, or the shards in order of first mention in the index. */
    public List<SafetensorsFile> files() {
        return shards;
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        return file(name).info(name);
    }

    @Override
    public MemorySegment segment(String name) {
        return file(name).segment(name);
    }

    @Override
    public Path fileOf(String name) {
        return file(name).path();
    }

    /** Closes every file, even when one fails. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (SafetensorsFile f : shards) {
            try {
                f.close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = byName.get(name);
        if (f == null) throw new SafetensorsException(source, "no tensor named '" + name + "'");
        return f;
    }

    @Override
    public String toString() {
        return "CheckpointFolder[" + dir + ", " + shards.size() + " files, " + names.size() + " tensors]";
    }
}
