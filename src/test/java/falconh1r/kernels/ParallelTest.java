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
    void closingInsideARegionLetsItFinish() throws Exception {
        Parallel pool = new Parallel(3);
        AtomicIntegerArray hits = new AtomicIntegerArray(30);
        Thread t = new Thread(() -> pool.forRange(30, 1, true, (from, to) -> {
            if (from == 20) pool.close();                  // the caller's own chunk closes the pool
            for (int i = from; i < to; i++) hits.incrementAndGet(i);
        }));
        t.start();
        t.join(10_000);
        assertEquals(false, t.isAlive(), "forRange must return after a close from inside its region");
        for (int i = 0; i < 30; i++) assertEquals(1, hits.get(i), "index " + i);
        assertThrows(IllegalStateException.class, () -> pool.forRange(10, 1, true, (from, to) -> {}));
    }

    @Test
    void concurrentCallersTakeTurns() throws Exception {
        try (Parallel pool = new Parallel(2)) {
            AtomicLong total = new AtomicLong();
            Thread[] callers = new Thread[3];
            for (int c = 0; c < callers.length; c++) {
                callers[c] = new Thread(() -> {
                    for (int r = 0; r < 2_000; r++) pool.forRange(100, 1, true, (from, to) -> total.addAndGet(to - from));
                });
                callers[c].start();
            }
            for (Thread c : callers) c.join(30_000);
            assertEquals(3L * 2_000 * 100, total.get());
        }
    }

    @Test
    void closedPoolRefusesParallelWork() {
        Parallel pool = new Parallel(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.forRange(10, 1, true, (from, to) -> {}));
    }
}
