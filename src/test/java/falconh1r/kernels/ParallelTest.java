package falconh1r.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The kernel thread pool: every index exactly once, aligned chunks, nesting, failures, close. */
class ParallelTest {

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 2, 3, 5})
    void everyIndexRunsExactlyOnceInAlignedChunks(int threads) {
        try (Parallel pool = new Parallel(threads)) {
            for (int n = 0; n < 200; n += 7) {
                for (int align : new int[] {1, 3, 8}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, n));
                    int size = n, a = align;
                    pool.forRange(n, align, true, (from, to) -> {
                        if (from % a != 0) throw new AssertionError("chunk start " + from + " not a multiple of " + a);
                        for (int i = from; i < to; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < size; i++) assertEquals(1, hits.get(i), "n=" + n + " align=" + align + " index " + i);
                }
            }
        }
    }

    @Test
    void manyShortRegionsInARowDoNotLoseWork() {
        try (Parallel pool = new Parallel(2)) {
            AtomicLong sum = new AtomicLong();
            for (int r = 0; r < 20_000; r++) {
                pool.forRange(64, 1, true, (from, to) -> {
                    long s = 0;
                    for (int i = from; i < to; i++) s += i;
                    sum.addAndGet(s);
                });
            }
            assertEquals(20_000L * (63 * 64 / 2), sum.get());
        }
    }

    @Test
    void nestedCallsRunInlineAndFailuresPropagate() {
        try (Parallel pool = new Parallel(2)) {
            AtomicLong inner = new AtomicLong();
            pool.forRange(10, 1, true, (from, to) -> pool.forRange(4, 1, true, (f, t) -> inner.addAndGet(t - f)));
            assertEquals(8, inner.get());     // two outer chunks, each running all 4 inner indices inline
            var e = assertThrows(IllegalStateException.class, () -> pool.forRange(10, 1, true, (from, to) -> {
                if (from == 0) throw new IllegalStateException("boom in the worker's chunk");
            }));
            assertEquals("boom in the worker's chunk", e.getMessage());
            AtomicLong after = new AtomicLong();
            pool.forRange(10, 1, true, (from, to) -> after.addAndGet(to - from));
            assertEquals(10, after.get(), "the pool keeps working after a failure");
        }
    }

    @Test
    void closedPoolRefusesParallelWork() {
        Parallel pool = new Parallel(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.forRange(10, 1, true, (from, to) -> {}));
    }
}
