package falconh1r.kernels;

/**
 * No usable OpenCL device: none found, or a kernel failed to compile or run on it. The message is one
 * line saying why, fit to print before falling back.
 */
public final class OpenClUnavailableException extends RuntimeException {

    OpenClUnavailableException(String reason) {
        super(reason);
    }

    OpenClUnavailableException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
