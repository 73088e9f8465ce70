package falconh1r.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded generators for kernel property tests (JUnit 5 parameterized tests, no jqwik). Each case
 * carries its seed in its name, so a failure names the seed that reproduces it. Edge cases are
 * listed first: zero sizes, one element, tails shorter than a vector.
 */
final class Cases {
    private Cases() {}

    /** Base seed; override with -Dfalcon.seed=N to explore. */
    static final long SEED = Long.getLong("falcon.seed", 20260101L);

    /** A matmul problem: C[m,n] = A[m,k]·B[n,k]ᵀ with operand offsets. */
    record MatmulCase(long seed, int m, int n, int k, int aOff, int bOff, int cOff) {
        @Override
        public String toString() {
            return "seed=" + seed + " m=" + m + " n=" + n + " k=" + k + " offsets=" + aOff + "/" + bOff + "/" + cOff;
        }
    }

    static List<MatmulCase> matmulCases(int random) {
        int[][] edges = {
            {0, 5, 7}, {5, 0, 7}, {5, 7, 0}, {1, 1, 1}, {1, 17, 33}, {3, 5, 1000}, {4, 3, 16}, {5, 4, 17},
            {8, 6, 15}, {2, 9, 3}, {1, 64, 4096}, {7, 13, 257}, {64, 65, 129}, {33, 31, 31},
            // more rows of B than one cache block holds (SimdMatmul.bBlockRows), with 4×3 tiles
            {9, 200, 1100}, {13, 130, 2048},
        };
        List<MatmulCase> cases = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(SEED);
        for (int[] e : edges) cases.add(new MatmulCase(rnd.nextLong(), e[0], e[1], e[2], 0, 0, 0));
        for (int t = 0; t < random; t++) {
            cases.add(new MatmulCase(rnd.nextLong(), 1 + rnd.nextInt(70), 1 + rnd.nextInt(70), 1 + rnd.nextInt(300),
                    rnd.nextInt(6), rnd.nextInt(6), rnd.nextInt(6)));
        }
        return cases;
    }

    /** Lengths for vector and row ops: tails of every size around 8/16-lane vectors, and longer. */
    static List<Integer> lengths() {
        List<Integer> ns = new ArrayList<>();
        for (int n = 0; n <= 40; n++) ns.add(n);
        ns.addAll(List.of(63, 64, 65, 127, 128, 129, 1000, 4097, 70001));
        return ns;
    }

    /** Uniform values in [-scale, scale). */
    static float[] uniform(SplittableRandom rnd, int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return x;
    }

    /** Values a kernel must survive: huge, tiny, negative, zero, ±Inf, NaN, mixed with normal ones. */
    static float[] awkward(SplittableRandom rnd, int n) {
        float[] specials = {0f, -0f, 1e-30f, -1e-30f, 1e-45f, 88f, 89f, -88f, -104f, 20f, 20.0001f, 19.999f,
            1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.NaN, 3f, -3f};
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextInt(3) == 0 ? specials[rnd.nextInt(specials.length)] : (float) (rnd.nextGaussian() * 10);
        }
        return x;
    }
}
