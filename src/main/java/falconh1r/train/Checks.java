package falconh1r.train;

/**
 * Argument checks shared by the losses: exact array lengths for the stated shapes, and no NaN where
 * a value enters the loss. Every failure is an {@link IllegalArgumentException} naming the argument.
 */
final class Checks {
    private Checks() {}

    static void positive(String name, int value) {
        if (value < 1) throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }

    /** {@code rows · cols}, refused when it does not fit a Java array. */
    static int product(String what, int rows, int cols) {
        long n = (long) rows * cols;
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(what + ": " + rows + " × " + cols + " is too large for an array");
        return (int) n;
    }

    static void length(String name, float[] a, long n) {
        if (a == null) throw new IllegalArgumentException(name + " is null");
        if (a.length != n) throw new IllegalArgumentException(name + " holds " + a.length + " values, the shape needs " + n);
    }

    static void length(String name, double[] a, long n) {
        if (a == null) throw new IllegalArgumentException(name + " is null");
        if (a.length != n) throw new IllegalArgumentException(name + " holds " + a.length + " values, the shape needs " + n);
    }

    static void length(String name, int[] a, long n) {
        if (a == null) throw new IllegalArgumentException(name + " is null");
        if (a.length != n) throw new IllegalArgumentException(name + " holds " + a.length + " values, the shape needs " + n);
    }

    static void length(String name, boolean[] a, long n) {
        if (a == null) throw new IllegalArgumentException(name + " is null");
        if (a.length != n) throw new IllegalArgumentException(name + " holds " + a.length + " values, the shape needs " + n);
    }

    /** No NaN in {@code a[i]} where {@code mask[i]} (everywhere when mask is null). */
    static void noNaN(String name, float[] a, boolean[] mask) {
        for (int i = 0; i < a.length; i++) {
            if ((mask == null || mask[i]) && Float.isNaN(a[i])) throw new IllegalArgumentException(name + "[" + i + "] is NaN");
        }
    }

    /** Token ids in [0, vocab) where {@code mask[i]}. */
    static void labels(int[] labels, boolean[] mask, int vocab) {
        for (int i = 0; i < labels.length; i++) {
            if (mask[i] && (labels[i] < 0 || labels[i] >= vocab)) {
                throw new IllegalArgumentException("labels[" + i + "] = " + labels[i] + " is not a token id below vocab " + vocab);
            }
        }
    }
}
