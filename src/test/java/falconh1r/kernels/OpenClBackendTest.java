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

import static falconh1r.testing.Close.assertClose;
import static falconh1r.kernels.SimdBackendTest.PRODUCT_ATOL;
import static falconh1r.kernels.SimdBackendTest.PRODUCT_RTOL;
import static falconh1r.kernels.SimdBackendTest.absProducts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link OpenClBackend} against {@link ScalarBackend}: seeded random operands over shapes that
 * exercise partial tiles, the matvec path, offsets and empty products; bf16/fp16 widening; weight
 * residency and unregistered operands. Skipped without OpenCL (see {@link OpenClTestSupport}).
 *
 * <p>Products compare as in {@link SimdBackendTest}: {@code |Δ| ≤ 1e-6 + 1e-5·Σ|aᵢbᵢ|}, tight
 * enough that a dropped term of a 4097-long dot product fails; outside the output range nothing may
 * change.
 */
class OpenClBackendTest {

    /** Never-written marker around output ranges: the device must not touch anything outside them. */
    private static final float SENTINEL = -12345.5f;

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
        assertProduct(what, want, got, cOff, absProducts(a, aOff, b, bOff, m, n, k));
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
        assertProduct("matvec seed=" + seed + " n=" + n + " k=" + k, want, got, 0, absProducts(x, 0, w, 0, 1, n, k));
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
        assertProduct("matvec " + format + " seed=" + seed + " n=" + n + " k=" + k, want, got, 0,
                absProducts(x, 0, wide, 0, 1, n, k));
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
    void registeredWeightStaysResidentAndFollowsWeightsChanged(boolean deviceCopies) {
        OpenClBackend opencl = backend(deviceCopies);
        Random r = new Random(42);
        int m = 5, n = 37, k = 70;
        float[] w = random(r, n * k);
        opencl.registerWeight(w);
        int before = opencl.residentWeights();
        for (int call = 0; call < 2; call++) {                  // same weight, new inputs: still right
            checkBothPaths(opencl, "call " + call, r, w, m, n, k);
        }
        assertEquals(before + 1, opencl.residentWeights(), "one weight, one resident kernel");
        float[] x = random(r, k);
        float[] old = new float[n];
        scalar.matvec(old, w, x, n, k);
        double[] oldScale = absProducts(x, 0, w, 0, 1, n, k);
        for (int i = 0; i < w.length; i++) w[i] = -2f * w[i] + 0.5f;   // an optimizer step
        if (deviceCopies) {                      // not uploaded again without weightsChanged: resident
            float[] stale = new float[n];
            opencl.matvec(stale, w, x, n, k);
            assertProduct("before weightsChanged", old, stale, 0, oldScale);
        }
        opencl.weightsChanged(w);
        checkBothPaths(opencl, "after weightsChanged", r, w, m, n, k);
        assertEquals(before + 1, opencl.residentWeights(), "re-upload keeps the same kernel");
    }

    /** Attention's keys, a reused buffer: a B that is not a registered weight is read afresh on every call. */
    @ParameterizedTest(name = "device copies={0}")
    @ValueSource(booleans = {false, true})
    void unregisteredOperandIsReadAfreshAndNeverResident(boolean deviceCopies) {
        OpenClBackend opencl = backend(deviceCopies);
        Random r = new Random(47);
        int m = 6, n = 29, k = 45;
        int before = opencl.residentWeights();
        float[] b = new float[n * k];
        for (int step = 0; step < 3; step++) {                  // one buffer, new contents each step
            float[] next = random(r, n * k);
            System.arraycopy(next, 0, b, 0, b.length);
            checkBothPaths(opencl, "reused buffer step " + step, r, b, m, n, k);
            checkBothPaths(opencl, "fresh array step " + step, r, random(r, n * k), m, n, k);
        }
        assertEquals(before, opencl.residentWeights(), "unregistered operands are not resident");
    }

    /** Matmul (tiled path, m rows) and matvec (row-per-group path) against scalar, same B. */
    private static void checkBothPaths(OpenClBackend opencl, String when, Random r, float[] w, int m, int n, int k) {
        float[] a = random(r, m * k);
        float[] want = new float[m * n];
        float[] got = new float[m * n];
        scalar.matmul(want, a, w, m, n, k);
        opencl.matmul(got, a, w, m, n, k);
        assertProduct(when + " matmul", want, got, 0, absProducts(a, 0, w, 0, m, n, k));
        float[] wantV = new float[n];
        float[] gotV = new float[n];
        scalar.matvec(wantV, w, a, n, k);
        opencl.matvec(gotV, w, a, n, k);
        assertProduct(when + " matvec", wantV, gotV, 0, absProducts(a, 0, w, 0, 1, n, k));
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
        assertProduct(format + " after weightsChanged", want, got, 0, absProducts(x, 0, wide, 0, 1, n, k));
    }

    /** A device budget of about two weights: older kernels are evicted and rebuilt on their next use. */
    @Test
    void evictionKeepsResultsRight() {
        int n = 64, k = 64;
        long budget = 2 * 4L * (n * k + n + k + 2);   // weight + x + y + the two 1-float GEMM placeholders, twice
        try (OpenClBackend small = OpenClBackend.create(new ScalarBackend(), OpenClDevices.bestDevice(), budget, false)) {
            Random r = new Random(44);
            float[][] weights = {random(r, n * k), random(r, n * k), random(r, n * k)};
            for (float[] w : weights) small.registerWeight(w);
            for (int round = 0; round < 2; round++) {
                for (float[] w : weights) {
                    float[] x = random(r, k);
                    float[] want = new float[n];
                    float[] got = new float[n];
                    scalar.matvec(want, w, x, n, k);
                    small.matvec(got, w, x, n, k);
                    assertProduct("round " + round, want, got, 0, absProducts(x, 0, w, 0, 1, n, k));
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

    /**
     * {@code got} equals {@code want} within the product tolerance on the output range
     * {@code [off, off + scale.length)} ({@code scale}: Σ|aᵢbᵢ| per output) and exactly elsewhere.
     */
    private static void assertProduct(String what, float[] want, float[] got, int off, double[] scale) {
        assertClose(what, want, off, got, off, scale.length, PRODUCT_ATOL, PRODUCT_RTOL, scale);
        for (int i = 0; i < want.length; i++) {
            if ((i < off || i >= off + scale.length) && Float.compare(want[i], got[i]) != 0) {
                fail(what + ": index " + i + " outside the output range changed to " + got[i]);
            }
        }
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
