package falconh1r.kernels;

import com.aparapi.Kernel;

/**
 * {@code out[i] = i}: a throwaway kernel for tests of the execution guard and the resident-kernel
 * cache. Its own class, because Aparapi remembers a device failure per kernel class for the rest of
 * the JVM, and the guard test provokes one.
 */
final class IotaKernel extends Kernel {
    final float[] out;

    IotaKernel(int n) {
        out = new float[n];
        setExplicit(true);
    }

    @Override
    public void run() {
        int i = getGlobalId(0);
        out[i] = i;
    }
}
