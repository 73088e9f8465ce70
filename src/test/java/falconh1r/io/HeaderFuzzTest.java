package falconh1r.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded mutations of valid files (bit flips, truncation, length prefixes, numbers and dtypes
 * swapped in the JSON, deleted and inserted characters): opening and reading every tensor either
 * works or throws {@link SafetensorsException}, never anything else. A failure names the seed and
 * iteration; {@code mutate(seed, iteration)} replays it.
 */
class HeaderFuzzTest {
    private static final int ITERATIONS = 600;
    private static final Pattern NUMBER = Pattern.compile("-?\\d+");
    private static final Pattern DTYPE = Pattern.compile("\"dtype\":\"([A-Z0-9_a-z]*)\"");
    private static final String[] NUMBERS = {
        "-1", "0", "1", "7", "4294967296", "9223372036854775807", "9223372036854775808",
        "18446744073709551615", "99999999999999999999999", "1e3", "1.5", "-0", "00",
    };

    @TempDir
    Path tmp;

    private final List<byte[]> seeds = new ArrayList<>();

    @BeforeEach
    void validFiles() throws IOException {
        Path p = tmp.resolve("base.safetensors");
        new SafetensorsWriter().metadata(Map.of("format", "pt", "k", "v"))
                .add("w", DType.F32, new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
                .add("h", DType.BF16, new long[] {3}, new float[] {1, 2, 3})
                .addInts("i", new long[] {2}, new int[] {1, 2})
                .addLongs("l", new long[] {1}, new long[] {9})
                .addBytes("b", DType.BOOL, new long[] {2}, new byte[] {0, 1})
                .addBytes("f4", DType.F4, new long[] {4}, new byte[] {1, 2})
                .add("e", DType.F16, new long[] {0, 4}, new float[0])
                .write(p);
        seeds.add(Files.readAllBytes(p));
        seeds.add(Files.readAllBytes(Fixtures.file("dtypes.safetensors")));
        seeds.add(Files.readAllBytes(Fixtures.file("exotic.safetensors")));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void mutatedFilesOpenOrFailCleanly(long seed) throws IOException {
        Path p = tmp.resolve("fuzz.safetensors");
        int opened = 0;
        for (int it = 0; it < ITERATIONS; it++) {
            StringBuilder what = new StringBuilder();
            byte[] bytes = mutate(seed, it, what);
            Files.write(p, bytes);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                readEverything(f);
                opened++;
            } catch (SafetensorsException expected) {
                // a clean rejection
            } catch (Throwable t) {
                fail("seed " + seed + " iteration " + it + " (" + what + "): " + t, t);
            }
        }
        // Both outcomes must be common, or the mutations have stopped exercising the parser.
        assertTrue(opened > ITERATIONS / 50 && opened < ITERATIONS / 2, "seed " + seed + ": " + opened + " opened");
    }

    private static void readEverything(SafetensorsFile f) {
        f.metadata();
        for (String name : f.names()) {
            TensorInfo t = f.info(name);
            f.bytes(name);
            f.segment(name);
            try {
                switch (t.dtype()) {
                    case F32 -> f.floats(name);
                    case BF16, F16 -> {
                        f.floats(name);
                        f.halfBits(name);
                    }
                    case I32 -> f.ints(name);
                    case I64 -> f.longs(name);
                    default -> f.floats(name);          // the wrong reader must fail cleanly too
                }
            } catch (SafetensorsException expected) {
                // wrong dtype for the reader
            }
        }
    }

    /** One deterministic mutation of one of the valid files. */
    byte[] mutate(long seed, int iteration, StringBuilder what) {
        Random r = new Random(seed * 1_000_003L + iteration);
        byte[] base = seeds.get(r.nextInt(seeds.size()));
        long n = ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String header = new String(base, 8, (int) n, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(base, 8 + (int) n, base.length);
        int kind = r.nextInt(9);
        switch (kind) {
            case 0 -> {                                                  // bit flips in prefix + header
                byte[] b = base.clone();
                int flips = 1 + r.nextInt(4);
                for (int i = 0; i < flips; i++) b[r.nextInt(8 + (int) n)] ^= (byte) (1 << r.nextInt(8));
                what.append("bit flips");
                return b;
            }
            case 1 -> {                                                  // truncation anywhere
                int len = r.nextInt(base.length);
                what.append("truncate to ").append(len);
                return Arrays.copyOf(base, len);
            }
            case 2 -> {                                                  // a wrong length prefix
                long[] lengths = {0, 1, n - 1, n + 1, n + 8, base.length, base.length - 8, Long.MAX_VALUE, -1,
                        100_000_001, r.nextLong(), r.nextInt(base.length + 16)};
                long len = lengths[r.nextInt(lengths.length)];
                what.append("length prefix ").append(len);
                return assemble(len, header.getBytes(StandardCharsets.UTF_8), data);
            }
            case 3, 4 -> {                                               // a number of the JSON replaced
                List<int[]> spans = spans(NUMBER, header, 0);
                int[] s = spans.get(r.nextInt(spans.size()));
                String by = r.nextBoolean() ? NUMBERS[r.nextInt(NUMBERS.length)] : Long.toString(r.nextLong() >> r.nextInt(64));
                what.append("number at ").append(s[0]).append(" -> ").append(by);
                return rebuilt(header.substring(0, s[0]) + by + header.substring(s[1]), data, r);
            }
            case 5 -> {                                                  // a dtype swapped
                List<int[]> spans = spans(DTYPE, header, 1);
                if (spans.isEmpty()) return base;
                int[] s = spans.get(r.nextInt(spans.size()));
                DType[] all = DType.values();
                String by = r.nextInt(5) == 0 ? "X" + r.nextInt(99) : all[r.nextInt(all.length)].name();
                what.append("dtype at ").append(s[0]).append(" -> ").append(by);
                return rebuilt(header.substring(0, s[0]) + by + header.substring(s[1]), data, r);
            }
            case 6 -> {                                                  // characters deleted
                int from = r.nextInt(header.length());
                int to = Math.min(header.length(), from + 1 + r.nextInt(12));
                what.append("delete [").append(from).append(", ").append(to).append(")");
                return rebuilt(header.substring(0, from) + header.substring(to), data, r);
            }
            case 7 -> {                                                  // characters inserted
                String[] junk = {"{", "}", "[", "]", ",", ":", "\"", "\\", "-", "0", "1e9", "null", "\u00e9", "\\ud800", " "};
                int at = r.nextInt(header.length() + 1);
                String by = junk[r.nextInt(junk.length)];
                what.append("insert '").append(by).append("' at ").append(at);
                return rebuilt(header.substring(0, at) + by + header.substring(at), data, r);
            }
            default -> {                                                 // the data section resized
                int delta = r.nextInt(17) - 8;
                what.append("data length ").append(delta >= 0 ? "+" : "").append(delta);
                byte[] d = Arrays.copyOf(data, Math.max(0, data.length + delta));
                return assemble(n, header.getBytes(StandardCharsets.UTF_8), d);
            }
        }
    }

    private static List<int[]> spans(Pattern p, String s, int group) {
        List<int[]> out = new ArrayList<>();
        Matcher m = p.matcher(s);
        while (m.find()) out.add(new int[] {m.start(group), m.end(group)});
        return out;
    }

    /** The mutated header with (mostly) its true length, so the JSON itself gets parsed. */
    private static byte[] rebuilt(String header, byte[] data, Random r) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return assemble(r.nextInt(8) == 0 ? h.length + r.nextInt(5) - 2 : h.length, h, data);
    }

    private static byte[] assemble(long length, byte[] header, byte[] data) {
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(length).put(header).put(data).array();
    }
}
