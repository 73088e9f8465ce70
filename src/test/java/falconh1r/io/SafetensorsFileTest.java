package falconh1r.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Access errors and large files of {@link SafetensorsFile}. */
class SafetensorsFileTest {

    @TempDir
    Path tmp;

    private Path small() {
        Path p = tmp.resolve("model.safetensors");
        new SafetensorsWriter().addInts("ids", new long[] {2}, new int[] {1, 2})
                .add("w", DType.F32, new long[] {2}, new float[] {1, 2}).write(p);
        return p;
    }

    @Test
    void unknownTensorNamesFileAndTensor() {
        Path p = small();
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            var e = assertThrows(SafetensorsException.class, () -> f.floats("a.weight"));
            assertEquals(p + ": no tensor named 'a.weight'", e.getMessage());
        }
    }

    @Test
    void typedReaderOfTheWrongDtypeNamesBoth() {
        Path p = small();
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertMessage(() -> f.floats("ids"), p + ": tensor 'ids' is I32, floats() reads [F32, BF16, F16]");
            assertMessage(() -> f.ints("w"), p + ": tensor 'w' is F32, ints() reads [I32]");
            assertMessage(() -> f.longs("w"), "longs() reads [I64]");
            assertMessage(() -> f.halfBits("w"), "halfBits() reads [BF16, F16, I16, U16]");
        }
    }

    @Test
    void closedFileRefusesReads() {
        SafetensorsFile f = SafetensorsFile.open(small());
        MemorySegment view = f.segment("w");
        f.close();
        f.close();                                                  // idempotent
        assertMessage(() -> f.floats("w"), "file is closed");
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void shapesAreCopies() {
        try (SafetensorsFile f = SafetensorsFile.open(small())) {
            f.shape("w")[0] = 99;
            f.info("w").shape()[0] = 99;
            assertArrayEquals(new long[] {2}, f.shape("w"));
        }
    }

    @Test
    void missingFileOrADirectoryIsASafetensorsException() {
        Path p = tmp.resolve("absent.safetensors");
        var e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().startsWith(p + ": cannot map file"), e.getMessage());
        e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(tmp));
        assertTrue(e.getMessage().startsWith(tmp + ": "), e.getMessage());
    }

    /** A sparse file with 2^31 + 8 bytes of U8 before an F32 tensor: offsets beyond int range. */
    @Test
    void filesAbove2GbMapAndReadAtLargeOffsets() throws IOException {
        long big = (1L << 31) + 8;
        String json = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + big + "],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + big + "," + (big + 8) + "]}}";
        byte[] header = json.getBytes(StandardCharsets.US_ASCII);
        Path p = tmp.resolve("big.safetensors");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(header.length).put(header).flip();
            ch.write(head);
            ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-3f).flip();
            ch.write(tail, 8 + header.length + big);
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {1.5f, -3f}, f.floats("tail"));
            assertEquals(big, f.segment("big").byteSize());
            assertEquals(0, f.segment("big").get(ValueLayout.JAVA_BYTE, big - 1));
            assertMessage(() -> f.bytes("big"), "too many for a Java array; read it through segment()");
        }
    }

    private static void assertMessage(Runnable r, String part) {
        var e = assertThrows(SafetensorsException.class, r::run);
        assertTrue(e.getMessage().contains(part), e.getMessage() + " lacks: " + part);
    }
}
