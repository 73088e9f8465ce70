package falconh1r.kernels;

import com.aparapi.Kernel;
import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Matmul and matvec on an OpenCL device through Aparapi; every other op is the host backend's.
 *
 * <p><b>Residency.</b> A {@code b} of {@link #matmul} (the {@code w} of the f32 matvec) registered with
 * {@link #registerWeight} is uploaded once and stays on the device in its own {@link F32LinearKernel}.
 * After changing its contents call {@link #weightsChanged(float[])}; without it the result of a later
 * product is undefined: the device usually keeps the old contents, but may see the new ones (a device
 * that shares host memory, or a garbage collection that moved the array). Any other {@code b}
 * (attention's keys, a reused buffer) is copied to the device on every call through one staging
 * kernel, and nothing here keeps a reference to it. Packed 16-bit weights are always weights: resident
 * per array identity in a {@link HalfMatvecKernel}, uploaded again by {@link #weightsChanged(short[])}.
 * Activations go up and results come back on every call. Resident kernels are bounded by device bytes
 * and count and evicted least recently used first; an evicted weight goes up again on its next use.
 *
 * <p>On a CPU device the buffers alias the Java arrays (no copies); on other devices they are
 * device copies. See {@link OpenClDevices#compile}.
 *
 * <p><b>Device.</b> {@link #create} takes the device Aparapi ranks best and runs a self-test; it
 * refuses Aparapi's Java-thread fallback. A kernel that later fails to compile or launch makes this
 * backend print {@code "opencl: <reason>; using <host> from now on"} to stderr and hand every later
 * product to the host backend: Aparapi keeps a device failed for the kernel class for the rest of the
 * JVM, and would otherwise run the kernels on Java threads. An operand larger than the device's largest
 * allocation is multiplied by the host backend instead (reported once on stderr).
 *
 * <p>Thread-safe: device work is serialised on this object. {@link #close()} disposes the kernels
 * and closes the host backend, which this backend owns.
 */
public final class OpenClBackend implements Backend {

    /** Work-items per output row in the matvec kernels: a power of two ≤ 256 (fits, as GEMM needs 256). */
    private static final int MATVEC_LOCAL_SIZE = 128;
    /** At most this many weights resident at once, whatever their size. */
    private static final int MAX_RESIDENT_KERNELS = 4096;

    private final Backend host;
    private final OpenCLDevice device;
    private final boolean shareHostMemory;
    private final ResidentKernels resident;
    /** The f32 weights registered so far, by identity; resident while in {@link #resident}. */
    private final Set<float[]> registered = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Carries every unregistered {@code b} to the device; made on first use. */
    private F32LinearKernel staging;
    /** Set once the self-test passed: from then on a device failure switches to the host. */
    private boolean selfTested;
    /** Set after a device failure: every product is the host's. */
    private boolean onHost;
    private boolean warnedTooLarge;
    private boolean closed;

    private OpenClBackend(Backend host, OpenCLDevice device, long residentBytes, boolean shareHostMemory) {
        this.host = host;
        this.device = device;
        this.shareHostMemory = shareHostMemory;
        if (device.getMaxWorkGroupSize() < F32LinearKernel.TILE * F32LinearKernel.TILE) {
            throw new OpenClUnavailableException("OpenCL device " + OpenClDevices.describe(device)
                    + " allows work-groups of only " + device.getMaxWorkGroupSize() + " work-items; need 256");
        }
        this.resident = new ResidentKernels(residentBytes, MAX_RESIDENT_KERNELS);
    }

    // ---- construction ----------------------------------------------------------------------

    /**
     * An OpenCL backend on the best device, keeping resident weights within half the device's
     * global memory, after a self-test against {@code host}.
     *
     * @throws OpenClUnavailableException with a one-line reason when there is no usable device
     */
    public static OpenClBackend create(Backend host) {
        OpenCLDevice device = OpenClDevices.bestDevice();
        return create(host, device, Math.max(1, device.getGlobalMemSize() / 2), device.getType() == Device.TYPE.CPU);
    }

    /** As {@link #create(Backend)}, or empty after passing the one-line reason to {@code whyNot}. */
    public static Optional<OpenClBackend> tryCreate(Backend host, Consumer<String> whyNot) {
        try {
            return Optional.of(create(host));
        } catch (OpenClUnavailableException e) {
            whyNot.accept(e.getMessage());
            return Optional.empty();
        } catch (Throwable t) {   // LinkageError and friends from native code: report, never crash
            whyNot.accept("OpenCL setup failed (" + OpenClDevices.oneLine(t) + ")");
            return Optional.empty();
        }
    }

    /**
     * An OpenCL backend if one can be made, else {@code host} after printing
     * {@code "opencl: <reason>; using <host>"} to {@code log}.
     */
    public static Backend orHost(Backend host, PrintStream log) {
        Optional<OpenClBackend> backend = tryCreate(host, reason -> log.println("opencl: " + reason + "; using " + host.name()));
        return backend.isPresent() ? backend.get() : host;
    }

    /**
     * The backend on a given device. {@code shareHostMemory}: buffers alias the Java arrays (right for
     * a CPU device) or are device copies (GPUs); see {@link OpenClDevices#compile}.
     */
    static OpenClBackend create(Backend host, OpenCLDevice device, long residentBytes, boolean shareHostMemory) {
        OpenClBackend backend = new OpenClBackend(host, device, residentBytes, shareHostMemory);
        try {
            backend.selfTest();
            backend.selfTested = true;
            return backend;
        } catch (Throwable t) {
            backend.disposeKernels();
            throw new OpenClUnavailableException("OpenCL kernels failed their self-test on "
                    + OpenClDevices.describe(device) + " (" + OpenClDevices.oneLine(OpenClDevices.rootCause(t)) + ")", t);
        }
    }

    /**
     * Small products through every kernel path (both f32 entry points on a registered weight and on
     * an unregistered operand, both 16-bit formats), checked against exact values: a broken toolchain
     * fails here, not mid-run.
     */
    private void selfTest() {
        float[] a = {1, 2, 3, 4, 5, 6};                  // [2,3]
        float[] w = {1, 0, -1, 0.5f, 0.25f, 2, 3, 1, 0}; // [3,3]
        float[] want = {-2, 7, 5, -2, 15.25f, 17};
        registerWeight(w);
        float[] operand = w.clone();                     // not registered: goes through the staging kernel
        for (float[] b : List.of(w, operand)) {
            String which = b == w ? " (weight)" : " (operand)";
            float[] got = new float[6];
            matmul(got, a, b, 2, 3, 3);
            requireEqual("matmul" + which, got, want);
            matvec(got, b, a, 3, 3);
            requireEqual("matvec" + which, Arrays.copyOf(got, 3), Arrays.copyOf(want, 3));
        }
        for (Half.Format format : Half.Format.values()) {
            short[] half = new short[w.length];                  // a new array: a new resident weight
            for (int i = 0; i < w.length; i++) half[i] = Half.fromFloat(w[i], format);
            float[] got = new float[3];
            matvec(got, half, format, a, 3, 3);
            requireEqual("matvec " + format, got, Arrays.copyOf(want, 3));
        }
        registered.clear();
        resident.clear();
    }

    private static void requireEqual(String what, float[] got, float[] want) {
        if (!Arrays.equals(got, want)) {
            throw new IllegalStateException(what + " gave " + Arrays.toString(got) + ", expected " + Arrays.toString(want));
        }
    }

    // ---- what this backend computes --------------------------------------------------------

    @Override
    public String name() {
        return "opencl";
    }

    /** The device in one line, e.g. {@code "GPU NVIDIA H200 (NVIDIA CUDA)"}. */
    public String deviceDescription() {
        return OpenClDevices.describe(device);
    }

    @Override
    public synchronized void matmul(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff, int m, int n, int k) {
        Shapes.checkMatmul(c, cOff, a, aOff, b, bOff, m, n, k);
        ensureOpen();
        if (m == 0 || n == 0) return;
        if (k == 0) {
            Arrays.fill(c, cOff, cOff + m * n, 0f);
            return;
        }
        if (!deviceMatmul(c, cOff, a, aOff, b, bOff, m, n, k)) {
            host.matmul(c, cOff, a, aOff, b, bOff, m, n, k);
        }
    }

    /** The product on the device; false, having computed nothing, when the host must do it. */
    private boolean deviceMatmul(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff, int m, int n, int k) {
        if (onHost) return false;
        try {
            boolean weight = registered.contains(b);
            F32LinearKernel kernel = weight ? residentKernel(b) : stagingKernel(n * k);
            if (kernel == null) return false;
            int wOff = bOff;
            if (!weight) {
                kernel.load(b, bOff, n, k);
                wOff = 0;
            }
            if (m == 1 && kernel.gemvFits(n)) {
                kernel.gemv(c, cOff, a, aOff, n, k, wOff);
            } else {
                kernel.gemm(c, cOff, a, aOff, m, n, k, wOff);
            }
            if (weight) resident.resize(b, kernel.deviceBytes());
            return true;
        } catch (OpenClUnavailableException e) {
            switchToHost(e);
            return false;
        }
    }

    @Override
    public synchronized void matmul(float[] c, float[] a, short[] w, Half.Format format, int m, int n, int k) {
        Shapes.checkHalfMatmul(c, a, w.length, m, n, k);
        ensureOpen();
        if (m == 0 || n == 0) return;
        if (k == 0) {
            Arrays.fill(c, 0, m * n, 0f);
            return;
        }
        // The device kernel is a matvec (decode's product); more rows run it once per row of A.
        float[] x = m == 1 ? a : new float[k], y = m == 1 ? c : new float[n];
        for (int i = 0; i < m; i++) {
            if (m > 1) System.arraycopy(a, i * k, x, 0, k);
            if (!deviceMatvec(y, w, format, x, n, k)) {
                host.matmul(c, a, w, format, m, n, k);
                return;
            }
            if (m > 1) System.arraycopy(y, 0, c, i * n, n);
        }
    }

    /** The 16-bit matvec on the device; false, having computed nothing, when the host must do it. */
    private boolean deviceMatvec(float[] y, short[] w, Half.Format format, float[] x, int n, int k) {
        if (onHost) return false;
        try {
            HalfMatvecKernel kernel = halfKernel(w);
            if (kernel == null || !kernel.fits(n)) return false;
            kernel.matvec(y, x, format, n, k);
            resident.resize(w, kernel.deviceBytes());
            return true;
        } catch (OpenClUnavailableException e) {
            switchToHost(e);
            return false;
        }
    }

    /** Keeps {@code w} resident from its next use until {@link #close}. */
    @Override
    public synchronized void registerWeight(float[] w) {
        ensureOpen();
        registered.add(w);
    }

    /** Uploads {@code w} again before its next use, if it is resident. */
    @Override
    public synchronized void weightsChanged(float[] w) {
        if (resident.get(w) instanceof F32LinearKernel kernel) kernel.put(w);
    }

    /** Uploads the 16-bit weight {@code w} again before its next use, if it is resident. */
    @Override
    public synchronized void weightsChanged(short[] w) {
        if (resident.get(w) instanceof HalfMatvecKernel kernel) kernel.weightChanged(w);
    }

    /** Number of weights currently resident on the device. */
    public synchronized int residentWeights() {
        return resident.size();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        disposeKernels();
        registered.clear();
        host.close();
    }

    // ---- kernels ---------------------------------------------------------------------------

    /** The kernel holding the registered {@code w}, created and compiled on first use; null if {@code w} cannot fit. */
    private F32LinearKernel residentKernel(float[] w) {
        Kernel cached = resident.get(w);
        if (cached != null) return (F32LinearKernel) cached;
        if (!fitsOneAllocation(4L * w.length)) return null;
        F32LinearKernel kernel = F32LinearKernel.resident(w, device, MATVEC_LOCAL_SIZE);
        compile(kernel);
        resident.put(w, kernel, kernel.deviceBytes());
        return kernel;
    }

    /** The staging kernel, created and compiled on first use; null if an operand of {@code elements} cannot fit. */
    private F32LinearKernel stagingKernel(int elements) {
        if (!fitsOneAllocation(4L * elements)) return null;
        if (staging == null) {
            F32LinearKernel kernel = F32LinearKernel.staging(device, MATVEC_LOCAL_SIZE);
            compile(kernel);
            staging = kernel;
        }
        return staging;
    }

    private HalfMatvecKernel halfKernel(short[] w) {
        Kernel cached = resident.get(w);
        if (cached != null) return (HalfMatvecKernel) cached;
        if (!fitsOneAllocation(2L * w.length + 2)) return null;
        HalfMatvecKernel kernel = new HalfMatvecKernel(w, device, MATVEC_LOCAL_SIZE);
        compile(kernel);
        resident.put(w, kernel, kernel.deviceBytes());
        return kernel;
    }

    private void compile(Kernel kernel) {
        OpenClDevices.compile(kernel, device, shareHostMemory);
    }

    private boolean fitsOneAllocation(long bytes) {
        long max = device.getMaxMemAllocSize();
        if (max <= 0 || bytes <= max) return true;
        if (!warnedTooLarge) {
            warnedTooLarge = true;
            System.err.printf("opencl: an operand of %d MiB exceeds the device's largest allocation (%d MiB); "
                    + "such operands are multiplied by %s%n", bytes >> 20, max >> 20, host.name());
        }
        return false;
    }

    /**
     * After a kernel failed on the device, for good: says so on stderr and hands every later product
     * to the host. A failure during the self-test is rethrown instead ({@link #create} reports it).
     */
    private void switchToHost(OpenClUnavailableException e) {
        if (!selfTested) throw e;
        onHost = true;
        System.err.println("opencl: " + e.getMessage() + "; using " + host.name() + " from now on");
        disposeKernels();
    }

    private void disposeKernels() {
        resident.clear();
        if (staging != null) {
            staging.dispose();
            staging = null;
        }
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("opencl backend is closed");
    }

    // ---- delegated to the host backend -----------------------------------------------------

    @Override
    public void matmulBackwardInput(float[] dx, float[] dy, float[] w, int m, int n, int k) {
        host.matmulBackwardInput(dx, dy, w, m, n, k);
    }

    @Override
    public void matmulBackwardWeight(float[] dw, float[] dy, float[] x, int m, int n, int k) {
        host.matmulBackwardWeight(dw, dy, x, m, n, k);
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return host.dot(a, aOff, b, bOff, n);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        host.axpy(alpha, x, xOff, y, yOff, n);
    }

    @Override
    public void multiplyAdd(float[] y, int yOff, float[] a, int aOff, float[] b, int bOff, int n) {
        host.multiplyAdd(y, yOff, a, aOff, b, bOff, n);
    }

    @Override
    public void scale(float[] x, int off, int n, float s) {
        host.scale(x, off, n, s);
    }

    @Override
    public void add(float[] out, float[] a, float[] b, int n) {
        host.add(out, a, b, n);
    }

    @Override
    public void rmsNorm(float[] out, float[] x, float[] weight, int rows, int dim, float eps) {
        host.rmsNorm(out, x, weight, rows, dim, eps);
    }

    @Override
    public void softmax(float[] x, int rows, int cols) {
        host.softmax(x, rows, cols);
    }

    @Override
    public void logSoftmax(float[] out, float[] x, int rows, int cols) {
        host.logSoftmax(out, x, rows, cols);
    }

    @Override
    public void silu(float[] out, float[] x, int n) {
        host.silu(out, x, n);
    }

    @Override
    public void siluBackward(float[] dx, float[] dy, float[] x, int n) {
        host.siluBackward(dx, dy, x, n);
    }

    @Override
    public void softplus(float[] out, float[] x, int n) {
        host.softplus(out, x, n);
    }

    @Override
    public void exp(float[] out, float[] x, int n) {
        host.exp(out, x, n);
    }

    /** The host's threads run the tasks; products inside them still come here (one at a time). */
    @Override
    public void forEach(int count, Task task) {
        host.forEach(count, task);
    }
}
