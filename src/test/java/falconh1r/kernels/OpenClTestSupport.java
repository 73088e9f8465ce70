package falconh1r.kernels;

import org.junit.jupiter.api.Assumptions;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The skip policy of every OpenCL test, in one place: without a usable OpenCL device the tests are
 * skipped, unless the environment sets {@code FALCON_REQUIRE_OPENCL=1} (a machine that is meant to
 * have one), in which case they fail and say why.
 */
final class OpenClTestSupport {
    private OpenClTestSupport() {}

    static final String REQUIRE_ENV = "FALCON_REQUIRE_OPENCL";

    /** An {@link OpenClBackend} over a {@link ScalarBackend} host; skips or fails the caller without one. */
    static OpenClBackend requireOrSkip() {
        StringBuilder why = new StringBuilder();
        Optional<OpenClBackend> backend = OpenClBackend.tryCreate(new ScalarBackend(), why::append);
        if (backend.isPresent()) {
            return backend.get();
        }
        if ("1".equals(System.getenv(REQUIRE_ENV))) {
            fail(REQUIRE_ENV + "=1 but OpenCL is unusable: " + why);
        }
        Assumptions.abort("OpenCL unusable, test skipped (set " + REQUIRE_ENV + "=1 to fail instead): " + why);
        throw new AssertionError("unreachable");
    }
}
