package falconh1r.kernels;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code C[m,n] = A[m,k]·B[n,k]ᵀ} per backend on the shapes. Besides ops/s, JMH prints
 * two secondary rates: {@code gflop} (GFLOP/s, 2·m·n·k per product) and {@code gbyte} (GB/s,
 * every operand touched once).
 *
 * <pre>bin/jmh MatmulBenchmark -p backend=simd</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0", "-XX:+UseTransparentHugePages"})
@State(Scope.Benchmark)
public class MatmulBenchmark {

    /** m x n x k. */
    @Param({"1x4096x4096", "64x1024x1024", "512x2048x2048", "1024x1024x1024"})
    public String shape;

    @Param({"simd", "opencl", "scalar"})
    public String backend;

    int m, n, k;
    float[] a, b, c;
    Backend impl;

    /** Secondary results, normalised by time: GFLOP/s and GB/s. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Rates {
        public double gflop;
        public double gbyte;
    }

    @Setup(Level.Trial)
    public void setUp() {
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        k = Integer.parseInt(s[2]);
        SplittableRandom rnd = new SplittableRandom(1);
        a = new float[m * k];
        b = new float[n * k];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextDouble();
        for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextDouble();
        impl = Backends.create(backend);
        if (!impl.name().equals(backend)) {
            impl.close();
            throw new IllegalStateException(backend + " is unavailable (see the '" + backend + ": ...' line above); "
                    + "refusing to measure " + impl.name() + " as backend=" + backend);
        }
        impl.registerWeight(b);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        impl.close();
    }

    @Benchmark
    public float[] matmul(Rates rates) {
        impl.matmul(c, a, b, m, n, k);
        rates.gflop += 2e-9 * m * n * k;
        rates.gbyte += 4e-9 * ((double) m * k + (double) n * k + (double) m * n);
        return c;
    }
}
