package falconh1r.kernels;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * Decode-time {@code y[n] = W[n,k]·x[k]} with W in f32, bf16 or fp16 (widened on the fly). Memory
 * bound: read the {@code gbyte} rate (GB/s of weights + vectors) against the machine's bandwidth.
 *
 * <pre>bin/jmh MatvecBenchmark</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0", "-XX:+UseTransparentHugePages"})
@State(Scope.Benchmark)
public class MatvecBenchmark {

    @Param({"4096x4096"})
    public String shape;

    @Param({"f32", "bf16", "f16"})
    public String dtype;

    @Param({"simd", "opencl", "scalar"})
    public String backend;

    int n, k;
    float[] x, y, w;
    short[] packed;
    Half.Format format;
    Backend impl;

    @Setup(Level.Trial)
    public void setUp() {
        String[] s = shape.split("x");
        n = Integer.parseInt(s[0]);
        k = Integer.parseInt(s[1]);
        SplittableRandom rnd = new SplittableRandom(1);
        x = new float[k];
        y = new float[n];
        w = new float[n * k];
        for (int i = 0; i < k; i++) x[i] = (float) rnd.nextDouble();
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextDouble();
        if (!dtype.equals("f32")) {
            format = dtype.equals("bf16") ? Half.Format.BF16 : Half.Format.F16;
            packed = new short[w.length];
            for (int i = 0; i < w.length; i++) packed[i] = Half.fromFloat(w[i], format);
        }
        impl = Backends.create(backend);
        if (!impl.name().equals(backend)) {
            impl.close();
            throw new IllegalStateException(backend + " is unavailable (see the '" + backend + ": ...' line above); "
                    + "refusing to measure " + impl.name() + " as backend=" + backend);
        }
        if (packed == null) impl.registerWeight(w);   // packed 16-bit matrices are always weights
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        impl.close();
    }

    @Benchmark
    public float[] matvec(MatmulBenchmark.Rates rates) {
        if (packed == null) impl.matvec(y, w, x, n, k);
        else impl.matvec(y, packed, format, x, n, k);
        rates.gflop += 2e-9 * n * k;
        rates.gbyte += 1e-9 * ((packed == null ? 4.0 : 2.0) * n * k + 4.0 * (n + k));
        return y;
    }
}
