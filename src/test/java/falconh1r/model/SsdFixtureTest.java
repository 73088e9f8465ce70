package falconh1r.model;

import static falconh1r.testing.Close.assertClose;

import falconh1r.io.SafetensorsFile;
import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.testing.Close;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both SSD forms reproduce transformers 5.24.0 (fixtures/ssd/ssd.safetensors, written by
 * fixtures/make_ssd_fixtures.py): {@link SsdScan#chunked} against {@code mamba2_chunk_scan} and
 * {@link SsdScan#sequential} against {@code mamba2_selective_state_update} applied token by token,
 * each also against the other's reference. Tolerance {@code |Δ| ≤ 1e-5 + 1e-5·|expected|}.
 */
class SsdFixtureTest {

    static final double ATOL = 1e-5, RTOL = 1e-5;
    static SafetensorsFile fixtures;

    @BeforeAll
    static void open() {
        fixtures = SafetensorsFile.open(Path.of(System.getProperty("falcon.fixtures", "fixtures"), "ssd", "ssd.safetensors"));
    }

    @AfterAll
    static void close() {
        fixtures.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String name : List.of("multi_chunk_remainder", "below_chunk_g_eq_h", "exact_chunks_wide_dt", "one_token")) {
            out.add(Arguments.of(name, "sequential"));
            out.add(Arguments.of(name, "chunked scalar"));
            out.add(Arguments.of(name, "chunked simd"));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("cases")
    void matchesTransformers(String name, String form) {
        long[] xs = fixtures.shape(name + ".x"), bs = fixtures.shape(name + ".B");
        int length = (int) xs[0];
        SsdScan.Dims d = new SsdScan.Dims((int) xs[1], (int) xs[2], (int) bs[1], (int) bs[2]);
        float[] x = t(name + ".x"), state = t(name + ".initial_state"), y = new float[x.length];
        if (form.equals("sequential")) {
            SsdScan.sequential(d, length, x, t(name + ".dt"), t(name + ".A"), t(name + ".B"), t(name + ".C"), state, y);
        } else {
            try (Backend backend = Backends.create(form.substring("chunked ".length()), 2)) {
                SsdScan.chunked(backend, d, length, fixtures.ints(name + ".chunk_size")[0], x, t(name + ".dt"),
                        t(name + ".A"), t(name + ".B"), t(name + ".C"), state, y);
            }
        }
        for (String ref : List.of("chunked", "step")) {
            float[] ey = t(name + "." + ref + ".y"), es = t(name + "." + ref + ".final_state");
            System.out.printf("SsdFixtureTest %s %s vs transformers %s: max |diff| y %.2e, state %.2e%n", name, form, ref,
                    Close.maxAbsDiff(ey, y, ey.length), Close.maxAbsDiff(es, state, es.length));
            assertClose(name + " " + form + " y vs " + ref, ey, y, ey.length, ATOL, RTOL);
            assertClose(name + " " + form + " final state vs " + ref, es, state, es.length, ATOL, RTOL);
        }
    }

    private static float[] t(String name) {
        return fixtures.floats(name);
    }
}
