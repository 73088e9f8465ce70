package falconh1r.kernels;

import com.aparapi.Kernel;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The kernels that keep weights resident on the device, one per weight array, keyed by array
 * <em>identity</em> (two equal arrays are two weights). Least recently used first out: when the
 * device bytes or the number of kernels exceed their bounds, the oldest kernels are disposed, which
 * frees their device buffers and program. Not thread-safe; {@link OpenClBackend} serialises calls.
 */
final class ResidentKernels {

    /** Identity of a weight array as a map key. */
    private record Key(Object array) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && other.array == array;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(array);
        }
    }

    private static final class Entry {
        final Kernel kernel;
        long bytes;

        Entry(Kernel kernel, long bytes) {
            this.kernel = kernel;
            this.bytes = bytes;
        }
    }

    private final LinkedHashMap<Key, Entry> lru = new LinkedHashMap<>(64, 0.75f, true);
    private final long maxBytes;
    private final int maxKernels;
    private long bytes;

    ResidentKernels(long maxBytes, int maxKernels) {
        if (maxBytes <= 0 || maxKernels <= 0) {
            throw new IllegalArgumentException("maxBytes=" + maxBytes + " maxKernels=" + maxKernels);
        }
        this.maxBytes = maxBytes;
        this.maxKernels = maxKernels;
    }

    /** The kernel holding {@code weight}, marked most recently used; null if none. */
    Kernel get(Object weight) {
        Entry e = lru.get(new Key(weight));
        return e == null ? null : e.kernel;
    }

    /** Adds the kernel for a weight not yet resident, then evicts older kernels beyond the bounds. */
    void put(Object weight, Kernel kernel, long deviceBytes) {
        Entry previous = lru.put(new Key(weight), new Entry(kernel, deviceBytes));
        if (previous != null) {
            throw new IllegalStateException("weight already resident");
        }
        bytes += deviceBytes;
        trim();
    }

    /** Records the current device footprint of a resident weight's kernel (staging arrays grow). */
    void resize(Object weight, long deviceBytes) {
        Entry e = lru.get(new Key(weight));
        if (e != null) {
            bytes += deviceBytes - e.bytes;
            e.bytes = deviceBytes;
            trim();
        }
    }

    int size() {
        return lru.size();
    }

    long bytes() {
        return bytes;
    }

    /** Disposes every kernel. */
    void clear() {
        for (Entry e : lru.values()) e.kernel.dispose();
        lru.clear();
        bytes = 0;
    }

    /** Evicts least recently used kernels, never the most recent one, until within both bounds. */
    private void trim() {
        Iterator<Map.Entry<Key, Entry>> it = lru.entrySet().iterator();
        while ((bytes > maxBytes || lru.size() > maxKernels) && lru.size() > 1) {
            Entry oldest = it.next().getValue();
            it.remove();
            bytes -= oldest.bytes;
            oldest.kernel.dispose();
        }
    }
}
