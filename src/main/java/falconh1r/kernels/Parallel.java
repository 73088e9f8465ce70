package falconh1r.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A dedicated pool that runs a range of work as a few coarse chunks, one per thread (Jlama's
 * {@code pchunk}); the calling thread runs the last chunk itself.
 *
 * <p>Kernels are short (a decode matvec takes about a millisecond), so waking a parked thread
 * would cost a noticeable share of each call. Workers therefore spin for {@link #SPIN_NANOS} after
 * each region before parking, as BLAS thread pools do. One region runs at a time; a call made from
 * inside a region (a kernel inside a kernel, on a worker or on the caller) runs inline, so nesting
 * never deadlocks.
 */
public final class Parallel implements AutoCloseable {

    /** The body of a parallel loop over {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /** How long an idle worker spins on the next region before it parks. */
    static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicIntegerArray parked;   // 1 while worker w is (about to be) parked
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean closed;
    private volatile Thread caller;
    /** The current region, published whole: a worker never mixes the fields of two regions. */
    private volatile Region region = new Region(0, null, 0, 1, 0, 0);
    private Throwable failure;

    /** One call of {@link #forRange}: chunk c covers {@code [boundary(c), boundary(c+1))}. */
    private record Region(long generation, Range body, int n, int align, int units, int chunks) {
        int boundary(int c) {
            return Math.min(n, (int) ((long) units * c / chunks) * align);
        }
    }

    /** A pool of {@code threads} threads in all (the caller counts as one). */
    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.parked = new AtomicIntegerArray(Math.max(0, threads - 1));
        for (int w = 0; w < workers.length; w++) {
            int index = w;
            workers[w] = Thread.ofPlatform().daemon().name("falcon-kernels-" + w).unstarted(() -> work(index));
            workers[w].start();
        }
    }

    /** The number of threads work is split over. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into at most {@link #threads()} contiguous chunks
     * whose boundaries are multiples of {@code align}. Runs inline when {@code parallel} is false,
     * when there is only one chunk, or when nested inside a region. Concurrent callers take turns.
     */
    public void forRange(int n, int align, boolean parallel, Range body) {
        int units = (n + align - 1) / align;
        int chunks = Math.min(threads, units);
        // Nested: called from a worker, or from the caller's own chunk (it holds the lock).
        boolean nested = isWorker(Thread.currentThread()) || Thread.holdsLock(this);
        if (closed && !nested) throw new IllegalStateException("kernel thread pool is closed");
        if (!parallel || chunks <= 1 || nested) {
            body.run(0, n);
            return;
        }
        synchronized (this) {
            if (closed) throw new IllegalStateException("kernel thread pool is closed");
            this.failure = null;
            this.caller = Thread.currentThread();
            pending.set(chunks - 1);
            Region r = new Region(region.generation() + 1, body, n, align, units, chunks);
            region = r;                                     // publishes the region
            for (int w = 0; w < chunks - 1; w++) {
                if (parked.get(w) == 1) LockSupport.unpark(workers[w]);
            }
            Throwable own = null;
            try {
                body.run(r.boundary(chunks - 1), n);
            } catch (Throwable t) {
                own = t;
            }
            awaitWorkers();
            Throwable t = own != null ? own : failure;
            if (own != null && failure != null) own.addSuppressed(failure);
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        }
    }

    private void awaitWorkers() {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (pending.get() != 0) {
            if (System.nanoTime() < spinUntil) Thread.onSpinWait();
            else LockSupport.parkNanos(this, 50_000);
        }
    }

    private void work(int index) {
        long seen = 0;
        while (true) {
            // A published region is always finished before a close is noticed: the caller waits for it.
            Region r = region;
            if (r.generation() == seen) {
                if (closed) return;
                idle(index, seen);
                continue;
            }
            seen = r.generation();
            if (index < r.chunks() - 1) {
                try {
                    r.body().run(r.boundary(index), r.boundary(index + 1));
                } catch (Throwable t) {
                    synchronized (pending) {
                        if (failure == null) failure = t;
                    }
                }
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }

    /** Spins, then parks, until the generation moves past {@code seen} or the pool closes. */
    private void idle(int index, long seen) {
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (region.generation() == seen && !closed) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
                continue;
            }
            // Announce, then re-check: the caller publishes a region, then reads this flag, so
            // either it sees the flag and unparks us, or we see the new generation and don't park.
            parked.set(index, 1);
            if (region.generation() == seen && !closed) LockSupport.park(this);
            parked.set(index, 0);
        }
    }

    private boolean isWorker(Thread t) {
        for (Thread w : workers) if (w == t) return true;
        return false;
    }

    /**
     * Stops the workers once the region in progress (if any) is done. Closing from another thread
     * waits for that region; closing from inside it takes effect when it ends.
     */
    @Override
    public void close() {
        if (isWorker(Thread.currentThread()) || Thread.holdsLock(this)) {
            closed = true;
        } else {
            synchronized (this) {
                closed = true;
            }
        }
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
