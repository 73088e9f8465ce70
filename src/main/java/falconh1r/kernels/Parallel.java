package falconh1r.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.Future;

/**
 * A dedicated pool that runs a range of work as a few coarse chunks, one per thread (Jlama's
 * {@code pchunk}). The calling thread runs the last chunk itself. Nested calls from a worker run
 * inline, so a kernel that calls another kernel never deadlocks or oversubscribes.
 */
public final class Parallel implements AutoCloseable {

    /** The body of a parallel loop over {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private final int threads;
    private final ForkJoinPool pool;

    /** A pool of {@code threads} threads in all (the caller counts as one). */
    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads - 1, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("falcon-kernels-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    /** The number of threads work is split over. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into at most {@link #threads()} contiguous chunks
     * whose boundaries are multiples of {@code align}. Runs inline when {@code parallel} is false,
     * when there is only one chunk, or when called from one of this pool's workers.
     */
    public void forRange(int n, int align, boolean parallel, Range body) {
        int units = (n + align - 1) / align;
        int chunks = Math.min(threads, units);
        if (!parallel || chunks <= 1 || inWorker()) {
            body.run(0, n);
            return;
        }
        @SuppressWarnings("unchecked")
        Future<?>[] futures = new Future<?>[chunks - 1];
        for (int c = 0; c < chunks - 1; c++) {
            int from = boundary(c, chunks, units, align, n);
            int to = boundary(c + 1, chunks, units, align, n);
            futures[c] = pool.submit(() -> body.run(from, to));
        }
        body.run(boundary(chunks - 1, chunks, units, align, n), n);
        for (Future<?> f : futures) join(f);
    }

    private static int boundary(int c, int chunks, int units, int align, int n) {
        return Math.min(n, (int) ((long) units * c / chunks) * align);
    }

    private boolean inWorker() {
        return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool;
    }

    private static void join(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a kernel chunk", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException(cause);
        }
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
