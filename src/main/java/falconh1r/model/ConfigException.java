package falconh1r.model;

/**
 * A {@code config.json} that cannot describe a Falcon-H1 model. The message starts with the file
 * (or source name), then the field, then the reason, e.g.
 * {@code config.json: mamba_n_heads: 7 does not divide mamba_d_ssm 1536}.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public ConfigException(String source, String field, String reason) {
        super(source + ": " + (field == null ? "" : field + ": ") + reason);
        this.field = field;
    }

    public ConfigException(String source, String field, String reason, Throwable cause) {
        super(source + ": " + (field == null ? "" : field + ": ") + reason, cause);
        this.field = field;
    }

    /** The config key concerned, or null when the whole file is (invalid JSON, not an object). */
    public String field() {
        return field;
    }
}
