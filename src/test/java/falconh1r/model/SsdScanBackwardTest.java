package falconh1r.model;

import static falconh1r.testing.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.testing.Gradcheck;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both backwards of the scan, {@link SsdScan#backward} (the reverse-time recurrence, the oracle) and
 * {@link SsdScan#chunkedBackward} (through the chunked form, on the scalar and SIMD backends), against
 * central differences of the chunked scan written in double ({@link MambaTwin#ssdChunked},
 * transformers' {@code mamba2_chunk_scan}), for the random linear functional {@code Σ R·y}: every
 * input's gradient (x, dt, A, B, C, the initial state) within {@code 1e-4 · max|g|} of the numeric
 * one (the backwards run in float; differences in double). Cases: L below, equal to and above the
 * chunk size (with a remainder), G = 1, 2 and H, zero and random initial states. The recurrence's
 * gradient does not depend on the chunk size it recomputes states by (bit for bit); the chunked
 * backward equals it within {@code 1e-5 · max|g|} at every chunk size.
 */
class SsdScanBackwardTest {

    static final double RTOL = 1e-4, TWIN_RTOL = 1e-5;

    static List<SsdScanTest.Case> cases() {
        return List.of(
                new SsdScanTest.Case("below chunk", 11, 5, 8, 4, 3, 1, 5, false, 1e-2, 2),
                new SsdScanTest.Case("equal to chunk, G=2", 12, 8, 8, 4, 2, 2, 3, false, 1e-2, 2),
                new SsdScanTest.Case("2 chunks + remainder, G=2", 13, 11, 4, 4, 3, 2, 5, false, 1e-2, 1.5),
                new SsdScanTest.Case("chunk + 1, G=H, zero state", 14, 7, 6, 3, 2, 3, 4, true, 1e-2, 2),
                new SsdScanTest.Case("one token", 15, 1, 4, 2, 3, 1, 3, false, 0.1, 1));
    }

    /** The backward forms: the recurrence, and the chunked form on each CPU backend. */
    static final List<String> FORMS = List.of("sequential", "chunked scalar", "chunked simd");

    static Stream<Arguments> formCases() {
        return cases().stream().flatMap(k -> FORMS.stream().map(f -> Arguments.of(k, f)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("formCases")
    void matchesFiniteDifferencesOfTheChunkedForm(SsdScanTest.Case k, String form) {
        SsdScanTest.Inputs in = SsdScanTest.Inputs.of(k);
        SsdScan.Dims d = k.dims();
        SplittableRandom r = new SplittableRandom(k.seed() + 1000);
        float[] dy = new float[in.x().length];
        for (int i = 0; i < dy.length; i++) dy[i] = (float) r.nextGaussian();

        SsdScan.Gradients g = run(k, in, dy, k.chunk(), form);

        double[] x = Gradcheck.widen(in.x()), dt = Gradcheck.widen(in.dt()), a = Gradcheck.widen(in.a());
        double[] b = Gradcheck.widen(in.b()), c = Gradcheck.widen(in.c()), s0 = Gradcheck.widen(in.state());
        double[] rr = Gradcheck.widen(dy);
        DoubleSupplier f = () -> {
            double[] y = MambaTwin.ssdChunked(d, k.length(), k.chunk(), x, dt, a, b, c, s0.clone());
            double sum = 0;
            for (int i = 0; i < y.length; i++) sum += rr[i] * y[i];
            return sum;
        };
        String what = "SsdScanBackwardTest " + form + " " + k;
        Gradcheck.assertGradient(what + " dx", Gradcheck.numeric(x, f), g.dx(), RTOL);
        Gradcheck.assertGradient(what + " ddt", Gradcheck.numeric(dt, f), g.ddt(), RTOL);
        Gradcheck.assertGradient(what + " dA", Gradcheck.numeric(a, f), g.dA(), RTOL);
        Gradcheck.assertGradient(what + " dB", Gradcheck.numeric(b, f), g.dB(), RTOL);
        Gradcheck.assertGradient(what + " dC", Gradcheck.numeric(c, f), g.dC(), RTOL);
        Gradcheck.assertGradient(what + " dState", Gradcheck.numeric(s0, f), g.dState(), RTOL);
    }

    /** The chunked backward against its oracle, the recurrence, at several chunk sizes and on longer sequences. */
    static List<SsdScanTest.Case> twinCases() {
        List<SsdScanTest.Case> out = new java.util.ArrayList<>(cases());
        out.add(new SsdScanTest.Case("Falcon-like, many chunks", 16, 150, 32, 8, 16, 2, 16, false, 1e-3, 2));
        out.add(new SsdScanTest.Case("tiny dt, zero state", 17, 40, 16, 3, 5, 1, 7, true, 1e-5, 1e-3));
        out.add(new SsdScanTest.Case("large dt", 18, 40, 16, 2, 3, 2, 5, false, 1, 20));
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("twinCases")
    void chunkedBackwardEqualsTheRecurrenceAtEveryChunkSize(SsdScanTest.Case k) {
        SsdScanTest.Inputs in = SsdScanTest.Inputs.of(k);
        SplittableRandom r = new SplittableRandom(k.seed() + 2000);
        float[] dy = new float[in.x().length];
        for (int i = 0; i < dy.length; i++) dy[i] = (float) r.nextGaussian();
        SsdScan.Gradients ref = run(k, in, dy, k.chunk(), "sequential");
        for (int q : new int[] {1, 3, k.chunk(), k.length() + 5}) {
            for (String form : List.of("chunked scalar", "chunked simd")) {
                SsdScan.Gradients g = run(k, in, dy, q, form);
                String what = k + " " + form + " Q=" + q;
                Gradcheck.assertGradient(what + " dx", Gradcheck.widen(ref.dx()), g.dx(), TWIN_RTOL);
                Gradcheck.assertGradient(what + " ddt", Gradcheck.widen(ref.ddt()), g.ddt(), TWIN_RTOL);
                Gradcheck.assertGradient(what + " dA", Gradcheck.widen(ref.dA()), g.dA(), TWIN_RTOL);
                Gradcheck.assertGradient(what + " dB", Gradcheck.widen(ref.dB()), g.dB(), TWIN_RTOL);
                Gradcheck.assertGradient(what + " dC", Gradcheck.widen(ref.dC()), g.dC(), TWIN_RTOL);
                Gradcheck.assertGradient(what + " dState", Gradcheck.widen(ref.dState()), g.dState(), TWIN_RTOL);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientDoesNotDependOnTheChunkSize(SsdScanTest.Case k) {
        SsdScanTest.Inputs in = SsdScanTest.Inputs.of(k);
        float[] dy = in.x().clone();
        SsdScan.Gradients ref = run(k, in, dy, 1);
        for (int q : new int[] {2, 3, k.chunk(), k.length() + 5}) {
            SsdScan.Gradients g = run(k, in, dy, q);
            assertClose(k + " Q=" + q + " dx", ref.dx(), g.dx(), ref.dx().length, 0, 0);
            assertClose(k + " Q=" + q + " ddt", ref.ddt(), g.ddt(), ref.ddt().length, 0, 0);
            assertClose(k + " Q=" + q + " dA", ref.dA(), g.dA(), ref.dA().length, 0, 0);
            assertClose(k + " Q=" + q + " dB", ref.dB(), g.dB(), ref.dB().length, 0, 0);
            assertClose(k + " Q=" + q + " dC", ref.dC(), g.dC(), ref.dC().length, 0, 0);
            assertClose(k + " Q=" + q + " dState", ref.dState(), g.dState(), ref.dState().length, 0, 0);
        }
    }

    @Test
    void accumulatesAndSkipsTheStateGradientWhenNull() {
        SsdScanTest.Case k = cases().get(2);
        SsdScanTest.Inputs in = SsdScanTest.Inputs.of(k);
        float[] dy = in.x().clone();
        SsdScan.Gradients once = run(k, in, dy, k.chunk());
        SsdScan.Gradients twice = new SsdScan.Gradients(once.dx().clone(), once.ddt().clone(), once.dA().clone(),
                once.dB().clone(), once.dC().clone(), null);
        SsdScan.backward(k.dims(), k.length(), k.chunk(), in.x(), in.dt(), in.a(), in.b(), in.c(), in.state(), dy, twice);
        float[] doubled = once.dx().clone();
        for (int i = 0; i < doubled.length; i++) doubled[i] *= 2;
        assertClose("dx accumulated twice", doubled, twice.dx(), doubled.length, 0, 0);
    }

    @Test
    void rejectsBadSizes() {
        SsdScan.Dims d = new SsdScan.Dims(2, 3, 1, 4);
        SsdScan.Gradients g = new SsdScan.Gradients(new float[12], new float[4], new float[2], new float[8], new float[8], null);
        float[] x = new float[12], dt = new float[4], a = new float[2], b = new float[8], c = new float[8];
        assertThrows(IllegalArgumentException.class, () -> SsdScan.backward(d, 2, 0, x, dt, a, b, c, null, new float[12], g));
        assertThrows(IllegalArgumentException.class, () -> SsdScan.backward(d, 2, 4, x, dt, a, b, c, null, new float[11], g));
        SsdScan.Gradients shortDb = new SsdScan.Gradients(new float[12], new float[4], new float[2], new float[7], new float[8], null);
        assertThrows(IllegalArgumentException.class, () -> SsdScan.backward(d, 2, 4, x, dt, a, b, c, null, new float[12], shortDb));
    }

    private static SsdScan.Gradients run(SsdScanTest.Case k, SsdScanTest.Inputs in, float[] dy, int chunk) {
        return run(k, in, dy, chunk, "sequential");
    }

    /** Fresh gradients of one backward {@code form} (see {@link #FORMS}) at chunk size {@code chunk}. */
    private static SsdScan.Gradients run(SsdScanTest.Case k, SsdScanTest.Inputs in, float[] dy, int chunk, String form) {
        SsdScan.Gradients g = new SsdScan.Gradients(new float[in.x().length], new float[in.dt().length],
                new float[in.a().length], new float[in.b().length], new float[in.c().length], new float[in.state().length]);
        if (form.equals("sequential")) {
            SsdScan.backward(k.dims(), k.length(), chunk, in.x(), in.dt(), in.a(), in.b(), in.c(), in.state(), dy, g);
        } else {
            try (Backend backend = Backends.create(form.substring("chunked ".length()), 2)) {
                SsdScan.chunkedBackward(backend, k.dims(), k.length(), chunk, in.x(), in.dt(), in.a(), in.b(), in.c(),
                        in.state(), dy, g);
            }
        }
        return g;
    }
}
