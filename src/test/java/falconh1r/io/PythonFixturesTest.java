package falconh1r.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Files written by Python's safetensors.torch.save_file load bit-exact and are re-written byte-identical. */
class PythonFixturesTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"dtypes", "exotic", "metadata", "empty", "no_tensors"})
    void loadsBitExact(String stem) throws Exception {
        JsonNode exp = Fixtures.expected(stem);
        Path path = Fixtures.file(exp.get("file").asText());
        assertEquals(exp.get("sha256").asText(), sha256(Files.readAllBytes(path)), "fixture and its expected.json disagree");
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            List<String> names = new ArrayList<>();
            exp.get("tensors").fieldNames().forEachRemaining(names::add);
            names.sort(JsonText.CODE_POINT_ORDER);
            assertEquals(names, f.names());
            for (String name : names) assertTensor(f, name, exp.get("tensors").get(name));
            JsonNode meta = exp.get("metadata");
            assertEquals(!meta.isNull(), f.hasMetadata());
            Map<String, String> want = new LinkedHashMap<>();
            if (!meta.isNull()) {
                for (JsonNode k : exp.get("metadata_order")) want.put(k.asText(), meta.get(k.asText()).asText());
            }
            assertEquals(want, f.metadata());
            assertEquals(List.copyOf(want.keySet()), List.copyOf(f.metadata().keySet()), "metadata order");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dtypes", "exotic", "metadata", "empty", "no_tensors"})
    void javaWriterReproducesPythonBytes(String stem) throws IOException {
        Path source = Fixtures.file(stem + ".safetensors");
        Path copy = tmp.resolve(stem + ".safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(source)) {
            rewrite(f).write(copy);
        }
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(copy));
    }

    @Test
    void rejectsTheInvalidFileSafetensors070WritesForEmptyMetadataAndNoTensors() {
        JsonNode exp = Fixtures.expected("bug_empty_metadata");
        assertTrue(exp.get("python_error").asText().contains("trailing characters"));
        Path path = Fixtures.file(exp.get("file").asText());
        var e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(path));
        assertTrue(e.getMessage().startsWith(path.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("trailing characters"), e.getMessage());
        // The Java writer writes the valid form of the same request.
        Path good = tmp.resolve("good.safetensors");
        new SafetensorsWriter().metadata(Map.of()).write(good);
        try (SafetensorsFile f = SafetensorsFile.open(good)) {
            assertTrue(f.hasMetadata());
            assertTrue(f.names().isEmpty());
        }
    }

    /** Checks every reader that applies to the tensor's dtype against the Python-computed bytes. */
    static void assertTensor(TensorSource f, String name, JsonNode exp) {
        String where = "tensor '" + name + "'";
        TensorInfo info = f.info(name);
        assertEquals(exp.get("dtype").asText(), info.dtype().name(), where);
        assertArrayEquals(Fixtures.shape(exp.get("shape")), f.shape(name), where);
        byte[] raw = Fixtures.hex(exp.get("hex"));
        assertArrayEquals(raw, f.bytes(name), where);
        assertEquals(raw.length, f.segment(name).byteSize(), where);
        MemorySegment rawSeg = MemorySegment.ofArray(raw);
        switch (info.dtype()) {
            case F32, BF16, F16 -> {
                int[] want = MemorySegment.ofArray(Fixtures.hex(exp.get("f32_hex")))
                        .toArray(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
                float[] got = f.floats(name);
                assertEquals(want.length, got.length, where);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(comparableBits(want[i]), comparableBits(Float.floatToRawIntBits(got[i])),
                            where + " element " + i + ": want " + Integer.toHexString(want[i]) + " got "
                                    + Integer.toHexString(Float.floatToRawIntBits(got[i])));
                }
                if (info.dtype() != DType.F32) {
                    assertArrayEquals(rawSeg.toArray(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)),
                            f.halfBits(name), where);
                }
            }
            case I16, U16 -> assertArrayEquals(rawSeg.toArray(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)),
                    f.halfBits(name), where);
            case I32 -> assertArrayEquals(rawSeg.toArray(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)),
                    f.ints(name), where);
            case I64 -> assertArrayEquals(rawSeg.toArray(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)),
                    f.longs(name), where);
            default -> assertThrows(SafetensorsException.class, () -> f.floats(name), where);
        }
    }

    /**
     * Bits as compared: exact, except that a NaN is compared with its quiet bit set. Widening F16
     * quiets a signalling NaN on hardware (F16C, and the JDK's intrinsic) but not in every
     * software path; sign and payload must still survive.
     */
    static int comparableBits(int bits) {
        return Float.isNaN(Float.intBitsToFloat(bits)) ? bits | 0x00400000 : bits;
    }

    /** Every tensor and the metadata of a file, re-added through the typed writer methods. */
    static SafetensorsWriter rewrite(SafetensorsFile f) {
        SafetensorsWriter w = new SafetensorsWriter();
        if (f.hasMetadata()) w.metadata(f.metadata());
        for (String name : f.names()) {
            TensorInfo t = f.info(name);
            switch (t.dtype()) {
                case F32 -> w.add(name, t.dtype(), t.shape(), f.floats(name));
                case BF16, F16 -> w.addHalfBits(name, t.dtype(), t.shape(), f.halfBits(name));
                case I32 -> w.addInts(name, t.shape(), f.ints(name));
                case I64 -> w.addLongs(name, t.shape(), f.longs(name));
                default -> w.addBytes(name, t.dtype(), t.shape(), f.bytes(name));
            }
        }
        return w;
    }

    static String sha256(byte[] data) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
