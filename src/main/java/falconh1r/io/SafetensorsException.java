package falconh1r.io;

import java.nio.file.Path;

/**
 * A safetensors file or checkpoint folder that cannot be read or written. The message always
 * starts with the file (or folder) concerned, then the reason, e.g.
 * {@code model.safetensors: tensor 'a.weight': data_offsets [0, 96] hold 96 bytes but F32 [4, 8] needs 128}.
 */
public final class SafetensorsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SafetensorsException(Path file, String reason) {
        this(file, reason, null);
    }

    public SafetensorsException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
    }
}
