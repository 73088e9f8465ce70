package falconh1r.kernels;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link OpenClBackend} against {@link ScalarBackend}: seeded random operands over shapes that
 * exercise partial tiles, the matvec path, offsets and empty products; bf16/fp16 widening; weight
 * residency. Skipped without OpenCL (see {@link OpenClTestSupport}).
 */
class OpenClBackendTest {

    /** Never-written marker around output ranges: the device must not touch anything outside them. */
    private static final float SENTINEL = -12345.5f;
    /** Unit roundoff of f32. */
    private static final double U = 0x1p-24;
    /** Absolute slack for results near underflow (random operands here never get there). */
    private static final double ATOL = 1e-30;

    /** The backend as {@link OpenClBackend#create} makes it (on a CPU device: buffers alias Java arrays). */
    private static OpenClBackend opencl;
    /**
     * The same device with device-copy buffers, as on a GPU: the only mode in which a missing
     * re-upload is observable, so the residency tests run in both.
     */
    private static OpenClBackend copies;
    private static final ScalarBackend scalar = new ScalarBackend();

    @BeforeAll
    static void device() {
        opencl = OpenClTestSupport.requireOrSkip();
        copies = OpenClBackend.create(new ScalarBackend(), OpenClDevices.bestDevice(), Long.MAX_VALUE, false);
    }

    @AfterAll
    static void release() {
        if (opencl != null) opencl.close();
        if (copies != null) copies.close();
    }

    private static OpenClBackend backend(boolean deviceCopies) {
        return deviceCopies ? copies : opencl;
    }

    // ---- matmul ----------------------------------------------------------------------------

    /** (seed, m, n, k, aOff, bOff, cOff): fixed awkward shapes, then random ones. */
    static Stream<Arguments> matmulCases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] fixed = {
            {1, 1, 1}, {17, 33, 65}, {3, 5, 1000}, {16, 16, 16}, {32, 48, 80}, {1, 96, 4096},
            {2, 64, 4096}, {1, 1, 4097}, {40, 3, 17}, {5, 300, 7}, {33, 1, 15}, {1, 4096, 24},
        };
        for (int c = 0; c < fixed.length; c++) {
            cases.add(withOffsets(1000 + c, fixed[c][0], fixed[c][1], fixed[c][2], c % 2 == 1));   // every other with offsets
        }
        for (long rs = 1; rs <= 12; rs++) {
            Random r = new Random(rs);
            cases.add(withOffsets(rs, 1 + r.nextInt(48), 1 + r.nextInt(80), 1 + r.nextInt(300), true));
        }
        return cases.stream();
    }

    private static Arguments withOffsets(long seed, int m, int n, int k, boolean offsets) {
        Random r = new Random(~seed);
        return offsets
                ? Arguments.of(seed, m, n, k, 1 + r.nextInt(9), 1 + r.nextInt(9), 1 + r.nextInt(9))
                : Arguments.of(seed, m, n, k, 0, 0, 0);
    }

    @ParameterizedTest(name = "seed={0} m={1} n={2} k={3} offsets a={4} b={5} c={6}")
    @MethodSource("matmulCases")
    void matmulMatchesScalar(long seed, int m, int n, int k, int aOff, int bOff, int cOff) {
        Random r = new Random(seed);
        float[] a = random(r, aOff + m * k + 3);
        float[] b = random(r, bOff + n * k + 2);
        float[] want = filled(cOff + m * n + 5);
        float[] got = want.clone();
        scalar.matmul(want, cOff, a, aOff, b, bOff, m, n, k);
        opencl.matmul(got, cOff, a, aOff, b, bOff, m, n, k);
        String what = String.format("matmul seed=%d m=%d n=%d k=%d aOff=%d bOff=%d cOff=%d", seed, m, n, k, aOff, bOff, cOff);
        assertClose(what, want, got, i -> i < cOff || i >= cOff + m * n ? 0 : absDot(a, aOff + (i - cOff) / n * k,
                b, bOff + (i - cOff) % n * k, k), k);
    }

    /** Empty products: nothing is written for m = 0 or n = 0, zeros for k = 0. */
    @ParameterizedTest(name = "m={0} n={1} k={2}")
    @MethodSource("emptyShapes")
    void emptyProductsMatchScalar(int m, int n, int k) {
        float[] a = random(new Random(7), m * k + 1);
        float[] b = random(new Random(8), n * k + 1);
        float[] want = filled(m * n + 4);
        float[] got = want.clone();
        scalar.matmul(want, 2, a, 1, b, 1, m, n, k);
        opencl.matmul(got, 2, a, 1, b, 1, m, n, k);
        assertTrue(Arrays.equals(want, got), "m=" + m + " n=" + n + " k=" + k + ": " + Arrays.toString(got));
    }

    static Stream<Arguments> emptyShapes() {
        return Stream.of(Arguments.of(0, 5, 7), Arguments.of(5, 0, 7), Arguments.of(5, 7, 0),
                Arguments.of(0, 0, 0), Arguments.of(1, 3, 0));
    }

    // ---- matvec ----------------------------------------------------------------------------

    static Stream<Arguments> matvecCases() {
        List<Arguments> cases = new ArrayList<>(List.of(
                Arguments.of(1L, 1, 1), Arguments.of(2L, 7, 4097), Arguments.of(3L, 300, 129),
                Arguments.of(4L, 64, 1000), Arguments.of(5L, 129, 3), Arguments.of(6L, 1000, 255)));
        for (long rs = 11; rs <= 16; rs++) {
            Random r = new Random(rs);
            cases.add(Arguments.of(rs, 1 + r.nextInt(200), 1 + r.nextInt(600)));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "seed={0} n={1} k={2}")
    @MethodSource("matvecCases")
    void matvecMatchesScalar(long seed, int n, int k) {
        Random r = new Random(seed);
        float[] w = random(r, n * k);
        float[] x = random(r, k);
        float[] want = filled(n + 3);
        float[] got = want.clone();
        scalar.matvec(want, w, x, n, k);
        opencl.matvec(got, w, x, n, k);
        assertClose("matvec seed=" + seed + " n=" + n + " k=" + k, want, got,
                i -> i >= n ? 0 : absDot(w, i * k, x, 0, k), k);
    }

    static Stream<Arguments> halfCases() {
        return matvecCases().flatMap(c -> Arrays.stream(Half.Format.values())
                .map(f -> Arguments.of(c.get()[0], c.get()[1], c.get()[2], f)));
    }

    /** Rows start mid-word whenever k is odd (two 16-bit patterns per device int). */
    @ParameterizedTest(name = "seed={0} n={1} k={2} {3}")
    @MethodSource("halfCases")
    void halfMatvecMatchesScalar(long seed, int n, int k, Half.Format format) {
        Random r = new Random(seed);
        short[] w = new short[n * k];
        for (int i = 0; i < w.length; i++) w[i] = Half.fromFloat((float) r.nextGaussian(), format);
        float[] x = random(r, k);
        float[] want = filled(n + 3);
        float[] got = want.clone();
        scalar.matvec(want, w, format, x, n, k);
        opencl.matvec(got, w, format, x, n, k);
        float[] wide = Half.toFloats(w, format);
        assertClose("matvec " + format + " seed=" + seed + " n=" + n + " k=" + k, want, got,
                i -> i >= n ? 0 : absDot(wide, i * k, x, 0, k), k);
    }

    /**
     * Every 16-bit pattern widened on the device (k = 1, x = [1]) equals {@link Half#toFloat}:
     * subnormals, infinities and NaN included. Compared with {@code ==} (so −0 matches +0: the
     * reduction adds +0 partial sums) or as both NaN.
     */
    @ParameterizedTest
    @EnumSource(Half.Format.class)
    void halfWideningIsExactForAllPatterns(Half.Format format) {
        short[] w = new short[1 << 16];
        for (int i = 0; i < w.length; i++) w[i] = (short) i;
        float[] got = new float[w.length];
        opencl.matvec(got, w, format, new float[] {1f}, w.length, 1);
        for (int i = 0; i < w.length; i++) {
            float want = Half.toFloat(w[i], format);
            if (!(got[i] == want || (Float.isNaN(got[i]) && Float.isNaN(want)))) {
                fail(format + " pattern 0x" + Integer.toHexString(i) + ": device " + got[i] + ", expected " + want);
            }
        }
    }

    // ---- residency -------------------------------------------------------------------------

    @ParameterizedTest(name = "device copies={0}")
    @ValueSource(booleans = {false, true})
    void residentWeightIsReusedAndFollowsWeightsChanged(boolean deviceCopies) {
        OpenClBackend opencl = backend(deviceCopies);
        Random r = new Random(42);
        int m = 5, n = 37, k = 70;
        float[] w = random(r, n * k);
        int before = opencl.residentWeights();
        for (int call = 0; call < 2; call++) {                  // same weight, new inputs: still right
            checkBothPaths(opencl, "call " + call, r, w, m, n, k);
        }
        assertEquals(before + 1, opencl.residentWeights(), "one weight, one resident kernel");
        for (int i = 0; i < w.length; i++) w[i] = -2f * w[i] + 0.5f;   // an optimizer step
        opencl.weightsChanged(w);
        checkBothPaths(opencl, "after weightsChanged", r, w, m, n, k);
        assertEquals(before + 1, opencl.residentWeights(), "re-upload keeps the same kernel");
    }

    /** Matmul (tiled path, m rows) and matvec (row-per-group path) against scalar, same weight. */
    private static void checkBothPaths(OpenClBackend opencl, String when, Random r, float[] w, int m, int n, int k) {
        float[] a = random(r, m * k);
        float[] want = new float[m * n];
        float[] got = new float[m * n];
        scalar.matmul(want, a, w, m, n, k);
        opencl.matmul(got, a, w, m, n, k);
        assertClose(when + " matmul", want, got, i -> absDot(a, i / n * k, w, i % n * k, k), k);
        float[] wantV = new float[n];
        float[] gotV = new float[n];
        scalar.matvec(wantV, w, a, n, k);
        opencl.matvec(gotV, w, a, n, k);
        assertClose(when + " matvec", wantV, gotV, i -> absDot(w, i * k, a, 0, k), k);
    }

    static Stream<Arguments> formatsAndModes() {
        return Stream.of(Half.Format.values()).flatMap(f -> Stream.of(Arguments.of(f, false), Arguments.of(f, true)));
    }

    @ParameterizedTest(name = "{0} device copies={1}")
    @MethodSource("formatsAndModes")
    void halfWeightFollowsWeightsChanged(Half.Format format, boolean deviceCopies) {
        OpenClBackend opencl = backend(deviceCopies);
        Random r = new Random(43);
        int n = 9, k = 31;
        short[] w = new short[n * k];
        for (int i = 0; i < w.length; i++) w[i] = Half.fromFloat((float) r.nextGaussian(), format);
        float[] x = random(r, k);
        float[] got = new float[n];
        opencl.matvec(got, w, format, x, n, k);
        for (int i = 0; i < w.length; i++) w[i] = Half.fromFloat(3f - Half.toFloat(w[i], format), format);
        opencl.weightsChanged(w);
        float[] want = new float[n];
        scalar.matvec(want, w, format, x, n, k);
        opencl.matvec(got, w, format, x, n, k);
        float[] wide = Half.toFloats(w, format);
        assertClose(format + " after weightsChanged", want, got, i -> absDot(wide, i * k, x, 0, k), k);
    }

    /** A device budget of about two weights: older kernels are evicted and rebuilt on demand. */
    @Test
    void evictionKeepsResultsRight() {
        int n = 64, k = 64;
        long budget = 2 * 4L * (n * k + n + k + 2);   // weight + x + y + the two 1-float GEMM placeholders, twice
        try (OpenClBackend small = OpenClBackend.create(new ScalarBackend(), OpenClDevices.bestDevice(), budget, false)) {
            Random r = new Random(44);
            float[][] weights = {random(r, n * k), random(r, n * k), random(r, n * k)};
            for (int round = 0; round < 2; round++) {
                for (float[] w : weights) {
                    float[] x = random(r, k);
                    float[] want = new float[n];
                    float[] got = new float[n];
                    scalar.matvec(want, w, x, n, k);
                    small.matvec(got, w, x, n, k);
                    assertClose("round " + round, want, got, i -> absDot(w, i * k, x, 0, k), k);
                    assertTrue(small.residentWeights() <= 2, "resident " + small.residentWeights());
                }
            }
        }
    }

    // ---- the rest of the backend -----------------------------------------------------------

    @Test
    void otherOpsAreTheHostsAndNameIsOpencl() {
        assertEquals("opencl", opencl.name());
        float[] x = random(new Random(45), 24);
        float[] want = new float[24];
        float[] got = new float[24];
        scalar.rmsNorm(want, x, x, 3, 8, 1e-6f);
        opencl.rmsNorm(got, x, x, 3, 8, 1e-6f);
        assertTrue(Arrays.equals(want, got));
        assertEquals(scalar.dot(x, 0, x, 3, 20), opencl.dot(x, 0, x, 3, 20));
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** Σ|a_i·b_i| for the output element at index i (0 outside the written range). */
    private interface AbsDot {
        double at(int i);
    }

    /**
     * Asserts {@code |got − want| ≤ 2·γ_k·Σ|a_i·b_i| + ATOL} elementwise, with γ_k = k·u/(1 − k·u):
     * any order of summing k f32 products, with or without fused multiply-add, lands within
     * γ_k·Σ|a_i·b_i| of the exact dot product (Higham, <i>Accuracy and Stability of Numerical
     * Algorithms</i>, §3.1), so two such orders differ by at most twice that. Outside the written
     * range (abs dot 0) both sides must hold the untouched sentinel. Prints the worst |diff|.
     */
    private static void assertClose(String what, float[] want, float[] got, AbsDot absDot, int k) {
        double gamma = k * U / (1 - k * U);
        double maxDiff = 0;
        int worst = -1;
        double worstDiff = -1;
        double worstTol = 0;
        for (int i = 0; i < want.length; i++) {
            double diff = Math.abs((double) got[i] - want[i]);
            if (Double.isNaN(diff)) diff = Float.compare(got[i], want[i]) == 0 ? 0 : Double.POSITIVE_INFINITY;
            double tol = 2 * gamma * absDot.at(i) + ATOL;
            maxDiff = Math.max(maxDiff, diff);
            if (diff > tol && Float.compare(got[i], want[i]) != 0 && diff > worstDiff) {
                worst = i;
                worstDiff = diff;
                worstTol = tol;
            }
        }
        if (worst >= 0) {
            fail(String.format("%s: max |diff| %.3g; worst violation at index %d: device %s, scalar %s, tolerance %.3g",
                    what, maxDiff, worst, got[worst], want[worst], worstTol));
        }
    }

    private static double absDot(float[] a, int aOff, float[] b, int bOff, int k) {
        double s = 0;
        for (int i = 0; i < k; i++) s += Math.abs((double) a[aOff + i] * b[bOff + i]);
        return s;
    }

    private static float[] random(Random r, int length) {
        float[] v = new float[length];
        for (int i = 0; i < length; i++) v[i] = r.nextFloat() * 2f - 1f;
        return v;
    }

    private static float[] filled(int length) {
        float[] v = new float[length];
        Arrays.fill(v, SENTINEL);
        return v;
    }
}
