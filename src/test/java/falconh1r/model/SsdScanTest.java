package falconh1r.model;

import static falconh1r.testing.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.testing.Close;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SsdScan#chunked} equals its oracle {@link SsdScan#sequential} on seeded random inputs:
 * lengths below, equal to and above the chunk size, several chunks plus a remainder, chunk size 1,
 * G = 1, G = 2 and G = H, zero and non-zero initial states, dt from 1e-5 to 20, odd P and N; on the
 * scalar and SIMD backends.
 *
 * <p>Tolerance for y and the final state: {@code |Δ| ≤ 1e-5 + 1e-5·|expected|} (float32; the two
 * forms sum in different orders and chunked computes decays as exp of sums, not products of exps).
 */
class SsdScanTest {

    static final double ATOL = 1e-5, RTOL = 1e-5;

    /** One random problem; the seed is in the name. */
    record Case(String name, long seed, int length, int chunk, int heads, int headDim, int groups, int stateSize,
                boolean zeroState, double dtLo, double dtHi) {
        @Override
        public String toString() {
            return name + " seed=" + seed + " L=" + length + " Q=" + chunk + " H=" + heads + " P=" + headDim
                    + " G=" + groups + " N=" + stateSize + (zeroState ? " zero state" : "") + " dt∈[" + dtLo + "," + dtHi + "]";
        }

        SsdScan.Dims dims() {
            return new SsdScan.Dims(heads, headDim, groups, stateSize);
        }
    }

    /** Seeded inputs x [L,H,P], dt [L,H] log-uniform in [dtLo, dtHi], A [H] = -(h+1)·e^{0.3·ε}, B, C [L,G,N], state [H,P,N]. */
    record Inputs(float[] x, float[] dt, float[] a, float[] b, float[] c, float[] state) {
        static Inputs of(Case k) {
            SplittableRandom r = new SplittableRandom(k.seed());
            int l = k.length(), h = k.heads(), gn = k.groups() * k.stateSize();
            float[] dt = new float[l * h];
            for (int i = 0; i < dt.length; i++) {
                dt[i] = (float) Math.exp(Math.log(k.dtLo()) + r.nextDouble() * (Math.log(k.dtHi()) - Math.log(k.dtLo())));
            }
            float[] a = new float[h];
            for (int i = 0; i < h; i++) a[i] = (float) (-(i + 1) * Math.exp(0.3 * r.nextGaussian()));
            float[] state = k.zeroState() ? new float[h * k.headDim() * k.stateSize()] : gauss(r, h * k.headDim() * k.stateSize());
            return new Inputs(gauss(r, l * h * k.headDim()), dt, a, gauss(r, l * gn), gauss(r, l * gn), state);
        }

        private static float[] gauss(SplittableRandom r, int n) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
            return v;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("below chunk", 1, 5, 8, 4, 3, 1, 5, false, 1e-3, 2),
                new Case("equal to chunk, G=2", 2, 8, 8, 2, 5, 2, 3, false, 1e-3, 2),
                new Case("chunk + 1, G=H", 3, 9, 8, 3, 3, 3, 7, false, 1e-3, 2),
                new Case("3 chunks + remainder, G=2", 4, 27, 8, 4, 7, 2, 5, false, 1e-2, 3),
                new Case("zero initial state", 5, 20, 6, 2, 3, 1, 9, true, 1e-2, 1),
                new Case("tiny dt", 6, 17, 4, 3, 5, 1, 3, false, 1e-5, 1e-3),
                new Case("large dt", 7, 17, 5, 2, 3, 2, 5, false, 1, 20),
                new Case("chunk size 1", 8, 7, 1, 2, 3, 1, 3, false, 1e-2, 1),
                new Case("one token", 9, 1, 4, 2, 3, 2, 3, false, 1e-2, 1),
                new Case("Falcon-like, many chunks", 10, 300, 64, 8, 16, 2, 16, false, 1e-3, 2));
    }

    static Stream<Arguments> casesOnBackends() {
        List<Arguments> out = new ArrayList<>();
        for (String backend : List.of("scalar", "simd")) for (Case k : cases()) out.add(Arguments.of(backend, k));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("casesOnBackends")
    void chunkedEqualsSequential(String backendName, Case k) {
        Inputs in = Inputs.of(k);
        SsdScan.Dims d = k.dims();
        float[] ySeq = new float[in.x().length], sSeq = in.state().clone();
        SsdScan.sequential(d, k.length(), in.x(), in.dt(), in.a(), in.b(), in.c(), sSeq, ySeq);
        float[] yCh = new float[in.x().length], sCh = in.state().clone();
        try (Backend backend = Backends.create(backendName, 2)) {
            SsdScan.chunked(backend, d, k.length(), k.chunk(), in.x(), in.dt(), in.a(), in.b(), in.c(), sCh, yCh);
        }
        System.out.printf("SsdScanTest %s %s: max |diff| y %.2e, state %.2e%n", backendName, k,
                Close.maxAbsDiff(ySeq, yCh, ySeq.length), Close.maxAbsDiff(sSeq, sCh, sSeq.length));
        assertClose(backendName + " " + k + " y", ySeq, yCh, ySeq.length, ATOL, RTOL);
        assertClose(backendName + " " + k + " final state", sSeq, sCh, sSeq.length, ATOL, RTOL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void stepTokenByTokenEqualsSequential(Case k) {
        Inputs in = Inputs.of(k);
        SsdScan.Dims d = k.dims();
        int hp = k.heads() * k.headDim(), gn = k.groups() * k.stateSize();
        float[] ySeq = new float[in.x().length], sSeq = in.state().clone();
        SsdScan.sequential(d, k.length(), in.x(), in.dt(), in.a(), in.b(), in.c(), sSeq, ySeq);
        float[] yStep = new float[in.x().length], sStep = in.state().clone(), yt = new float[hp];
        for (int t = 0; t < k.length(); t++) {
            SsdScan.step(d, slice(in.x(), t, hp), slice(in.dt(), t, k.heads()), in.a(), slice(in.b(), t, gn),
                    slice(in.c(), t, gn), sStep, yt);
            System.arraycopy(yt, 0, yStep, t * hp, hp);
        }
        assertClose(k + " y", ySeq, yStep, ySeq.length, 0, 0);   // the same arithmetic: exact
        assertClose(k + " final state", sSeq, sStep, sSeq.length, 0, 0);
    }

    @Test
    void emptySequenceLeavesTheStateAlone() {
        SsdScan.Dims d = new SsdScan.Dims(2, 3, 1, 4);
        float[] state = new float[24];
        state[5] = 1.5f;
        float[] before = state.clone();
        try (Backend backend = Backends.create("scalar", 1)) {
            SsdScan.chunked(backend, d, 0, 4, new float[0], new float[0], new float[2], new float[0], new float[0], state, new float[0]);
        }
        assertClose("state", before, state, state.length, 0, 0);
    }

    @Test
    void rejectsBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> new SsdScan.Dims(3, 4, 2, 5));
        assertThrows(IllegalArgumentException.class, () -> new SsdScan.Dims(0, 4, 1, 5));
        SsdScan.Dims d = new SsdScan.Dims(2, 3, 1, 4);
        assertThrows(IllegalArgumentException.class, () -> SsdScan.sequential(d, 2, new float[11], new float[4],
                new float[2], new float[8], new float[8], new float[24], new float[12]));
        try (Backend backend = Backends.create("scalar", 1)) {
            assertThrows(IllegalArgumentException.class, () -> SsdScan.chunked(backend, d, 2, 0, new float[12],
                    new float[4], new float[2], new float[8], new float[8], new float[24], new float[12]));
        }
    }

    private static float[] slice(float[] a, int t, int n) {
        float[] s = new float[n];
        System.arraycopy(a, t * n, s, 0, n);
        return s;
    }
}
