package falconh1r.tokenizer;

/**
 * A {@code tokenizer.json} this package cannot load. The message starts with the file, then the JSON
 * field as a path, then the reason, e.g.
 * {@code tokenizer.json: model.merges[12]: "Ġx" is not in model.vocab}.
 */
public final class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public TokenizerException(String source, String field, String reason) {
        this(source, field, reason, null);
    }

    public TokenizerException(String source, String field, String reason, Throwable cause) {
        super(source + ": " + (field == null ? "" : field + ": ") + reason, cause);
        this.field = field;
    }

    /** The JSON path concerned ({@code model.merges[12]}), or null when the whole file is (not JSON, not an object). */
    public String field() {
        return field;
    }
}
