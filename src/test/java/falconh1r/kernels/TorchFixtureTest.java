package falconh1r.kernels;

import falconh1r.io.SafetensorsFile;
import falconh1r.testing.Close;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every backend reproduces torch 2.9.1 (fixtures/kernels/kernels.safetensors, written by
 * fixtures/make_kernel_fixtures.py) on matmul, the backward of linear (autograd), bf16/fp16 matvec,
 * RMSNorm, softmax, log_softmax,
 * SiLU, softplus and exp, including huge, tiny, ±0, ±Inf and NaN inputs.
 *
 * <p>Tolerances: products {@code |Δ| ≤ 1e-5 + 1e-5·Σ|aᵢbᵢ|} (torch's summation order differs
 * from ours); element-wise and row ops {@code |Δ| ≤ atol + 1e-6·|e|} with small atols (a few ulps:
 * torch and the Vector API use different exp/log1p approximations). NaN must match NaN, ±Inf
 * exactly.
 */
class TorchFixtureTest {

    static SafetensorsFile fixtures;
    static final List<Backend> BACKENDS = new ArrayList<>();

    @BeforeAll
    static void open() {
        fixtures = SafetensorsFile.open(Path.of(System.getProperty("falcon.fixtures", "fixtures"), "kernels", "kernels.safetensors"));
    }

    @AfterAll
    static void close() {
        BACKENDS.forEach(Backend::close);
        BACKENDS.clear();
        fixtures.close();
    }

    static List<String> backends() {
        return TestBackends.selected();
    }

    /** The named backend, created on first use (opencl skips, or in CI fails, without a device). */
    static Backend backend(String name) {
        for (Backend b : BACKENDS) if (b.name().equals(name)) return b;
        BACKENDS.add(TestBackends.create(name));
        return BACKENDS.getLast();
    }

    private static float[] t(String name) {
        return fixtures.floats(name);
    }

    private static int dim(String name, int axis) {
        return Math.toIntExact(fixtures.shape(name)[axis]);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void matmulMatchesTorchLinear(String name) {
        Backend b = backend(name);
        for (String op : List.of("matmul_small", "matmul_tails", "matmul_long", "matvec")) {
            float[] a = t(op + ".a"), w = t(op + ".b");
            int m = dim(op + ".a", 0), k = dim(op + ".a", 1), n = dim(op + ".b", 0);
            float[] c = new float[m * n];
            b.matmul(c, a, w, m, n, k);
            double[] scale = SimdBackendTest.absProducts(a, 0, w, 0, m, n, k);
            Close.assertClose(name + " " + op, t(op + ".out"), 0, c, 0, m * n, 1e-5, 1e-5, scale);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void linearBackwardMatchesTorchAutograd(String name) {
        Backend b = backend(name);
        for (String op : List.of("linear_backward", "linear_backward_long")) {
            float[] x = t(op + ".x"), w = t(op + ".w"), dy = t(op + ".dy");
            int m = dim(op + ".x", 0), k = dim(op + ".x", 1), n = dim(op + ".w", 0);
            float[] dx = new float[m * k], dw = new float[n * k];
            b.matmulBackwardInput(dx, dy, w, m, n, k);
            b.matmulBackwardWeight(dw, dy, x, m, n, k);
            // dX[i,p] = Σ_j dY[i,j]·W[j,p]: scale by Σ_j |dY[i,j]·W[j,p]|; likewise for dW over i.
            double[] dxScale = new double[m * k], dwScale = new double[n * k];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    for (int p = 0; p < k; p++) {
                        dxScale[i * k + p] += Math.abs((double) dy[i * n + j] * w[j * k + p]);
                        dwScale[j * k + p] += Math.abs((double) dy[i * n + j] * x[i * k + p]);
                    }
                }
            }
            Close.assertClose(name + " " + op + " dX", t(op + ".dx"), 0, dx, 0, m * k, 1e-6, 1e-5, dxScale);
            Close.assertClose(name + " " + op + " dW", t(op + ".dw"), 0, dw, 0, n * k, 1e-6, 1e-5, dwScale);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void halfProductsMatchTorch(String name) {
        Backend b = backend(name);
        for (Half.Format format : Half.Format.values()) {
            String op = "matvec_" + format.name().toLowerCase();
            short[] bits = fixtures.halfBits(op + ".w_bits");
            int n = dim(op + ".w_bits", 0), k = dim(op + ".w_bits", 1);
            float[] widened = Half.toFloats(bits, format);
            Close.assertClose(op + " widening", t(op + ".w_float"), widened, n * k, 0, 0);   // exact
            float[] x = t(op + ".x"), y = new float[n];
            b.matvec(y, bits, format, x, n, k);
            double[] scale = SimdBackendTest.absProducts(x, 0, widened, 0, 1, n, k);
            Close.assertClose(name + " " + op, t(op + ".out"), 0, y, 0, n, 1e-5, 1e-5, scale);

            String mm = "matmul_" + format.name().toLowerCase();       // several rows of A (prefill)
            short[] wm = fixtures.halfBits(mm + ".w_bits");
            int rows = dim(mm + ".a", 0), out = dim(mm + ".w_bits", 0), in = dim(mm + ".w_bits", 1);
            float[] a = t(mm + ".a"), c = new float[rows * out];
            b.matmul(c, a, wm, format, rows, out, in);
            double[] mmScale = SimdBackendTest.absProducts(a, 0, Half.toFloats(wm, format), 0, rows, out, in);
            Close.assertClose(name + " " + mm, t(mm + ".out"), 0, c, 0, rows * out, 1e-5, 1e-5, mmScale);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void rowOpsMatchTorch(String name) {
        Backend b = backend(name);
        float[] x = t("rmsnorm.x");
        int rows = dim("rmsnorm.x", 0), dim = dim("rmsnorm.x", 1);
        float[] out = new float[rows * dim];
        b.rmsNorm(out, x, t("rmsnorm.weight"), rows, dim, t("rmsnorm.eps")[0]);
        Close.assertClose(name + " rmsnorm", t("rmsnorm.out"), out, rows * dim, 1e-6, 1e-5);

        float[] s = t("softmax.x");
        rows = dim("softmax.x", 0);
        int cols = dim("softmax.x", 1);
        b.softmax(s, rows, cols);
        Close.assertClose(name + " softmax", t("softmax.out"), s, rows * cols, 1e-7, 1e-5);
        float[] ls = new float[rows * cols];
        b.logSoftmax(ls, t("log_softmax.x"), rows, cols);
        Close.assertClose(name + " log_softmax", t("log_softmax.out"), ls, rows * cols, 1e-5, 1e-6);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void elementwiseOpsMatchTorchOnAwkwardValues(String name) {
        Backend b = backend(name);
        for (String op : List.of("silu", "softplus", "exp")) {
            float[] x = t(op + ".x");
            float[] y = new float[x.length];
            switch (op) {
                case "silu" -> b.silu(y, x, x.length);
                case "softplus" -> b.softplus(y, x, x.length);
                default -> b.exp(y, x, x.length);
            }
            Close.assertClose(name + " " + op, t(op + ".out"), y, x.length, 1e-37, 1e-6);
        }
    }
}
