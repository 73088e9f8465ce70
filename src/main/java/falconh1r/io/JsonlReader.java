package falconh1r.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The lines of a JSON Lines file, streamed: one buffer of 64 KiB plus the longest line is all it
 * holds, whatever the file's size. Each {@link Line} carries its 1-based line number and the byte
 * offset where it starts, so a reader can be reopened at any line ({@link #open(Path, long, long)})
 * and one line re-read on its own ({@link #readAt}). Lines end at {@code \n}; a {@code \r} before it
 * is dropped; a last line without {@code \n} counts. Blank lines (only spaces, tabs, {@code \r}) are
 * skipped, as {@code datasets}' JSON loader does. The bytes are handed over undecoded: parsing them
 * (Jackson reads UTF-8 and reports bad bytes as a parse error) is the caller's.
 */
public final class JsonlReader implements AutoCloseable {
    /** One non-blank line: its number (from 1), the byte offset of its first byte, its bytes without the line end. */
    public record Line(Path file, long number, long offset, byte[] bytes) {
        /** {@code file:number}, as warnings name a line. */
        public String where() {
            return file + ":" + number;
        }
    }

    private static final int CHUNK = 1 << 16;

    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
    private byte[] line = new byte[256];
    private long offset;          // byte offset of the next line
    private long number;          // number of the next line
    private boolean eof;

    private JsonlReader(Path file, long offset, long number) {
        if (offset < 0) throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        if (number < 1) throw new IllegalArgumentException("line number must be >= 1, got " + number);
        this.file = file;
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.READ);
            long size = channel.size();
            if (offset > size) {
                channel.close();
                throw new IllegalArgumentException(file + " has " + size + " bytes; cannot start at offset " + offset);
            }
            channel.position(offset);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        this.offset = offset;
        this.number = number;
        buffer.limit(0);
    }

    /** Reads {@code file} from its start. */
    public static JsonlReader open(Path file) {
        return new JsonlReader(file, 0, 1);
    }

    /** Reads {@code file} from byte {@code offset}, which starts line {@code number} (both from a {@link Line}). */
    public static JsonlReader open(Path file, long offset, long number) {
        return new JsonlReader(file, offset, number);
    }

    /** The line that starts at byte {@code offset} and has number {@code number}; null if the file ends there. */
    public static Line readAt(Path file, long offset, long number) {
        try (JsonlReader r = open(file, offset, number)) {
            Line l = r.next();
            return l != null && l.offset() == offset ? l : null;
        }
    }

    /** The number of non-blank lines of {@code file}, read through once. */
    public static long countLines(Path file) {
        long n = 0;
        try (JsonlReader r = open(file)) {
            while (r.next() != null) n++;
        }
        return n;
    }

    /** The byte offset of the next line. */
    public long offset() {
        return offset;
    }

    /** The number of the next line. */
    public long lineNumber() {
        return number;
    }

    /** The next non-blank line, or null at the end of the file. */
    public Line next() {
        while (true) {
            long start = offset;
            int length = readLine();
            if (length < 0) return null;
            long lineNumber = number++;
            int end = length;
            if (end > 0 && line[end - 1] == '\r') end--;
            if (!blank(line, end)) return new Line(file, lineNumber, start, Arrays.copyOf(line, end));
        }
    }

    /** Reads up to and past the next {@code \n} into {@link #line}; its length without the {@code \n}, or -1 at the end. */
    private int readLine() {
        int length = 0;
        boolean any = false;
        while (true) {
            if (!buffer.hasRemaining() && !fill()) {
                return any ? length : -1;
            }
            any = true;
            byte b = buffer.get();
            offset++;
            if (b == '\n') return length;
            if (length == line.length) line = Arrays.copyOf(line, Math.multiplyExact(line.length, 2));
            line[length++] = b;
        }
    }

    private boolean fill() {
        if (eof) return false;
        buffer.clear();
        try {
            int n;
            do {
                n = channel.read(buffer);
            } while (n == 0);
            buffer.flip();
            if (n < 0) eof = true;
            return n > 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static boolean blank(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            byte b = bytes[i];
            if (b != ' ' && b != '\t' && b != '\r') return false;
        }
        return true;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }
}
