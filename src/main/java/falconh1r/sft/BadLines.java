package falconh1r.sft;

import falconh1r.io.JsonlReader;

/**
 * What happens to a data line that cannot be a sample (malformed JSON, a missing or mistyped field,
 * an unknown role): by default it is skipped with a warning naming {@code file:line} and the reason,
 * and counted; with {@code strict} the first one stops the run with a {@link BadLineException}.
 */
public final class BadLines {
    private static final System.Logger LOG = System.getLogger(BadLines.class.getName());

    /** A bad line under the strict policy; the message names {@code file:line} and the reason. */
    public static final class BadLineException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        BadLineException(String message) {
            super(message);
        }
    }

    private final boolean strict;
    private long count;

    public BadLines(boolean strict, long countSoFar) {
        if (countSoFar < 0) throw new IllegalArgumentException("countSoFar must be >= 0, got " + countSoFar);
        this.strict = strict;
        this.count = countSoFar;
    }

    public boolean strict() {
        return strict;
    }

    /** Bad lines skipped so far (every pass over a file counts its bad lines again). */
    public long count() {
        return count;
    }

    /** Skips (warning, count) or, when strict, throws. */
    public void report(JsonlReader.Line line, String reason) {
        String message = line.where() + ": " + reason;
        if (strict) throw new BadLineException("bad data line " + message);
        count++;
        LOG.log(System.Logger.Level.WARNING, "skipping bad data line " + message + " (" + count + " skipped so far)");
    }
}
