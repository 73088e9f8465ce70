package falconh1r.kernels;

import com.aparapi.Config;
import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.exception.CompileFailedException;
import com.aparapi.internal.kernel.KernelManager;
import com.aparapi.internal.opencl.OpenCLLoader;

import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Finding an OpenCL device through Aparapi, and making sure kernels really run on it.
 *
 * <p>Aparapi's habit is to fall back silently to a Java thread pool (JTP) whenever OpenCL is
 * missing or a kernel fails to compile or launch. A reference implementation must not pass off a
 * Java-thread result as an OpenCL one, so discovery refuses JTP devices with a one-line reason, and
 * {@link #compile} and {@link #execute} throw {@link OpenClUnavailableException} if a kernel cannot
 * run on the device (Aparapi would have moved it off).
 */
final class OpenClDevices {
    private OpenClDevices() {}

    /**
     * Aparapi logs everything through one java.util.logging logger, named by
     * {@link Config#getLoggerName()} ({@code "com.aparapi.logLevel"}), which its {@code Config} sets to
     * WARNING when first loaded. Fallbacks are logged there at WARNING, next to harmless class-file
     * notes ("Found unexpected Attribute"). Here WARNING records are kept, not printed: the first one
     * since an execution began (the failure itself, before Aparapi's "Trying next device") goes into
     * the exception {@link #execute} throws. SEVERE records are printed. (While WARNING is enabled,
     * Aparapi also prints a failed launch's stack trace to stderr; that is the real error, so it stays.)
     * Held strongly: the logging framework keeps loggers weakly and would forget this setup.
     */
    private static final Logger APARAPI_LOG = Logger.getLogger(Config.getLoggerName());
    private static final AtomicReference<String> FIRST_WARNING = new AtomicReference<>();

    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            String message = record.getMessage() + (record.getThrown() == null ? "" : " (" + oneLine(record.getThrown()) + ")");
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                System.err.println("aparapi: " + message);
            } else {
                FIRST_WARNING.compareAndSet(null, message);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    /** Routes Aparapi's log into {@link #CAPTURE}. Idempotent. */
    static synchronized void quietLogging() {
        if (APARAPI_LOG.getUseParentHandlers()) {
            APARAPI_LOG.setUseParentHandlers(false);
            APARAPI_LOG.addHandler(CAPTURE);
            APARAPI_LOG.setLevel(Level.WARNING);
        }
    }

    /**
     * The device Aparapi ranks best (GPU, then accelerator, then CPU), which must be an OpenCL
     * device. Loading Aparapi's native library happens here: an {@link UnsatisfiedLinkError} (no
     * libOpenCL, as in Aparapi issue #52) or any other failure becomes a one-line reason.
     */
    static OpenCLDevice bestDevice() {
        quietLogging();
        boolean available;
        try {
            available = OpenCLLoader.isOpenCLAvailable();
        } catch (Throwable t) {
            throw new OpenClUnavailableException("no OpenCL platform found (" + oneLine(t) + ")", t);
        }
        if (!available) {
            throw new OpenClUnavailableException(
                    "no OpenCL platform found (Aparapi could not load its native library or libOpenCL)");
        }
        Device best;
        try {
            best = KernelManager.instance().bestDevice();
        } catch (Throwable t) {
            throw new OpenClUnavailableException("no OpenCL platform found (" + oneLine(t) + ")", t);
        }
        if (!(best instanceof OpenCLDevice device)) {
            throw new OpenClUnavailableException("no OpenCL platform found (Aparapi lists no OpenCL device, only its "
                    + "Java fallback" + (best == null ? "" : " '" + best.getShortDescription() + "'") + ")");
        }
        return device;
    }

    /** One line naming a device: {@code "GPU NVIDIA H200 (NVIDIA CUDA)"}. */
    static String describe(OpenCLDevice device) {
        return device.getType() + " " + device.getName().trim() + " (" + device.getOpenCLPlatform().getName().trim() + ")";
    }

    /** Serialises {@link #compile}: the host-memory flag lives on Aparapi's device object, shared JVM-wide. */
    private static final Object COMPILE_LOCK = new Object();

    /**
     * Compiles {@code kernel} for {@code device} only: unlike execute, {@link Kernel#compile} throws
     * instead of falling back to Java threads.
     *
     * <p>{@code shareHostMemory} picks how the kernel's buffers are made, fixed at compile time.
     * Aparapi's {@code OpenCLDevice.sharedMemory} flag defaults to true for every device, and then
     * each buffer is {@code CL_MEM_USE_HOST_PTR} over the pinned Java array: zero-copy on a CPU
     * device, but on a discrete GPU the driver decides when host and device copies are synchronised.
     * With false, buffers are {@code CL_MEM_COPY_HOST_PTR}: a real device copy, written only by
     * {@code put} and read only by {@code get}, which is what weight residency means.
     */
    static void compile(Kernel kernel, OpenCLDevice device, boolean shareHostMemory) {
        synchronized (COMPILE_LOCK) {
            boolean previous = device.isSharedMemory();
            device.setSharedMemory(shareHostMemory);
            try {
                kernel.compile(device);
            } catch (CompileFailedException e) {
                kernel.dispose();
                throw new OpenClUnavailableException(kernel.getClass().getSimpleName() + " failed to compile for "
                        + describe(device) + ": " + oneLine(rootCause(e)), e);
            } finally {
                device.setSharedMemory(previous);
            }
        }
    }

    /**
     * Runs {@code kernel} over {@code range} on {@code device} and throws if Aparapi executed it
     * anywhere else. Aparapi records a failed device in the kernel class's preferences before
     * retrying elsewhere, so after a fallback the kernel's target device is no longer {@code device},
     * for every instance of the class, for the rest of the JVM: every later call throws too.
     */
    static void execute(Kernel kernel, Range range, OpenCLDevice device) {
        requireOnDevice(kernel, device, null);
        FIRST_WARNING.set(null);
        try {
            kernel.execute(range);
        } catch (RuntimeException | AssertionError e) {   // Aparapi's own reaction to a fallback it cannot honour
            throw fellBack(kernel, device, e);
        }
        requireOnDevice(kernel, device, null);
    }

    private static void requireOnDevice(Kernel kernel, OpenCLDevice device, Throwable cause) {
        if (!device.equals(kernel.getTargetDevice())) throw fellBack(kernel, device, cause);
    }

    private static OpenClUnavailableException fellBack(Kernel kernel, OpenCLDevice device, Throwable cause) {
        Device target = kernel.getTargetDevice();
        String warning = FIRST_WARNING.get();
        String moved = device.equals(target) ? "" : " and Aparapi moved it to "
                + (target == null ? "no device" : target.getShortDescription()) + "; refusing to compute on Java threads";
        String why = warning != null ? warning : cause != null ? oneLine(cause) : null;
        return new OpenClUnavailableException(kernel.getClass().getSimpleName() + " failed on " + describe(device)
                + moved + (why == null ? "" : " (Aparapi: " + why + ")"), cause);
    }

    static Throwable rootCause(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getCause() != cause) cause = cause.getCause();
        return cause;
    }

    /** A throwable as {@code "SimpleName: message"} on one line. */
    static String oneLine(Throwable t) {
        String message = t.getMessage() == null ? "" : ": " + t.getMessage().replaceAll("\\s+", " ").trim();
        return t.getClass().getSimpleName() + message;
    }
}
