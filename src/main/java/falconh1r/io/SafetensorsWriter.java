package falconh1r.io;

import falconh1r.kernels.Half;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects tensors and writes them as one safetensors file, byte for byte what Python's
 * {@code safetensors.torch.save_file(tensors, path, metadata)} (safetensors 0.7.0) writes for the
 * same tensors. That is the Rust crate's {@code serialize}: tensors laid out by dtype descending
 * in {@link DType}'s order, then by name; a compact serde_json header with {@code __metadata__}
 * first; the header padded with spaces to a multiple of 8 bytes. Rust writes {@code __metadata__}
 * in hash order, which changes from call to call, so Python's bytes are reproducible only up to
 * that order; this writer keeps the order of the map it is given, so a file read by
 * {@link SafetensorsFile} and written again comes out identical. One deliberate difference: for
 * no tensors and an empty metadata map, safetensors 0.7.0 writes invalid JSON (an empty object
 * followed by the {@code __metadata__} entry), which it cannot read back; this writer writes
 * {@code {"__metadata__":{}}}.
 *
 * <p>The {@code add} methods keep a reference to the caller's array or segment, not a copy: its
 * contents must not change until {@link #write} (or {@link CheckpointWriter#write}) returns. The
 * data is narrowed and copied to the file a bounded chunk (1 MiB) at a time, so
 * saving needs little memory beyond the tensors themselves. The {@code add} methods throw
 * {@link IllegalArgumentException} for a bad name, shape or length; {@link #write} throws
 * {@link SafetensorsException} and replaces the target atomically (temp file, fsync, rename).
 */
public final class SafetensorsWriter {

    /** One tensor to write: {@code byteSize} little-endian bytes, produced by {@code data} while writing. */
    record Entry(String name, DType dtype, long[] shape, long byteSize, Bytes data) {}

    /** A tensor's little-endian bytes, produced a chunk at a time. */
    @FunctionalInterface
    interface Bytes {
        /**
         * Fills {@code to} with bytes {@code [offset, offset + to.byteSize())}; {@code offset} is a
         * multiple of {@link SafetensorsWriter#CHUNK}, so chunks never split an element.
         */
        void copy(long offset, MemorySegment to);
    }

    /** Bytes converted and written at a time; a multiple of every element size. */
    static final int CHUNK = 1 << 20;

    /** The Rust crate's layout order: dtype descending, then name. */
    private static final Comparator<Entry> LAYOUT_ORDER = Comparator.comparing(Entry::dtype, Comparator.reverseOrder())
            .thenComparing(Entry::name, JsonText.CODE_POINT_ORDER);

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private Map<String, String> metadata;

    /** Adds f32 values stored as F32, or narrowed to BF16/F16 by {@link Half} (nearest, ties to even). */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, float[] data) {
        checkElements(name, shape, data.length);
        return switch (dtype) {
            case F32 -> put(name, dtype, shape, 4L * data.length,
                    (offset, to) -> MemorySegment.copy(data, (int) (offset / 4), to, F32, 0, (int) (to.byteSize() / 4)));
            case BF16, F16 -> {
                Half.Format format = dtype == DType.BF16 ? Half.Format.BF16 : Half.Format.F16;
                yield put(name, dtype, shape, 2L * data.length, (offset, to) -> {
                    int from = (int) (offset / 2);
                    int count = (int) (to.byteSize() / 2);
                    for (int i = 0; i < count; i++) to.setAtIndex(I16, i, Half.fromFloat(data[from + i], format));
                });
            }
            default -> throw new IllegalArgumentException("tensor '" + name + "': add(float[]) writes F32, BF16 or F16, not " + dtype);
        };
    }

    /** Adds raw BF16 or F16 bit patterns. */
    public SafetensorsWriter addHalfBits(String name, DType dtype, long[] shape, short[] bits) {
        if (dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("tensor '" + name + "': addHalfBits writes BF16 or F16, not " + dtype);
        }
        checkElements(name, shape, bits.length);
        return put(name, dtype, shape, 2L * bits.length,
                (offset, to) -> MemorySegment.copy(bits, (int) (offset / 2), to, I16, 0, (int) (to.byteSize() / 2)));
    }

    /** Adds an I32 tensor. */
    public SafetensorsWriter addInts(String name, long[] shape, int[] data) {
        checkElements(name, shape, data.length);
        return put(name, DType.I32, shape, 4L * data.length,
                (offset, to) -> MemorySegment.copy(data, (int) (offset / 4), to, I32, 0, (int) (to.byteSize() / 4)));
    }

    /** Adds an I64 tensor. */
    public SafetensorsWriter addLongs(String name, long[] shape, long[] data) {
        checkElements(name, shape, data.length);
        return put(name, DType.I64, shape, 8L * data.length,
                (offset, to) -> MemorySegment.copy(data, (int) (offset / 8), to, I64, 0, (int) (to.byteSize() / 8)));
    }

    /** Adds a tensor of any dtype from its raw little-endian bytes. */
    public SafetensorsWriter addBytes(String name, DType dtype, long[] shape, byte[] data) {
        checkBytes(name, dtype, shape, data.length);
        return addRaw(name, dtype, shape, MemorySegment.ofArray(data));
    }

    /**
     * Adds a tensor from its raw little-endian bytes in {@code data} (e.g. a
     * {@link SafetensorsFile#segment} being re-saved), which must stay open until written.
     */
    public SafetensorsWriter addSegment(String name, DType dtype, long[] shape, MemorySegment data) {
        checkBytes(name, dtype, shape, data.byteSize());
        return addRaw(name, dtype, shape, data);
    }

    /**
     * Sets {@code __metadata__}, written in this map's iteration order; null (the default) writes
     * none, an empty map writes {@code {}} as Python does for {@code metadata={}}.
     */
    public SafetensorsWriter metadata(Map<String, String> metadata) {
        if (metadata == null) {
            this.metadata = null;
            return this;
        }
        Map<String, String> copy = new LinkedHashMap<>();
        metadata.forEach((k, v) -> {
            checkText(k, "metadata key");
            checkText(v, "metadata value of '" + k + "'");
            copy.put(k, v);
        });
        this.metadata = Collections.unmodifiableMap(copy);
        return this;
    }

    /** Writes the file atomically: a crash or error leaves any previous file at {@code path} intact. */
    public void write(Path path) {
        byte[] header = header(path, entries.values(), metadata);
        try (AtomicFile out = new AtomicFile(path)) {
            writeTo(out, header, entries.values());
            out.commit();
        } catch (IOException | IllegalStateException | WrongThreadException e) {
            throw new SafetensorsException(path, "cannot write: " + e.getMessage(), e);
        }
    }

    /** Tensors in insertion order (the order {@link CheckpointWriter} shards by). */
    List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    /** {@code __metadata__}, or null for none. */
    Map<String, String> metadataOrNull() {
        return metadata;
    }

    /** Length prefix plus padded header, exactly as the Rust crate's {@code prepare} builds them. */
    static byte[] header(Path path, Collection<Entry> tensors, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (metadata != null) {
            json.append("\"__metadata__\":{");
            String sep = "";
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                json.append(sep);
                JsonText.appendSerde(json, m.getKey());
                json.append(':');
                JsonText.appendSerde(json, m.getValue());
                sep = ",";
            }
            json.append('}');
        }
        long offset = 0;
        String sep = metadata != null ? "," : "";
        for (Entry e : sorted(tensors)) {
            long end = offset + e.byteSize();
            json.append(sep);
            JsonText.appendSerde(json, e.name());
            json.append(":{\"dtype\":\"").append(e.dtype().name()).append("\",\"shape\":[");
            for (int i = 0; i < e.shape().length; i++) json.append(i == 0 ? "" : ",").append(e.shape()[i]);
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
            sep = ",";
        }
        json.append('}');
        byte[] utf8 = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (utf8.length + 7) & ~7;
        if (padded > SafetensorsHeader.MAX_HEADER_SIZE) {
            throw new SafetensorsException(path, "header of " + padded + " bytes exceeds the "
                    + SafetensorsHeader.MAX_HEADER_SIZE + "-byte limit");
        }
        byte[] out = new byte[Long.BYTES + padded];
        MemorySegment.ofArray(out).set(I64, 0, padded);
        System.arraycopy(utf8, 0, out, Long.BYTES, utf8.length);
        Arrays.fill(out, Long.BYTES + utf8.length, out.length, (byte) ' ');
        return out;
    }

    /** Writes a prepared header and the tensors' data in layout order, through one {@link #CHUNK}-byte buffer. */
    static void writeTo(AtomicFile out, byte[] header, Collection<Entry> tensors) throws IOException {
        out.write(MemorySegment.ofArray(header));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(CHUNK);
            for (Entry e : sorted(tensors)) {
                for (long offset = 0; offset < e.byteSize(); offset += CHUNK) {
                    MemorySegment chunk = buffer.asSlice(0, Math.min(CHUNK, e.byteSize() - offset));
                    e.data().copy(offset, chunk);
                    out.write(chunk);
                }
            }
        }
    }

    private static List<Entry> sorted(Collection<Entry> tensors) {
        List<Entry> list = new ArrayList<>(tensors);
        list.sort(LAYOUT_ORDER);
        return list;
    }

    private SafetensorsWriter addRaw(String name, DType dtype, long[] shape, MemorySegment data) {
        return put(name, dtype, shape, data.byteSize(), (offset, to) -> to.copyFrom(data.asSlice(offset, to.byteSize())));
    }

    private SafetensorsWriter put(String name, DType dtype, long[] shape, long byteSize, Bytes data) {
        entries.put(name, new Entry(name, dtype, shape.clone(), byteSize, data));
        return this;
    }

    private void checkElements(String name, long[] shape, long length) {
        long numel = checkNameAndShape(name, shape);
        if (numel != length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " has "
                    + numel + " elements but the data has " + length);
        }
    }

    private void checkBytes(String name, DType dtype, long[] shape, long byteLength) {
        long numel = checkNameAndShape(name, shape);
        long needed;
        try {
            needed = dtype.byteCount(numel);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " " + Arrays.toString(shape)
                    + " overflows a long byte count");
        }
        if (needed != byteLength) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + " " + Arrays.toString(shape)
                    + " needs " + needed + " bytes but the data has " + byteLength);
        }
    }

    private long checkNameAndShape(String name, long[] shape) {
        checkText(name, "tensor name");
        if (name.equals(SafetensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("'" + name + "' is reserved for the metadata");
        }
        if (entries.containsKey(name)) throw new IllegalArgumentException("tensor '" + name + "' added twice");
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
        }
        try {
            return DType.numel(shape);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape)
                    + " has more than 2^63-1 elements");
        }
    }

    private static void checkText(String s, String what) {
        if (s == null) throw new IllegalArgumentException(what + " is null");
        if (JsonText.unpairedSurrogate(s) >= 0) {
            throw new IllegalArgumentException(what + " '" + s + "' holds an unpaired surrogate (no UTF-8 form)");
        }
    }
}
