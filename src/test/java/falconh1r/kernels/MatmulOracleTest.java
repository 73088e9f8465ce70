package falconh1r.kernels;

import falconh1r.testing.Close;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ojalgo.matrix.store.R064Store;

/**
 * An independent oracle: ojAlgo multiplies the same matrices in double precision, and every
 * backend's f32 product must lie within {@code 1e-6 + 1e-5·Σ|aᵢbᵢ|} of it (f32 accumulation error
 * is about √k·2⁻²⁴·Σ|aᵢbᵢ|, well inside for k ≤ 4096).
 */
class MatmulOracleTest {

    static final java.util.Map<String, Backend> BACKENDS = new java.util.HashMap<>();

    @AfterAll
    static void close() {
        BACKENDS.values().forEach(Backend::close);
        BACKENDS.clear();
    }

    static List<Cases.MatmulCase> cases() {
        return Cases.matmulCases(20);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesOjAlgoInDoublePrecision(Cases.MatmulCase t) {
        int m = t.m(), n = t.n(), k = t.k();
        SplittableRandom rnd = new SplittableRandom(t.seed());
        float[] a = Cases.uniform(rnd, m * k, 1f), b = Cases.uniform(rnd, n * k, 1f);
        R064Store oa = R064Store.FACTORY.make(m, k), obt = R064Store.FACTORY.make(k, n);
        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) oa.set(i, p, a[i * k + p]);
        for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) obt.set(p, j, b[j * k + p]);
        R064Store oc = R064Store.FACTORY.make(m, n);
        if (m > 0 && n > 0 && k > 0) oc.fillByMultiplying(oa, obt);   // k = 0: the empty sum, zeros
        float[] expected = new float[m * n];
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) expected[i * n + j] = (float) oc.doubleValue(i, j);
        double[] scale = SimdBackendTest.absProducts(a, 0, b, 0, m, n, k);
        for (String name : TestBackends.selected()) {
            Backend backend = BACKENDS.computeIfAbsent(name, TestBackends::create);
            float[] c = new float[m * n];
            java.util.Arrays.fill(c, Float.NaN);      // k = 0 must write zeros
            backend.matmul(c, a, b, m, n, k);
            Close.assertClose(backend.name() + " vs ojAlgo fp64, " + t, expected, 0, c, 0, m * n, 1e-6, 1e-5, scale);
        }
    }
}
