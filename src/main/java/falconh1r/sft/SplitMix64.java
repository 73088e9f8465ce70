package falconh1r.sft;

/**
 * The SplitMix64 generator (Steele, Lea, Flood 2014; the mixer of {@link java.util.SplittableRandom})
 * with its whole state in one long, so that a run can save it and resume the same sequence:
 * {@code state += 0x9E3779B97F4A7C15; return mix64(state)}.
 */
final class SplitMix64 {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    SplitMix64(long state) {
        this.state = state;
    }

    /** The state: {@code new SplitMix64(state())} continues this sequence. */
    long state() {
        return state;
    }

    long nextLong() {
        long z = (state += GOLDEN_GAMMA);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1), from the top 53 bits. */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound), without modulo bias (rejection as {@link java.util.Random#nextInt(int)}). */
    int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long range = bound;
        while (true) {
            long bits = nextLong() >>> 33;          // 31 bits
            long value = bits % range;
            if (bits - value + (range - 1) < (1L << 31)) return (int) value;
        }
    }
}
