package falconh1r.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes the recipe of {@code fixtures/make_safetensors.py} (function {@code recipe}) with
 * {@link SafetensorsWriter}. Normally checks that the result equals the committed
 * {@code fixtures/safetensors/java_written.safetensors} byte for byte; with
 * {@code -Dfalcon.regenerate=true} rewrites that file, which
 * {@code python fixtures/make_safetensors.py --check-java} then verifies against torch.
 */
class JavaWrittenFixtureTest {

    /** Bit patterns shared with make_safetensors.py's AWKWARD_F32_BITS. */
    static final int[] AWKWARD_F32_BITS = {
        0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FBFFFFF, 0xFFC12345,
        0x7F800000, 0xFF800000, 0x00000000, 0x80000000,
        0x00000001, 0x807FFFFF, 0x00800000, 0x7F7FFFFF, 0xFF7FFFFF,
        0x3F800000, 0x3F808000, 0x3F818000, 0x477FE000, 0x477FF000,
        0x33800000, 0x33000000, 0x33400000, 0x387FC000,
    };

    static final String TRICKY_NAME = "tricky \"name\" \\ / \n\t\u0001\u007f é \uD834\uDD1E";

    @TempDir
    Path tmp;

    /** Knuth's MMIX LCG; next32 is the top 32 bits of the state (Lcg in the Python script). */
    static final class Lcg {
        private long state;

        Lcg(long seed) {
            state = seed;
        }

        int next32() {
            state = state * 6364136223846793005L + 1442695040888963407L;
            return (int) (state >>> 32);
        }
    }

    /**
     * 96 values: the awkward patterns, then m * 2^-(i % 48) for 24-bit m (all exact in f32).
     * Signalling NaNs survive as long as nothing computes with them: they are only copied.
     */
    static float[] recipeFloats() {
        float[] v = new float[96];
        for (int i = 0; i < AWKWARD_F32_BITS.length; i++) v[i] = Float.intBitsToFloat(AWKWARD_F32_BITS[i]);
        Lcg lcg = new Lcg(1);
        for (int i = AWKWARD_F32_BITS.length; i < v.length; i++) {
            int m = lcg.next32() >> 8;
            v[i] = Math.scalb((float) m, -(i % 48));
        }
        return v;
    }

    static byte[] recipeBytes(long seed, int n, boolean bool) {
        Lcg lcg = new Lcg(seed);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (bool ? lcg.next32() >>> 31 : lcg.next32() >>> 24);
        return b;
    }

    static SafetensorsWriter recipe() {
        float[] floats = recipeFloats();
        SafetensorsWriter w = new SafetensorsWriter().metadata(Map.of("format", "pt"));
        w.add("model.embed_tokens.weight", DType.F32, new long[] {8, 12}, floats);
        w.add("model.layers.0.mlp.gate_proj.weight", DType.BF16, new long[] {96}, floats);
        w.add("model.layers.0.mlp.up_proj.weight", DType.F16, new long[] {4, 24}, floats);
        w.add("scalar", DType.F32, new long[] {}, new float[] {3.25f});
        w.add("empty", DType.F32, new long[] {0, 5}, new float[0]);
        w.addLongs("empty_i64", new long[] {3, 0}, new long[0]);
        w.addHalfBits("bf16_bits", DType.BF16, new long[] {2, 3, 5}, halfBits(2, 30));
        w.addHalfBits("f16_bits", DType.F16, new long[] {30}, halfBits(3, 30));
        Lcg lcg = new Lcg(4);
        int[] ints = new int[21];
        for (int i = 0; i < ints.length; i++) ints[i] = lcg.next32();
        w.addInts("i32", new long[] {7, 3}, ints);
        lcg = new Lcg(5);
        long[] longs = new long[5];
        for (int i = 0; i < longs.length; i++) longs[i] = ((long) lcg.next32() << 32) | (lcg.next32() & 0xFFFFFFFFL);
        w.addLongs("i64", new long[] {5}, longs);
        raw(w, "u8", DType.U8, new long[] {17}, 6);
        raw(w, "i8", DType.I8, new long[] {4}, 7);
        raw(w, "bool", DType.BOOL, new long[] {3, 3}, 8);
        raw(w, "i16", DType.I16, new long[] {6}, 9);
        raw(w, "u16", DType.U16, new long[] {3}, 10);
        raw(w, "u32", DType.U32, new long[] {3}, 11);
        raw(w, "u64", DType.U64, new long[] {3}, 12);
        raw(w, "f64", DType.F64, new long[] {5}, 13);
        raw(w, "f8_e4m3", DType.F8_E4M3, new long[] {8}, 14);
        raw(w, "f8_e5m2", DType.F8_E5M2, new long[] {2, 4}, 15);
        raw(w, "c64", DType.C64, new long[] {2}, 16);
        lcg = new Lcg(17);
        w.addInts(TRICKY_NAME, new long[] {2}, new int[] {lcg.next32(), lcg.next32()});
        return w;
    }

    private static short[] halfBits(long seed, int n) {
        Lcg lcg = new Lcg(seed);
        short[] s = new short[n];
        for (int i = 0; i < n; i++) s[i] = (short) (lcg.next32() >>> 16);
        return s;
    }

    private static void raw(SafetensorsWriter w, String name, DType dtype, long[] shape, long seed) {
        int n = (int) dtype.byteCount(DType.numel(shape));
        w.addBytes(name, dtype, shape, recipeBytes(seed, n, dtype == DType.BOOL));
    }

    @Test
    void writerReproducesTheCommittedFile() throws IOException {
        Path committed = Fixtures.file("java_written.safetensors");
        if (Boolean.getBoolean("falcon.regenerate")) {
            recipe().write(committed);
            System.out.println("rewrote " + committed + "; now run: python fixtures/make_safetensors.py --check-java");
        }
        Path fresh = tmp.resolve("java_written.safetensors");
        recipe().write(fresh);
        assertArrayEquals(Files.readAllBytes(committed), Files.readAllBytes(fresh),
                "run with -Dfalcon.regenerate=true, then python fixtures/make_safetensors.py --check-java");
    }

    @Test
    void recipeReadsBack() {
        float[] floats = recipeFloats();
        recipe().write(tmp.resolve("r.safetensors"));
        try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("r.safetensors"))) {
            float[] back = f.floats("model.embed_tokens.weight");
            for (int i = 0; i < floats.length; i++) {
                assertEquals(Float.floatToRawIntBits(floats[i]), Float.floatToRawIntBits(back[i]), "element " + i);
            }
            assertEquals(3.25f, f.floats("scalar")[0]);
            assertEquals(22, f.names().size());
        }
    }
}
