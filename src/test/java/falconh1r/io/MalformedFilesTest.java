package falconh1r.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each flaw the Rust crate's {@code SafeTensors::read_metadata} / {@code Metadata::validate}
 * rejects (checked against safetensors 0.7.0's Python loader) gives a {@link SafetensorsException}
 * whose message starts with the file and states the reason; what Rust accepts, we accept.
 */
class MalformedFilesTest {

    @TempDir
    Path tmp;

    private int counter;

    /** A file: 8-byte little-endian header length, the header, then {@code dataBytes} zero bytes. */
    private Path file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return raw(ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).array());
    }

    private Path raw(byte[] bytes) {
        Path p = tmp.resolve("case" + (counter++) + ".safetensors");
        try {
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static Path withLength(Path p, long n) throws IOException {
        byte[] b = Files.readAllBytes(p);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
        Files.write(p, b);
        return p;
    }

    private static void assertRejected(Path p, String reason) {
        var e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage() + "\n  lacks: " + reason);
    }

    private static String u8(String name, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"U8\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    @Test
    void fileShorterThanTheLengthPrefix() {
        assertRejected(raw(new byte[0]), "file has 0 bytes, fewer than the 8-byte header length");
        assertRejected(raw(new byte[7]), "file has 7 bytes");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        assertRejected(withLength(file("{}", 0), 3), "header length 3 runs past the end of the 10-byte file");
    }

    @Test
    void headerLengthAbsurd() throws IOException {
        assertRejected(withLength(file("{}", 0), 100_000_001), "header length 100000001 exceeds the 100000000-byte limit");
        assertRejected(withLength(file("{}", 0), -1), "header length 18446744073709551615 exceeds");
    }

    @Test
    void emptyHeader() {
        assertRejected(file("", 0), "header is not a JSON object, found the end of the header");
    }

    @Test
    void invalidUtf8() {
        byte[] bad = {8, 0, 0, 0, 0, 0, 0, 0, '{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '1', '}'};
        assertRejected(raw(bad), "header is not valid UTF-8");
        byte[] surrogate = {8, 0, 0, 0, 0, 0, 0, 0, '{', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', ':', '}'};
        assertRejected(raw(surrogate), "header is not valid UTF-8");
    }

    @Test
    void invalidJson() {
        assertRejected(file("{\"a\":", 0), "invalid JSON in header");
        assertRejected(file("{'a':{}}", 0), "invalid JSON in header");
        assertRejected(file("{/*c*/}", 0), "invalid JSON in header");
        assertRejected(file("\uFEFF{}", 0), "invalid JSON in header");
        assertRejected(file("{" + u8("a", "[NaN]", "[0,1]") + "}", 1), "invalid JSON in header");
    }

    @Test
    void trailingCharactersAfterTheObject() {
        assertRejected(file("{} x", 0), "trailing characters after the header object, from char 3");
        assertRejected(file("{}{}", 0), "trailing characters");
        assertRejected(file("{}\u0000", 0), "trailing characters");
    }

    @Test
    void headerNotAnObject() {
        assertRejected(file("[]", 0), "header is not a JSON object, found an array");
        assertRejected(file("\"x\"", 0), "header is not a JSON object, found string \"x\"");
        assertRejected(file("null", 0), "header is not a JSON object, found null");
    }

    @Test
    void entryMissingAField() {
        assertRejected(file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "tensor 'a': missing field 'dtype'");
        assertRejected(file("{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", 1), "tensor 'a': missing field 'shape'");
        assertRejected(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1]}}", 1), "tensor 'a': missing field 'data_offsets'");
    }

    @Test
    void entryWithWrongJsonTypes() {
        assertRejected(file("{\"a\":null}", 0), "tensor 'a' must be an object, found null");
        assertRejected(file("{\"a\":[]}", 0), "tensor 'a' must be an object, found an array");
        assertRejected(file("{\"a\":{\"dtype\":1,\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "tensor 'a': dtype must be a string, found 1");
        assertRejected(file("{" + u8("a", "\"1\"", "[0,1]") + "}", 1), "tensor 'a' shape must be an array, found string \"1\"");
        assertRejected(file("{" + u8("a", "null", "[0,1]") + "}", 1), "tensor 'a' shape must be an array, found null");
        assertRejected(file("{" + u8("a", "[1.0]", "[0,1]") + "}", 1), "tensor 'a' shape must hold integers, found 1.0");
        assertRejected(file("{" + u8("a", "[1e0]", "[0,1]") + "}", 1), "must hold integers, found 1e0");
        assertRejected(file("{" + u8("a", "[[1]]", "[0,1]") + "}", 1), "must hold integers, found an array");
        assertRejected(file("{" + u8("a", "[1]", "{\"0\":0}") + "}", 1), "tensor 'a' data_offsets must be an array, found an object");
        assertRejected(file("{" + u8("a", "[1]", "[0,\"1\"]") + "}", 1), "data_offsets must hold integers, found string \"1\"");
    }

    @Test
    void unknownDtype() {
        assertRejected(file("{\"a\":{\"dtype\":\"X8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "tensor 'a': unknown dtype 'X8'");
        assertRejected(file("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "unknown dtype 'f32'");
    }

    @Test
    void negativeNumbers() {
        assertRejected(file("{" + u8("a", "[-1]", "[0,0]") + "}", 0), "tensor 'a' shape holds a negative number -1");
        assertRejected(file("{" + u8("a", "[-0]", "[0,0]") + "}", 0), "shape holds a negative number -0");
        assertRejected(file("{" + u8("a", "[1]", "[-1,0]") + "}", 0), "data_offsets holds a negative number -1");
    }

    @Test
    void numbersBeyondALong() {
        assertRejected(file("{" + u8("a", "[18446744073709551616]", "[0,0]") + "}", 0), "above 2^63-1");
        assertRejected(file("{" + u8("a", "[1]", "[0,9223372036854775808]") + "}", 0), "above 2^63-1");
    }

    @Test
    void elementCountOverflow() {
        assertRejected(file("{" + u8("a", "[4294967296,4294967296,0]", "[0,0]") + "}", 0),
                "tensor 'a': shape [4294967296, 4294967296, 0] has more than 2^63-1 elements");
        assertRejected(file("{\"a\":{\"dtype\":\"U64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,0]}}", 0),
                "U64 [2305843009213693952] needs more than 2^63-1 bits");
    }

    @Test
    void subByteTensorNotEndingOnAByte() {
        assertRejected(file("{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,1]}}", 1),
                "F4 [3] does not end on a byte boundary");
    }

    @Test
    void dataOffsetsNotAPair() {
        assertRejected(file("{" + u8("a", "[1]", "[0]") + "}", 1), "data_offsets must be [begin, end], found 1 numbers");
        assertRejected(file("{" + u8("a", "[1]", "[]") + "}", 1), "found 0 numbers");
        assertRejected(file("{" + u8("a", "[1]", "[0,1,1]") + "}", 1), "found more than 2 numbers");
    }

    @Test
    void dataOffsetsEndBeforeBegin() {
        assertRejected(file("{" + u8("a", "[0]", "[1,0]") + "}", 1), "tensor 'a': data_offsets [1, 0] end before begin");
    }

    @Test
    void dataOffsetsBeyondTheDataSection() {
        assertRejected(file("{" + u8("a", "[8]", "[0,8]") + "}", 4), "tensors need 8 data bytes but the file holds 4");
    }

    @Test
    void sizeDisagreesWithShapeAndDtype() {
        assertRejected(file("{\"a.weight\":{\"dtype\":\"F32\",\"shape\":[4,8],\"data_offsets\":[0,96]}}", 96),
                "tensor 'a.weight': data_offsets [0, 96] hold 96 bytes but F32 [4, 8] needs 128");
    }

    @Test
    void overlappingTensors() {
        assertRejected(file("{" + u8("a", "[2]", "[0,2]") + "," + u8("b", "[2]", "[1,3]") + "}", 3),
                "tensor 'b': data_offsets [1, 3] overlap tensor 'a', which ends at 2");
        assertRejected(file("{" + u8("a", "[2]", "[0,2]") + "," + u8("b", "[2]", "[0,2]") + "}", 2), "overlap");
    }

    @Test
    void holesInTheDataSection() {
        assertRejected(file("{" + u8("a", "[1]", "[1,2]") + "}", 2),
                "tensor 'a': data_offsets [1, 2] leave a hole: data bytes [0, 1) belong to no tensor");
        assertRejected(file("{" + u8("a", "[1]", "[0,1]") + "," + u8("b", "[1]", "[2,3]") + "}", 3), "leave a hole");
        assertRejected(file("{" + u8("a", "[1]", "[0,1]") + "}", 2),
                "tensors cover 1 of the 2 data bytes; the rest belongs to no tensor");
        assertRejected(file("{}", 1), "tensors cover 0 of the 1 data bytes");
    }

    @Test
    void metadataNotAStringToStringMap() {
        assertRejected(file("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__ value of 'k' must be a string, found 1");
        assertRejected(file("{\"__metadata__\":{\"k\":null}}", 0), "must be a string, found null");
        assertRejected(file("{\"__metadata__\":[]}", 0), "__metadata__ must be an object of strings, found an array");
        assertRejected(file("{\"__metadata__\":\"x\"}", 0), "found string \"x\"");
    }

    @Test
    void duplicateKeys() {
        assertRejected(file("{" + u8("a", "[1]", "[0,1]") + "," + u8("a", "[1]", "[0,1]") + "}", 1), "duplicate key 'a' in header");
        assertRejected(file("{\"__metadata__\":{},\"__metadata__\":{}}", 0), "duplicate key '__metadata__'");
        assertRejected(file("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0), "duplicate __metadata__ key 'k'");
        assertRejected(file("{\"a\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1),
                "tensor 'a': duplicate field 'dtype'");
    }

    @Test
    void unpairedSurrogateEscape() {
        assertRejected(file("{" + u8("a\\ud800", "[1]", "[0,1]") + "}", 1), "key 'a...' holds an unpaired surrogate \\ud800");
        assertRejected(file("{\"__metadata__\":{\"k\":\"\\udc00\"}}", 0), "unpaired surrogate");
    }

    @Test
    void nestingDeeperThanSerdeAllows() {
        String deep = "[".repeat(200) + "]".repeat(200);
        assertRejected(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":" + deep + "}}", 1),
                "invalid JSON in header");
    }

    /** Files the Rust crate accepts: leading whitespace, unknown fields, null metadata, odd lengths. */
    @Test
    void acceptsWhatTheRustCrateAccepts() {
        Path p = file(" \n\t{\"__metadata__\":null,"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"extra\":{\"x\":[1]}},"
                + u8("empty1", "[0]", "[1,1]") + "," + u8("empty0", "[0,7]", "[0,0]") + "," + u8("b", "[2]", "[1,3]")
                + "}\r\n ", 3);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("a", "b", "empty0", "empty1"), f.names());
            assertEquals(Map.of(), f.metadata());
            assertArrayEquals(new long[] {0, 7}, f.shape("empty0"));
            assertEquals(0, f.bytes("empty1").length);
            assertEquals(3, f.dataLength());
        }
        String zeroTimesHuge = "{\"\\u0061\":{\"dtype\":\"U8\",\"shape\":[0,9223372036854775807],\"data_offsets\":[0,0]}}";
        try (SafetensorsFile f = SafetensorsFile.open(file(zeroTimesHuge, 0))) {
            assertEquals(List.of("a"), f.names());
            assertEquals(0, f.info("a").numel());
        }
    }
}
