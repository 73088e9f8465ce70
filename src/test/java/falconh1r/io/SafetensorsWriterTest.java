package falconh1r.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.kernels.Half;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layout, round trips, argument checks and atomic replacement of {@link SafetensorsWriter}. */
class SafetensorsWriterTest {

    @TempDir
    Path tmp;

    @Test
    void smallestFileMatchesTheBytesPythonWrites() throws IOException {
        // safetensors.torch.save({"a": torch.zeros(1)}) in safetensors 0.7.0
        Path p = tmp.resolve("a.safetensors");
        new SafetensorsWriter().add("a", DType.F32, new long[] {1}, new float[] {0f}).write(p);
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}  ";
        byte[] want = new byte[8 + header.length() + 4];
        want[0] = (byte) header.length();
        System.arraycopy(header.getBytes(StandardCharsets.US_ASCII), 0, want, 8, header.length());
        assertArrayEquals(want, Files.readAllBytes(p));
    }

    @Test
    void laysOutByDtypeDescendingThenNameInCodePointOrder() {
        Path p = tmp.resolve("order.safetensors");
        SafetensorsWriter w = new SafetensorsWriter();
        // U+E000 sorts before U+1D11E by code point (Rust, Python), after it by UTF-16 unit (Java).
        String privateUse = "\uE000";
        String astral = "\uD834\uDD1E";
        w.addBytes("b", DType.BOOL, new long[] {1}, new byte[] {1});
        w.addBytes(astral, DType.U8, new long[] {1}, new byte[] {2});
        w.addBytes(privateUse, DType.U8, new long[] {1}, new byte[] {3});
        w.add("z", DType.F32, new long[] {1}, new float[] {1f});
        w.addLongs("a", new long[] {1}, new long[] {7});
        w.addHalfBits("h", DType.BF16, new long[] {1}, new short[] {1});
        w.addHalfBits("g", DType.F16, new long[] {1}, new short[] {1});
        w.write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            List<String> layout = f.names().stream()
                    .sorted((x, y) -> Long.compare(f.info(x).dataStart(), f.info(y).dataStart())).toList();
            assertEquals(List.of("a", "z", "h", "g", privateUse, astral, "b"), layout);
            assertEquals(List.of("a", "b", "g", "h", "z", privateUse, astral), f.names());
        }
    }

    @Test
    void everyDtypeRoundTripsThroughRawBytes() {
        Random random = new Random(7);
        SafetensorsWriter w = new SafetensorsWriter();
        Map<String, byte[]> written = new LinkedHashMap<>();
        for (DType t : DType.values()) {
            long[] shape = t.bitSize() % 8 == 0 ? new long[] {2, 3} : new long[] {2, 4};
            byte[] data = new byte[(int) t.byteCount(DType.numel(shape))];
            random.nextBytes(data);
            w.addBytes("t." + t, t, shape, data);
            written.put("t." + t, data);
        }
        Path p = tmp.resolve("all.safetensors");
        w.write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            for (DType t : DType.values()) {
                assertEquals(t, f.info("t." + t).dtype());
                assertArrayEquals(written.get("t." + t), f.bytes("t." + t), t.name());
            }
        }
    }

    @Test
    void typedReadersReturnWhatTypedWritersTook() {
        Random random = new Random(11);
        float[] f32 = new float[24];
        for (int i = 0; i < f32.length; i++) f32[i] = (float) random.nextGaussian();
        f32[0] = Float.intBitsToFloat(0x7FC01234);                 // a NaN payload survives F32
        f32[1] = -0f;
        int[] ints = random.ints(6).toArray();
        long[] longs = random.longs(3).toArray();
        Path p = tmp.resolve("typed.safetensors");
        new SafetensorsWriter()
                .add("f32", DType.F32, new long[] {4, 6}, f32)
                .add("bf16", DType.BF16, new long[] {24}, f32)
                .add("f16", DType.F16, new long[] {2, 12}, f32)
                .addInts("i32", new long[] {2, 3}, ints)
                .addLongs("i64", new long[] {3}, longs)
                .add("scalar", DType.F32, new long[0], new float[] {2.5f})
                .write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            float[] back = f.floats("f32");
            for (int i = 0; i < f32.length; i++) {
                assertEquals(Float.floatToRawIntBits(f32[i]), Float.floatToRawIntBits(back[i]), "f32 " + i);
            }
            short[] bf16 = f.halfBits("bf16");
            short[] f16 = f.halfBits("f16");
            float[] bf16Wide = f.floats("bf16");
            for (int i = 0; i < f32.length; i++) {
                assertEquals(Half.floatToBf16(f32[i]), bf16[i], "bf16 " + i);
                assertEquals(Half.floatToF16(f32[i]), f16[i], "f16 " + i);
                assertEquals(Float.floatToRawIntBits(Half.bf16ToFloat(bf16[i])), Float.floatToRawIntBits(bf16Wide[i]));
            }
            assertArrayEquals(ints, f.ints("i32"));
            assertArrayEquals(longs, f.longs("i64"));
            assertArrayEquals(new long[0], f.shape("scalar"));
            assertEquals(1, f.info("scalar").numel());
            assertArrayEquals(new float[] {2.5f}, f.floats("scalar"));
        }
    }

    /** Tensors longer than the write buffer, ending mid-chunk, come out exactly as element-wise encoding. */
    @Test
    void tensorsLargerThanOneChunkAreWrittenWhole() {
        int n = SafetensorsWriter.CHUNK / 2 + 3;                       // F32: two chunks and 12 bytes
        Random random = new Random(3);
        float[] f32 = new float[n];
        for (int i = 0; i < n; i++) f32[i] = Float.intBitsToFloat(random.nextInt());
        int[] ints = random.ints(n).toArray();
        long[] longs = random.longs(n / 2 + 1).toArray();
        byte[] bytes = new byte[SafetensorsWriter.CHUNK * 2 + 5];
        random.nextBytes(bytes);
        Path p = tmp.resolve("big.safetensors");
        new SafetensorsWriter()
                .add("f32", DType.F32, new long[] {n}, f32)
                .add("bf16", DType.BF16, new long[] {n}, f32)
                .add("f16", DType.F16, new long[] {n}, f32)
                .addInts("i32", new long[] {n}, ints)
                .addLongs("i64", new long[] {longs.length}, longs)
                .addBytes("u8", DType.U8, new long[] {bytes.length}, bytes)
                .addSegment("seg", DType.U8, new long[] {bytes.length}, MemorySegment.ofArray(bytes))
                .write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            float[] back = f.floats("f32");
            short[] bf16 = f.halfBits("bf16");
            short[] f16 = f.halfBits("f16");
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(f32[i]), Float.floatToRawIntBits(back[i]), "f32 " + i);
                assertEquals(Half.floatToBf16(f32[i]), bf16[i], "bf16 " + i);
                assertEquals(Half.floatToF16(f32[i]), f16[i], "f16 " + i);
            }
            assertArrayEquals(ints, f.ints("i32"));
            assertArrayEquals(longs, f.longs("i64"));
            assertArrayEquals(bytes, f.bytes("u8"));
            assertArrayEquals(bytes, f.bytes("seg"));
        }
    }

    /** The writer keeps the caller's array, not a copy: what is written is its content at write(). */
    @Test
    void arraysAreReadWhenWritingNotWhenAdded() {
        int[] ids = {1, 2};
        float[] w = {1, 2};
        SafetensorsWriter writer = new SafetensorsWriter()
                .addInts("ids", new long[] {2}, ids)
                .add("w", DType.BF16, new long[] {2}, w);
        ids[0] = 7;
        w[1] = 3;
        Path p = tmp.resolve("late.safetensors");
        writer.write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new int[] {7, 2}, f.ints("ids"));
            assertArrayEquals(new float[] {1, 3}, f.floats("w"));
        }
    }

    @Test
    void metadataKeepsItsOrderAndNoneDiffersFromEmpty() {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("zeta", "1");
        meta.put("alpha", "quote \" backslash \\ newline \n control \u0001 astral \uD834\uDD1E");
        Path p = tmp.resolve("meta.safetensors");
        new SafetensorsWriter().metadata(meta).write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("zeta", "alpha"), List.copyOf(f.metadata().keySet()));
            assertEquals(meta, f.metadata());
        }
        new SafetensorsWriter().write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertFalse(f.hasMetadata());
            assertTrue(f.metadata().isEmpty());
        }
    }

    @Test
    void rejectsBadArgumentsWhenAdded() {
        SafetensorsWriter w = new SafetensorsWriter().addInts("x", new long[] {2}, new int[2]);
        assertMessage(() -> w.add("a", DType.F32, new long[] {4, 8}, new float[31]), "has 32 elements but the data has 31");
        assertMessage(() -> w.addBytes("a", DType.I16, new long[] {3}, new byte[5]), "needs 6 bytes but the data has 5");
        assertMessage(() -> w.addBytes("a", DType.F4, new long[] {3}, new byte[2]), "do not fill whole bytes");
        assertMessage(() -> w.addInts("x", new long[] {2}, new int[2]), "added twice");
        assertMessage(() -> w.addInts("a", new long[] {-1}, new int[0]), "negative dimension");
        assertMessage(() -> w.addInts("a", new long[] {1L << 40, 1L << 40}, new int[0]), "more than 2^63-1 elements");
        assertMessage(() -> w.addInts("__metadata__", new long[] {0}, new int[0]), "reserved");
        assertMessage(() -> w.addInts("bad \uD800", new long[] {0}, new int[0]), "unpaired surrogate");
        assertMessage(() -> w.add("a", DType.I32, new long[] {1}, new float[1]), "writes F32, BF16 or F16");
        assertMessage(() -> w.addHalfBits("a", DType.F32, new long[] {1}, new short[1]), "writes BF16 or F16");
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        assertMessage(() -> w.metadata(nullValue), "is null");
    }

    @Test
    void failedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path p = tmp.resolve("model.safetensors");
        new SafetensorsWriter().addInts("old", new long[] {1}, new int[] {42}).write(p);
        byte[] before = Files.readAllBytes(p);

        // The source of a zero-copy tensor goes away before write(): the write fails half-way.
        Arena arena = Arena.ofConfined();
        MemorySegment source = arena.allocate(64);
        SafetensorsWriter w = new SafetensorsWriter()
                .addBytes("first", DType.U8, new long[] {8}, new byte[8])
                .addSegment("gone", DType.U8, new long[] {64}, source);
        arena.close();
        var e = assertThrows(SafetensorsException.class, () -> w.write(p));
        assertTrue(e.getMessage().startsWith(p.toString() + ": cannot write"), e.getMessage());

        // A tensor whose data does not match its shape is refused before anything is written.
        assertThrows(IllegalArgumentException.class,
                () -> new SafetensorsWriter().add("bad", DType.F32, new long[] {2, 2}, new float[3]));

        assertArrayEquals(before, Files.readAllBytes(p));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(p), files.toList(), "temporary files left behind");
        }
    }

    @Test
    void writeIntoAMissingDirectoryNamesTheFile() {
        Path p = tmp.resolve("no/such/dir/x.safetensors");
        var e = assertThrows(SafetensorsException.class, () -> new SafetensorsWriter().write(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    }

    @Test
    void segmentsOfAnOpenFileCanBeSavedAgainWithoutCopying() throws IOException {
        Path a = tmp.resolve("a.safetensors");
        Path b = tmp.resolve("b.safetensors");
        new SafetensorsWriter().add("w", DType.BF16, new long[] {3}, new float[] {1, 2, 3})
                .metadata(Map.of("format", "pt")).write(a);
        try (SafetensorsFile f = SafetensorsFile.open(a)) {
            new SafetensorsWriter().metadata(f.metadata())
                    .addSegment("w", DType.BF16, f.shape("w"), f.segment("w")).write(b);
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    private static void assertMessage(Runnable r, String part) {
        var e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(part), e.getMessage() + " lacks: " + part);
    }

    @Test
    void dtypeSizes() {
        assertEquals(4, DType.F32.byteSize());
        assertEquals(2, DType.BF16.byteSize());
        assertEquals(1, DType.BOOL.byteSize());
        assertEquals(8, DType.C64.byteSize());
        assertEquals(4, DType.F4.bitSize());
        assertThrows(UnsupportedOperationException.class, DType.F6_E2M3::byteSize);
        assertEquals(3, DType.F6_E3M2.byteCount(4));
        assertEquals(List.of("BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0",
                "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"),
                Arrays.stream(DType.values()).map(Enum::name).toList(), "the Rust crate's Dtype order");
    }
}
