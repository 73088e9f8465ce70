package falconh1r.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The resident-kernel cache: identity keys, least recently used out first, both bounds. No device needed. */
class ResidentKernelsTest {

    @Test
    void keysAreArrayIdentitiesNotContents() {
        ResidentKernels cache = new ResidentKernels(1000, 10);
        float[] w1 = new float[4];
        float[] w2 = new float[4];                    // equal contents, another weight
        IotaKernel k1 = new IotaKernel(1);
        cache.put(w1, k1, 16);
        assertSame(k1, cache.get(w1));
        assertNull(cache.get(w2));
        cache.clear();
    }

    @Test
    void evictsLeastRecentlyUsedBeyondByteBudget() {
        ResidentKernels cache = new ResidentKernels(100, 10);
        float[] a = new float[1], b = new float[1], c = new float[1];
        cache.put(a, new IotaKernel(1), 40);
        cache.put(b, new IotaKernel(1), 40);
        assertNotNull(cache.get(a));                  // a is now more recent than b
        cache.put(c, new IotaKernel(1), 40);          // 120 > 100: b goes
        assertNull(cache.get(b));
        assertNotNull(cache.get(a));
        assertNotNull(cache.get(c));
        assertEquals(80, cache.bytes());
        cache.resize(a, 90);                          // a grew: c (older than a) goes
        assertNull(cache.get(c));
        assertEquals(1, cache.size());
        cache.resize(a, 500);                         // never evicts the last, most recent kernel
        assertEquals(1, cache.size());
        cache.clear();
        assertEquals(0, cache.bytes());
    }

    @Test
    void evictsBeyondKernelCount() {
        ResidentKernels cache = new ResidentKernels(Long.MAX_VALUE, 2);
        float[] a = new float[1], b = new float[1], c = new float[1];
        cache.put(a, new IotaKernel(1), 1);
        cache.put(b, new IotaKernel(1), 1);
        cache.put(c, new IotaKernel(1), 1);
        assertNull(cache.get(a));
        assertEquals(2, cache.size());
        cache.clear();
    }
}
