package falconh1r.kernels;

import static falconh1r.testing.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SIMD backend equals the scalar twin, op by op, over seeded random shapes and awkward values.
 * Surefire runs this class at the preferred vector width and again with
 * {@code -Dfalcon.simd.bits=128} and {@code 256} (see pom.xml).
 *
 * <p>Tolerances: products compare as {@code |Δ| ≤ 1e-6 + 1e-5·Σ|aᵢbᵢ|} (summation order differs;
 * f32 rounding error grows with Σ|aᵢbᵢ|, about √k·2⁻²⁴ of it in practice); transcendental
 * element-wise ops as {@code |Δ| ≤ 1e-30 + 4e-7·|e|} (a few ulps: the Vector API's EXP/LOG1P are
 * allowed to differ from {@link Math} by ulps).
 */
class SimdBackendTest {

    static final double PRODUCT_RTOL = 1e-5, PRODUCT_ATOL = 1e-6;
    static final double ELEMENT_RTOL = 4e-7, ELEMENT_ATOL = 1e-30;
    static final float SENTINEL = 12345.5f;

    static ScalarBackend scalar;
    static SimdBackend simd;

    @BeforeAll
    static void setUp() {
        scalar = new ScalarBackend();
        simd = new SimdBackend(2);
        System.out.println("SimdBackendTest: " + simd.describe());
    }

    @AfterAll
    static void tearDown() {
        simd.close();
    }

    static List<Cases.MatmulCase> matmulCases() {
        return Cases.matmulCases(60);
    }

    static List<Integer> lengths() {
        return Cases.lengths();
    }

    /** Row lengths for row ops (3 rows each): the lengths up to 5000. */
    static List<Integer> rowLengths() {
        return Cases.lengths().stream().filter(n -> n <= 5000).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matmulCases")
    void matmulEqualsScalar(Cases.MatmulCase t) {
        SplittableRandom rnd = new SplittableRandom(t.seed());
        float[] a = Cases.uniform(rnd, t.aOff() + t.m() * t.k(), 1f);
        float[] b = Cases.uniform(rnd, t.bOff() + t.n() * t.k(), 1f);
        float[] expected = new float[t.cOff() + t.m() * t.n() + 3];
        float[] actual = expected.clone();
        java.util.Arrays.fill(actual, SENTINEL);     // every output written (zeros when k = 0), nothing else
        scalar.matmul(expected, t.cOff(), a, t.aOff(), b, t.bOff(), t.m(), t.n(), t.k());
        simd.matmul(actual, t.cOff(), a, t.aOff(), b, t.bOff(), t.m(), t.n(), t.k());
        for (int i = 0; i < actual.length; i++) {
            if (i < t.cOff() || i >= t.cOff() + t.m() * t.n()) assertEquals(SENTINEL, actual[i], "wrote outside C at " + i + ", " + t);
        }
        double[] scale = absProducts(a, t.aOff(), b, t.bOff(), t.m(), t.n(), t.k());
        assertClose("matmul " + t, expected, t.cOff(), actual, t.cOff(), t.m() * t.n(), PRODUCT_ATOL, PRODUCT_RTOL, scale);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matmulCases")
    void backwardEqualsScalar(Cases.MatmulCase t) {
        int m = t.m(), n = t.n(), k = t.k();
        SplittableRandom rnd = new SplittableRandom(t.seed());
        float[] dy = Cases.uniform(rnd, m * n, 1f);
        float[] w = Cases.uniform(rnd, n * k, 1f);
        float[] x = Cases.uniform(rnd, m * k, 1f);
        float[] dxExpected = Cases.uniform(rnd, m * k, 1f);      // accumulate into existing values
        float[] dxActual = dxExpected.clone();
        scalar.matmulBackwardInput(dxExpected, dy, w, m, n, k);
        simd.matmulBackwardInput(dxActual, dy, w, m, n, k);
        assertClose("dX " + t, dxExpected, 0, dxActual, 0, m * k, PRODUCT_ATOL, PRODUCT_RTOL * Math.max(1, n), null);

        float[] dwExpected = Cases.uniform(rnd, n * k, 1f);
        float[] dwActual = dwExpected.clone();
        scalar.matmulBackwardWeight(dwExpected, dy, x, m, n, k);
        simd.matmulBackwardWeight(dwActual, dy, x, m, n, k);
        assertClose("dW " + t, dwExpected, 0, dwActual, 0, n * k, PRODUCT_ATOL, PRODUCT_RTOL * Math.max(1, m), null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matmulCases")
    void halfMatmulEqualsScalar(Cases.MatmulCase t) {
        int m = t.m(), n = t.n(), k = t.k();
        SplittableRandom rnd = new SplittableRandom(t.seed());
        float[] x = Cases.uniform(rnd, m * k, 1f);
        float[] wf = Cases.uniform(rnd, n * k, 2f);
        for (Half.Format format : Half.Format.values()) {
            short[] w = new short[n * k];
            for (int i = 0; i < w.length; i++) w[i] = Half.fromFloat(wf[i], format);
            // Sprinkle fp16 subnormals and bf16 tiny values so every widening branch runs.
            for (int i = 0; i < w.length; i += 7) w[i] = (short) (rnd.nextInt(0x400) | (rnd.nextBoolean() ? 0x8000 : 0));
            float[] expected = new float[m * n], actual = new float[m * n];
            scalar.matmul(expected, x, w, format, m, n, k);
            simd.matmul(actual, x, w, format, m, n, k);
            float[] widened = Half.toFloats(w, format);
            double[] scale = absProducts(x, 0, widened, 0, m, n, k);
            assertClose(format + " matmul " + t, expected, 0, actual, 0, m * n, PRODUCT_ATOL, PRODUCT_RTOL, scale);
            // the one-row product (decode) through the matvec entry point equals row 0
            if (m > 0) {
                float[] row = new float[n];
                simd.matvec(row, w, format, x, n, k);
                assertClose(format + " matvec " + t, expected, 0, row, 0, n, PRODUCT_ATOL, PRODUCT_RTOL, scale);
            }
        }
    }

    @Test
    void halfWideningIsExactForEveryPattern() {
        // All 65536 bit patterns: y[j] = widen(w[j])·1 through the SIMD matvec equals Half.toFloat bit for bit.
        for (Half.Format format : Half.Format.values()) {
            short[] w = new short[65536];
            for (int i = 0; i < w.length; i++) w[i] = (short) i;
            float[] y = new float[65536];
            simd.matvec(y, w, format, new float[] {1f}, 65536, 1);   // k=1: scalar tail only
            float[] wide = new float[65536 * 16];
            short[] w16 = new short[65536 * 16];
            for (int i = 0; i < 65536; i++) w16[i * 16] = (short) i;
            float[] x16 = new float[16];
            x16[0] = 1f;
            simd.matvec(wide, w16, format, x16, 65536, 16);          // k=16: the vector path
            for (int i = 0; i < 65536; i++) {
                // Widening is exact, so values match bit for bit; "+ 0f" folds -0 into +0, which the
                // accumulator (starting at +0) cannot preserve, and keeps NaN as NaN.
                float e = Half.toFloat((short) i, format) + 0f;
                String msg = format + " pattern 0x" + Integer.toHexString(i);
                assertEquals(e, y[i] + 0f, msg + " (scalar tail)");
                assertEquals(e, wide[i] + 0f, msg + " (vector path)");
            }
        }
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("lengths")
    void vectorOpsEqualScalar(int n) {
        SplittableRandom rnd = new SplittableRandom(Cases.SEED + n);
        String tag = " n=" + n + " seed=" + (Cases.SEED + n);
        float[] a = Cases.uniform(rnd, n + 3, 1f), b = Cases.uniform(rnd, n + 5, 1f);
        float e = scalar.dot(a, 3, b, 5, n), s = simd.dot(a, 3, b, 5, n);
        double scale = 0;
        for (int i = 0; i < n; i++) scale += Math.abs((double) a[3 + i] * b[5 + i]);
        assertClose("dot" + tag, new float[] {e}, 0, new float[] {s}, 0, 1, PRODUCT_ATOL, PRODUCT_RTOL, new double[] {scale});

        float[] ye = b.clone(), ys = b.clone();
        scalar.axpy(0.37f, a, 3, ye, 5, n);
        simd.axpy(0.37f, a, 3, ys, 5, n);
        assertClose("axpy" + tag, ye, ys, ye.length, 1e-7, 1e-6);

        float[] me = b.clone(), ms = b.clone();
        scalar.multiplyAdd(me, 2, a, 3, b, 1, n);
        simd.multiplyAdd(ms, 2, a, 3, b, 1, n);
        assertClose("multiplyAdd" + tag, me, ms, me.length, 0, 0);      // multiply then add: the same bits

        float[] se = a.clone(), ss = a.clone();
        scalar.scale(se, 2, n, -1.7f);
        simd.scale(ss, 2, n, -1.7f);
        assertClose("scale" + tag, se, ss, se.length, 0, 0);

        float[] ae = new float[n], as = new float[n];
        scalar.add(ae, a, b, n);
        simd.add(as, a, b, n);
        assertClose("add" + tag, ae, as, n, 0, 0);
    }

    @ParameterizedTest(name = "n={0}")
    @MethodSource("lengths")
    void elementwiseEqualScalarOnAwkwardValues(int n) {
        SplittableRandom rnd = new SplittableRandom(Cases.SEED * 31 + n);
        String tag = " n=" + n + " seed=" + (Cases.SEED * 31 + n);
        float[] x = Cases.awkward(rnd, n);
        float[] e = new float[n], s = new float[n];
        scalar.silu(e, x, n);
        simd.silu(s, x, n);
        assertClose("silu" + tag, e, s, n, ELEMENT_ATOL, ELEMENT_RTOL);
        float[] dy = Cases.uniform(rnd, n, 2f);
        scalar.siluBackward(e, dy, x, n);
        simd.siluBackward(s, dy, x, n);
        assertClose("siluBackward" + tag, e, s, n, ELEMENT_ATOL, ELEMENT_RTOL);
        scalar.softplus(e, x, n);
        simd.softplus(s, x, n);
        assertClose("softplus" + tag, e, s, n, ELEMENT_ATOL, ELEMENT_RTOL);
        scalar.exp(e, x, n);
        simd.exp(s, x, n);
        assertClose("exp" + tag, e, s, n, ELEMENT_ATOL, ELEMENT_RTOL);
    }

    @ParameterizedTest(name = "cols={0}")
    @MethodSource("rowLengths")
    void rowOpsEqualScalar(int cols) {
        SplittableRandom rnd = new SplittableRandom(Cases.SEED * 17 + cols);
        String tag = " cols=" + cols + " seed=" + (Cases.SEED * 17 + cols);
        int rows = 3;
        float[] x = Cases.uniform(rnd, rows * cols, 30f);
        float[] w = Cases.uniform(rnd, cols, 2f);
        float[] e = new float[rows * cols], s = new float[rows * cols];
        scalar.rmsNorm(e, x, w, rows, cols, 1e-5f);
        simd.rmsNorm(s, x, w, rows, cols, 1e-5f);
        assertClose("rmsNorm" + tag, e, s, rows * cols, 1e-6, 1e-5);

        scalar.logSoftmax(e, x, rows, cols);
        simd.logSoftmax(s, x, rows, cols);
        assertClose("logSoftmax" + tag, e, s, rows * cols, 1e-5, 1e-6);

        float[] pe = x.clone(), ps = x.clone();
        scalar.softmax(pe, rows, cols);
        simd.softmax(ps, rows, cols);
        assertClose("softmax" + tag, pe, ps, rows * cols, 1e-7, 1e-5);
    }

    @ParameterizedTest(name = "cols={0}")
    @MethodSource("rowLengths")
    void inPlaceOpsEqualScalar(int cols) {
        SplittableRandom rnd = new SplittableRandom(Cases.SEED * 7 + cols);
        String tag = " in place, cols=" + cols + " seed=" + (Cases.SEED * 7 + cols);
        float[] x = Cases.uniform(rnd, 2 * cols, 10f);
        for (Backend b : new Backend[] {scalar, simd}) {
            float[] expected = new float[2 * cols], actual = x.clone();
            scalar.logSoftmax(expected, x, 2, cols);
            b.logSoftmax(actual, actual, 2, cols);
            assertClose(b.name() + " logSoftmax" + tag, expected, actual, 2 * cols, 1e-5, 1e-6);
            scalar.silu(expected, x, 2 * cols);
            actual = x.clone();
            b.silu(actual, actual, 2 * cols);
            assertClose(b.name() + " silu" + tag, expected, actual, 2 * cols, 1e-30, ELEMENT_RTOL);
            scalar.add(expected, x, x, 2 * cols);
            actual = x.clone();
            b.add(actual, actual, actual, 2 * cols);
            assertClose(b.name() + " add" + tag, expected, actual, 2 * cols, 0, 0);
        }
    }

    /**
     * forEach: every task runs exactly once, on either backend, and tasks doing their own products
     * through the backend (run unsplit inside the task) give the scalar twin's results; a failing
     * task's exception reaches the caller, and a negative count is refused.
     */
    @ParameterizedTest(name = "tasks={0}")
    @ValueSource(ints = {0, 1, 2, 3, 8, 13})
    void forEachRunsEveryTaskOnceAndNestedProductsEqualScalar(int count) {
        int m = 37, n = 29, k = 61;
        SplittableRandom rnd = new SplittableRandom(count);
        float[] a = Cases.uniform(rnd, count * m * k, 1f), b = Cases.uniform(rnd, count * n * k, 1f);
        float[] expected = new float[count * m * n], actual = new float[count * m * n];
        AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, count));
        scalar.forEach(count, i -> scalar.matmul(expected, i * m * n, a, i * m * k, b, i * n * k, m, n, k));
        simd.forEach(count, i -> {
            runs.incrementAndGet(i);
            simd.matmul(actual, i * m * n, a, i * m * k, b, i * n * k, m, n, k);
        });
        for (int i = 0; i < count; i++) assertEquals(1, runs.get(i), "task " + i + " runs");
        double[] scale = new double[count * m * n];
        for (int i = 0; i < count; i++) {
            System.arraycopy(absProducts(a, i * m * k, b, i * n * k, m, n, k), 0, scale, i * m * n, m * n);
        }
        assertClose("forEach products", expected, 0, actual, 0, count * m * n, PRODUCT_ATOL, PRODUCT_RTOL, scale);
        var e = assertThrows(IllegalStateException.class, () -> simd.forEach(4, i -> {
            if (i == 1) throw new IllegalStateException("task 1 failed");
        }));
        assertEquals("task 1 failed", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> simd.forEach(-1, i -> {}));
        assertThrows(IllegalArgumentException.class, () -> scalar.forEach(-1, i -> {}));
    }

    @Test
    void shortOperandsAreRejectedNotOverrun() {
        float[] x = new float[64];
        for (Backend b : new Backend[] {scalar, simd}) {
            assertThrows(IllegalArgumentException.class, () -> b.add(new float[3], x, x, 64), b.name() + " add");
            assertThrows(IllegalArgumentException.class, () -> b.dot(x, 1, x, 0, 64), b.name() + " dot");
            assertThrows(IllegalArgumentException.class, () -> b.axpy(1f, x, 0, new float[10], 0, 64), b.name() + " axpy");
            assertThrows(IllegalArgumentException.class, () -> b.scale(x, 60, 5, 2f), b.name() + " scale");
            assertThrows(IllegalArgumentException.class, () -> b.multiplyAdd(x, 1, x, 0, x, 0, 64), b.name() + " multiplyAdd");
            assertThrows(IllegalArgumentException.class, () -> b.silu(new float[63], x, 64), b.name() + " silu");
            assertThrows(IllegalArgumentException.class, () -> b.softplus(x, new float[2], 3), b.name() + " softplus");
            assertThrows(IllegalArgumentException.class, () -> b.exp(x, x, -1), b.name() + " exp");
            assertThrows(IllegalArgumentException.class, () -> b.rmsNorm(x, x, new float[7], 8, 8, 1e-5f), b.name() + " rmsNorm weight");
            assertThrows(IllegalArgumentException.class,
                    () -> b.matvec(new float[4], new short[15], Half.Format.BF16, new float[4], 4, 4), b.name() + " half matvec");
        }
    }

    @Test
    void impossibleShapesAreRejectedBeforeAnyWork() {
        float[] c = new float[6];
        var ex = assertThrows(IllegalArgumentException.class, () -> simd.matmul(c, 0, new float[5], 0, new float[6], 0, 2, 3, 3));
        assertEquals(true, ex.getMessage().contains("matmul A"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> simd.matmul(c, 0, new float[6], 0, new float[6], 0, -1, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> scalar.rmsNorm(new float[3], new float[4], new float[2], 2, 2, 1e-5f));
    }

    /** {@code Σ_p |a[i,p]·b[j,p]|} in double for each output. */
    static double[] absProducts(float[] a, int aOff, float[] b, int bOff, int m, int n, int k) {
        double[] s = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) sum += Math.abs((double) a[aOff + i * k + p] * b[bOff + j * k + p]);
                s[i * n + j] = sum;
            }
        }
        return s;
    }
}
