package falconh1r.bench;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.kernels.Half;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.ojalgo.matrix.store.R032Store;

/**
 * Times {@code C[m,n] = A[m,k]·B[n,k]ᵀ} on one backend, or on ojAlgo as a baseline, and reports
 * GFLOP/s ({@code 2·m·n·k} flops per product) and GB/s (bytes of A, B and C touched once).
 *
 * <p>Warm-up runs until {@code warmupSeconds} have passed (so C2 has compiled the kernels), then
 * iterations are timed one by one for {@code measureSeconds}; the median is reported, with the best.
 */
public final class MatmulBench {

    /** Storage of B: f32, or packed 16-bit weights widened on the fly (matvec only). */
    public enum Dtype { f32, bf16, f16 }

    /** One measurement. */
    public record Result(String impl, int m, int n, int k, Dtype dtype, int threads, int iterations,
                         double medianSeconds, double bestSeconds) {
        public double gflops() {
            return 2.0 * m * n * k / medianSeconds / 1e9;
        }

        /** Bytes moved per product, each operand read or written once. */
        public double bytes() {
            double weightBytes = dtype == Dtype.f32 ? 4.0 : 2.0;
            return 4.0 * m * k + weightBytes * n * k + 4.0 * m * n;
        }

        public double gbPerSecond() {
            return bytes() / medianSeconds / 1e9;
        }

        /** The line `bench matmul` prints; it ends in {@code GFLOP/s: <number>}. */
        public String line() {
            return String.format("matmul %s m=%d n=%d k=%d dtype=%s threads=%d: %d iters, median %.3f ms, best %.3f ms, "
                            + "GB/s: %.2f, GFLOP/s: %.2f",
                    impl, m, n, k, dtype, threads, iterations, medianSeconds * 1e3, bestSeconds * 1e3, gbPerSecond(), gflops());
        }
    }

    private MatmulBench() {}

    /**
     * Runs the benchmark. {@code impl} is a backend name or {@code ojalgo}; {@code dtype} is
     * {@code f32}, or {@code bf16}/{@code f16} for packed weights (then {@code m} must be 1: matvec).
     */
    public static Result run(String impl, int m, int n, int k, Dtype dtype, int threads,
                             double warmupSeconds, double measureSeconds) {
        if (m < 1 || n < 1 || k < 1) throw new IllegalArgumentException("m, n, k must be >= 1");
        SplittableRandom rnd = new SplittableRandom(42);
        float[] a = random(rnd, m * k), b = random(rnd, n * k), c = new float[m * n];
        Runnable op;
        AutoCloseable resource = null;
        if (impl.equals("ojalgo")) {
            if (dtype != Dtype.f32) throw new IllegalArgumentException("ojalgo baseline runs f32 only");
            quietOjAlgoInit();
            R032Store sa = R032Store.FACTORY.make(m, k), sbt = R032Store.FACTORY.make(k, n), sc = R032Store.FACTORY.make(m, n);
            for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) sa.set(i, p, a[i * k + p]);
            for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) sbt.set(p, j, b[j * k + p]);
            op = () -> sc.fillByMultiplying(sa, sbt);
        } else {
            Backend backend = Backends.create(impl, threads);
            resource = backend;
            if (dtype == Dtype.f32) {
                backend.registerWeight(b);
                op = () -> backend.matmul(c, a, b, m, n, k);
            } else {
                if (m != 1) throw new IllegalArgumentException("--dtype " + dtype + " is a matvec: use --m 1");
                Half.Format format = dtype == Dtype.bf16 ? Half.Format.BF16 : Half.Format.F16;
                short[] w = new short[n * k];
                for (int i = 0; i < w.length; i++) w[i] = Half.fromFloat(b[i], format);
                op = () -> backend.matvec(c, w, format, a, n, k);
            }
            impl = backend.name();      // opencl may have fallen back to simd
        }
        try {
            double[] times = time(op, warmupSeconds, measureSeconds);
            Arrays.sort(times);
            return new Result(impl, m, n, k, dtype, threads, times.length, times[times.length / 2], times[0]);
        } finally {
            if (resource != null) {
                try {
                    resource.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /**
     * ojAlgo prints a paragraph to stdout when it has no hardware profile for this machine; keep the
     * benchmark's output to its one line by swallowing stdout while its classes initialise.
     */
    private static void quietOjAlgoInit() {
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            org.ojalgo.OjAlgoUtils.ENVIRONMENT.getClass();
        } finally {
            System.setOut(out);
        }
    }

    private static double[] time(Runnable op, double warmupSeconds, double measureSeconds) {
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        int warm = 0;
        do {
            op.run();
            warm++;
        } while (System.nanoTime() < warmEnd || warm < 2);
        double[] times = new double[16];
        int count = 0;
        long end = System.nanoTime() + (long) (measureSeconds * 1e9);
        do {
            long t0 = System.nanoTime();
            op.run();
            long t1 = System.nanoTime();
            if (count == times.length) times = Arrays.copyOf(times, count * 2);
            times[count++] = (t1 - t0) / 1e9;
        } while (System.nanoTime() < end || count < 3);
        return Arrays.copyOf(times, count);
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
        return x;
    }
}
