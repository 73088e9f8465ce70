package falconh1r.cli;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import picocli.CommandLine.Option;

/** {@code --backend} and {@code --threads}, shared by the commands that run the model (a picocli mixin). */
final class BackendOptions {
    @Option(names = "--backend", defaultValue = "simd", description = Backends.NAMES + " (default ${DEFAULT-VALUE})")
    String name;
    @Option(names = "--threads", description = "threads (default: all processors)")
    Integer threads;

    /** The thread count asked for, or every available processor. */
    int threads() {
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** The backend the user named: an unknown name is the user's error, not the library's. */
    Backend open() {
        try {
            return Backends.create(name, threads());
        } catch (IllegalArgumentException e) {
            throw new UserError("--backend: " + e.getMessage());
        }
    }
}
