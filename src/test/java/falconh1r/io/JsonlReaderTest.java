package falconh1r.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JsonlReader}: line numbers and byte offsets by hand (CRLF, blank lines, a last line without
 * a newline, multi-byte UTF-8, a line longer than the 64 KiB buffer), reopening at a saved offset,
 * re-reading one line, counting.
 */
class JsonlReaderTest {
    @TempDir
    Path dir;

    record Seen(long number, long offset, String text) {}

    static List<Seen> all(JsonlReader r) {
        List<Seen> out = new ArrayList<>();
        for (JsonlReader.Line l; (l = r.next()) != null; ) out.add(new Seen(l.number(), l.offset(), new String(l.bytes(), StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void numbersOffsetsAndLineEnds() throws IOException {
        Path f = dir.resolve("a.jsonl");
        // line starts: 1 at 0, 2 at 8, 3 at 9, 4 at 13 (é is 2 bytes), 5 at 23; 30 bytes
        Files.write(f, "{\"a\":1}\n\n \t\r\n{\"é\":2}\r\n{\"c\":3}".getBytes(StandardCharsets.UTF_8));
        try (JsonlReader r = JsonlReader.open(f)) {
            assertEquals(List.of(new Seen(1, 0, "{\"a\":1}"), new Seen(4, 13, "{\"é\":2}"), new Seen(5, 23, "{\"c\":3}")), all(r));
            assertEquals(30, r.offset());
            assertEquals(6, r.lineNumber());
        }
        assertEquals(3, JsonlReader.countLines(f));
        JsonlReader.Line second = JsonlReader.readAt(f, 13, 4);
        assertEquals("{\"é\":2}", new String(second.bytes(), StandardCharsets.UTF_8));
        assertEquals(f + ":4", second.where());
        try (JsonlReader r = JsonlReader.open(f, 13, 4)) {
            assertEquals(List.of(new Seen(4, 13, "{\"é\":2}"), new Seen(5, 23, "{\"c\":3}")), all(r));
        }
        assertNull(JsonlReader.readAt(f, 30, 6));
        assertThrows(IllegalArgumentException.class, () -> JsonlReader.open(f, 99, 1));
    }

    @Test
    void linesLongerThanTheBuffer() throws IOException {
        Path f = dir.resolve("long.jsonl");
        String big = "x".repeat(200_000);
        Files.writeString(f, "1\n" + big + "\n3\n");
        try (JsonlReader r = JsonlReader.open(f)) {
            assertEquals(List.of(new Seen(1, 0, "1"), new Seen(2, 2, big), new Seen(3, 200_003, "3")), all(r));
        }
    }
}
