package falconh1r.infer;

import java.util.Arrays;

/**
 * The Python and numpy arithmetic DeepConf's reference results depend on, reproduced bit for bit:
 * <ul>
 *   <li>Python's built-in {@code sum()} of floats: {@code 0 + x₀ + x₁ + …} left to right (CPython
 *       3.11; 3.12+ compensates exact {@code float}s, not the {@code np.float64}s deepconf sums);
 *   <li>numpy's pairwise summation ({@code np.add.reduce}, hence {@code np.mean}) of float64:
 *       blocks of up to 128 summed with 8 interleaved accumulators, larger spans halved at a
 *       multiple of 8 ({@code pairwise_sum} in {@code loops_utils.h.src});
 *   <li>numpy's {@code round(x, 3)} of an {@code np.float64}: {@code rint(x·1000)/1000}, half to
 *       even on the product. It is not Python's correctly rounded {@code round(float, 3)}: for
 *       {@code 0.0005} (just above the tie in binary) numpy gives 0.0 and Python 0.001;
 *   <li>{@code np.percentile} with its default {@code 'linear'} method.
 * </ul>
 */
final class PyNumerics {
    /** numpy's {@code PW_BLOCKSIZE}. */
    private static final int BLOCK = 128;

    private PyNumerics() {}

    /** Python's {@code sum(a[from:to])} of floats: sequential, starting from 0. */
    static double sequentialSum(double[] a, int from, int to) {
        double s = 0.0;
        for (int i = from; i < to; i++) s += a[i];
        return s;
    }

    /** numpy's {@code np.sum(a[from:from+n])} of float64 (pairwise). */
    static double pairwiseSum(double[] a, int from, int n) {
        if (n < 8) {
            double res = -0.0;
            for (int i = 0; i < n; i++) res += a[from + i];
            return res;
        }
        if (n <= BLOCK) {
            double r0 = a[from], r1 = a[from + 1], r2 = a[from + 2], r3 = a[from + 3];
            double r4 = a[from + 4], r5 = a[from + 5], r6 = a[from + 6], r7 = a[from + 7];
            int i = 8;
            for (; i < n - n % 8; i += 8) {
                int j = from + i;
                r0 += a[j];
                r1 += a[j + 1];
                r2 += a[j + 2];
                r3 += a[j + 3];
                r4 += a[j + 4];
                r5 += a[j + 5];
                r6 += a[j + 6];
                r7 += a[j + 7];
            }
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) res += a[from + i];
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return pairwiseSum(a, from, n2) + pairwiseSum(a, from + n2, n - n2);
    }

    /** {@code np.mean(a[from:from+n])}, n ≥ 1. */
    static double mean(double[] a, int from, int n) {
        return (0.0 + pairwiseSum(a, from, n)) / n;
    }

    /** {@code np.mean(a)}, a non-empty. */
    static double mean(double[] a) {
        return mean(a, 0, a.length);
    }

    /** numpy's {@code round(x, 3)} of an {@code np.float64}. */
    static double round3(double x) {
        return Math.rint(x * 1000.0) / 1000.0;
    }

    /**
     * {@code np.percentile(values, p)} with the default 'linear' method: q = p/100, virtual index
     * (n−1)·q into the sorted values, then numpy's {@code _lerp}, which for a weight ≥ 0.5
     * interpolates from the upper neighbour ({@code b − (b−a)(1−t)}).
     *
     * @param values non-empty, no NaN
     * @param p      in [0, 100]
     */
    static double percentile(double[] values, double p) {
        if (values.length == 0) throw new IllegalArgumentException("values is empty");
        if (!(p >= 0 && p <= 100)) throw new IllegalArgumentException("p must be in [0, 100], got " + p);
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double virtual = (n - 1) * (p / 100.0);
        if (virtual >= n - 1) return sorted[n - 1];
        int previous = (int) Math.floor(virtual);
        double a = sorted[previous], b = sorted[previous + 1];
        double gamma = virtual - previous;
        double diff = b - a;
        return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
    }

    /** Throws naming {@code what} and the index when a value is NaN. */
    static void noNaN(String what, double[] values) {
        if (values == null) throw new IllegalArgumentException(what + " is null");
        for (int i = 0; i < values.length; i++) {
            if (Double.isNaN(values[i])) throw new IllegalArgumentException(what + "[" + i + "] is NaN");
        }
    }
}
