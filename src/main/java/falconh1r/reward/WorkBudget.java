package falconh1r.reward;

/**
 * A deterministic bound on the work of one tier-2 check, standing in for Math-Verify's 5-second
 * timeouts: every character a regex reads (through {@link #view}), every character a scan passes and
 * every parser step spends one unit; when the units run out, {@link Exhausted} ends the check, and the
 * prediction scores 0 as a timed-out Math-Verify call does. Counting units instead of watching a clock
 * keeps the result the same on every machine and under any load.
 */
final class WorkBudget {
    /**
     * Units for one tier-2 check: a 100,000-character reasoning trace needs 0.6 to 0.9 million (the longest
     * fixture pair 0.06 million); the hostile inputs of HostileInputTest stop here after about 20 ms.
     */
    static final long DEFAULT_UNITS = 1_000_000L;

    /** Thrown when the budget is spent; no stack trace. */
    static final class Exhausted extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Exhausted INSTANCE = new Exhausted();

        private Exhausted() {
            super(null, null, false, false);
        }
    }

    private long left;

    WorkBudget(long units) {
        this.left = units;
    }

    void spend(long units) {
        if ((left -= units) < 0) throw Exhausted.INSTANCE;
    }

    long left() {
        return left;
    }

    /** {@code s} as a CharSequence whose every charAt spends one unit (what a regex Matcher reads). */
    CharSequence view(String s) {
        return new Counted(s, 0, s.length());
    }

    private final class Counted implements CharSequence {
        private final String s;
        private final int from, to;

        Counted(String s, int from, int to) {
            this.s = s;
            this.from = from;
            this.to = to;
        }

        @Override
        public char charAt(int i) {
            if (--left < 0) throw Exhausted.INSTANCE;
            return s.charAt(from + i);
        }

        @Override
        public int length() {
            return to - from;
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Counted(s, from + start, from + end);
        }

        @Override
        public String toString() {
            return s.substring(from, to);
        }
    }
}
