package falconh1r.kernels;

import java.util.Locale;

/**
 * Creates a backend by name: {@code scalar}, {@code simd} or {@code opencl} (the CLI's
 * {@code --backend} option).
 */
public final class Backends {
    private Backends() {}

    /** The names accepted by {@link #create(String)}. */
    public static final String NAMES = "scalar, simd, opencl";

    /** Creates the named backend with every available processor. */
    public static Backend create(String name) {
        return create(name, Runtime.getRuntime().availableProcessors());
    }

    /** Creates the named backend; {@code threads} applies to the CPU backends. */
    public static Backend create(String name, int threads) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "scalar" -> new ScalarBackend();
            case "simd" -> new SimdBackend(threads);
            case "opencl" -> OpenClBackend.orHost(new SimdBackend(threads), System.err);
            default -> throw new IllegalArgumentException("unknown backend '" + name + "'; expected one of " + NAMES);
        };
    }

    /** One line on OpenCL availability, for {@code falcon-h1r info}. */
    public static String openClStatus() {
        StringBuilder why = new StringBuilder();
        return OpenClBackend.tryCreate(new ScalarBackend(), why::append).map(backend -> {
            try (backend) {
                return "available: " + backend.deviceDescription();
            }
        }).orElse("unavailable: " + why);
    }
}
