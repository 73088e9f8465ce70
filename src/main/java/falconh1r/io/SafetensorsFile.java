package falconh1r.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped read-only (files above 2 GB included) and validated on
 * open as the Rust crate's {@code SafeTensors::deserialize} does (see {@link SafetensorsHeader}).
 * Layout: an 8-byte little-endian header length {@code n}, {@code n} bytes of UTF-8 JSON, then the
 * data section the tensors tile exactly. Safe to read from several threads; close it once.
 */
public final class SafetensorsFile implements TensorSource {
    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final SafetensorsHeader header;
    private final List<String> names;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, SafetensorsHeader header) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.header = header;
        this.names = List.copyOf(header.tensors().keySet());
    }

    /** Maps and validates a file; throws {@link SafetensorsException} for any flaw. */
    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < Long.BYTES) {
                throw new SafetensorsException(path, "file has " + size + " bytes, fewer than the 8-byte header length");
            }
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (n < 0 || n > SafetensorsHeader.MAX_HEADER_SIZE) {
                throw new SafetensorsException(path, "header length " + Long.toUnsignedString(n)
                        + " exceeds the " + SafetensorsHeader.MAX_HEADER_SIZE + "-byte limit");
            }
            if (n > size - Long.BYTES) {
                throw new SafetensorsException(path, "header length " + n + " runs past the end of the "
                        + size + "-byte file");
            }
            byte[] json = file.asSlice(Long.BYTES, n).toArray(ValueLayout.JAVA_BYTE);
            long dataOffset = Long.BYTES + n;
            SafetensorsHeader header = SafetensorsHeader.parse(path, json, size - dataOffset);
            return new SafetensorsFile(path, arena, file.asSlice(dataOffset), header);
        } catch (IOException e) {
            arena.close();
            throw new SafetensorsException(path, "cannot map file: " + e, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** {@code __metadata__} in file order; empty when the header has none. */
    public Map<String, String> metadata() {
        return header.metadata() == null ? Map.of() : header.metadata();
    }

    /** Whether the header has a {@code __metadata__} object (possibly empty). */
    public boolean hasMetadata() {
        return header.metadata() != null;
    }

    /** Length of the data section after the header. */
    public long dataLength() {
        return header.dataLength();
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo t = header.tensors().get(name);
        if (t == null) throw new SafetensorsException(path, "no tensor named '" + name + "'");
        return t;
    }

    @Override
    public MemorySegment segment(String name) {
        TensorInfo t = info(name);
        if (!arena.scope().isAlive()) throw new SafetensorsException(path, "file is closed");
        return data.asSlice(t.dataStart(), t.byteSize());
    }

    @Override
    public Path fileOf(String name) {
        info(name);
        return path;
    }

    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + names.size() + " tensors]";
    }
}
