package falconh1r.kernels;

import java.util.Arrays;
import java.util.List;

/**
 * The backends the parity tests run on: all three by default, or those named by the system
 * property {@code falcon.backend} (comma-separated), e.g. on a GPU machine
 * {@code bin/test -Dfalcon.backend=opencl -Dtest=TorchFixtureTest}.
 */
final class TestBackends {
    private TestBackends() {}

    static List<String> selected() {
        List<String> names = Arrays.stream(System.getProperty("falcon.backend", "scalar,simd,opencl").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String n : names) {
            if (!List.of("scalar", "simd", "opencl").contains(n)) {
                throw new IllegalArgumentException("-Dfalcon.backend: unknown backend '" + n + "'; expected " + Backends.NAMES);
            }
        }
        return names;
    }

    /** Creates one selected backend; opencl skips (or, with FALCON_REQUIRE_OPENCL=1, fails) without a device. */
    static Backend create(String name) {
        return name.equals("opencl") ? OpenClTestSupport.requireOrSkip() : Backends.create(name, 2);
    }
}
