package falconh1r.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * A file written beside its target under a hidden temporary name, forced to disk, then renamed
 * over the target in one atomic step: readers see the old file or the whole new one, never a
 * part. Closing without {@link #commit()} deletes the temporary file and leaves the target as it
 * was. (safetensors itself moved to temp-then-rename after 0.7.0, huggingface/safetensors#764.)
 */
public final class AtomicFile implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long CHUNK = 1L << 30;

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private boolean committed;

    AtomicFile(Path target) throws IOException {
        this.target = target.toAbsolutePath();
        this.temp = this.target.resolveSibling("." + target.getFileName() + "."
                + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
        this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** Writes {@code bytes} to {@code target} atomically (a reader sees the old file or all of the new one). */
    public static void write(Path target, byte[] bytes) throws IOException {
        try (AtomicFile f = new AtomicFile(target)) {
            f.write(MemorySegment.ofArray(bytes));
            f.commit();
        }
    }

    Path target() {
        return target;
    }

    /** Appends all of {@code bytes} (any size, heap or mapped). */
    void write(MemorySegment bytes) throws IOException {
        for (long at = 0; at < bytes.byteSize(); at += CHUNK) {
            ByteBuffer buffer = bytes.asSlice(at, Math.min(CHUNK, bytes.byteSize() - at)).asByteBuffer();
            while (buffer.hasRemaining()) channel.write(buffer);
        }
    }

    /** Forces the content to disk and closes it; the target is untouched until {@link #commit()}. */
    void sync() throws IOException {
        if (channel.isOpen()) {
            channel.force(true);
            channel.close();
        }
    }

    /** Syncs, renames over the target, then syncs the directory so the rename survives a crash. */
    void commit() throws IOException {
        sync();
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some platforms (Windows) cannot open or force a directory; the rename itself stands.
        }
    }

    @Override
    public void close() throws IOException {
        if (committed) return;
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
