package falconh1r.train;

import falconh1r.io.SafetensorsFile;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** Locates fixtures/optimizer (written by fixtures/make_optimizer_fixtures.py) and reads its F64 tensors. */
final class OptimizerFixtures {
    private OptimizerFixtures() {}

    static Path file(String name) {
        return Path.of(System.getProperty("falcon.fixtures", "fixtures"), "optimizer", name);
    }

    static double[] doubles(SafetensorsFile f, String name) {
        return f.segment(name).toArray(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    /** Distance in units in the last place between two finite floats of any sign. */
    static long ulps(float a, float b) {
        return Math.abs(ordered(a) - ordered(b));
    }

    private static long ordered(float x) {
        int bits = Float.floatToRawIntBits(x);
        return bits < 0 ? (long) Integer.MIN_VALUE - bits : bits;
    }
}
