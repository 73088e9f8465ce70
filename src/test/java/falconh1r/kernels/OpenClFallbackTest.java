package falconh1r.kernels;

import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.kernel.KernelManager;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * After a kernel fails on the device, {@link OpenClBackend} says so once on stderr and computes on
 * its host from then on, instead of throwing on every call.
 *
 * <p>The failure is real: an {@link F32LinearKernel} launched with a work-group twice the device's
 * largest (as in {@link OpenClDevicesTest}). Aparapi then marks the device failed for every
 * {@code F32LinearKernel} in the JVM, so the backend's own kernels are refused by the guard against
 * Java-thread execution on their next call. The test restores Aparapi's device preferences for the
 * class afterwards, for the other tests in this JVM.
 */
class OpenClFallbackTest {

    @Test
    void deviceFailureSwitchesToTheHostForGood() {
        OpenClTestSupport.requireOrSkip().close();
        OpenCLDevice device = OpenClDevices.bestDevice();
        Random r = new Random(48);
        int m = 3, n = 8, k = 20;
        float[] w = random(r, n * k);
        short[] half = new short[n * k];
        for (int i = 0; i < half.length; i++) half[i] = Half.fromFloat(w[i], Half.Format.BF16);
        ScalarBackend scalar = new ScalarBackend();
        F32LinearKernel broken = F32LinearKernel.resident(w, device, 2 * device.getMaxWorkGroupSize());
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (OpenClBackend opencl = OpenClBackend.create(new ScalarBackend(), device, Long.MAX_VALUE, false)) {
            opencl.registerWeight(w);
            opencl.matvec(new float[n], w, random(r, k), n, k);
            assertEquals(1, opencl.residentWeights(), "on the device before the failure");

            OpenClDevices.compile(broken, device, false);
            assertThrows(OpenClUnavailableException.class, () -> broken.gemv(new float[n], 0, random(r, k), 0, n, k, 0));

            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            for (int call = 0; call < 3; call++) {   // host results, bit for bit; the host is scalar
                float[] a = random(r, m * k);
                float[] want = new float[m * n];
                float[] got = new float[m * n];
                scalar.matmul(want, a, w, m, n, k);
                opencl.matmul(got, a, w, m, n, k);
                assertArrayEquals(want, got, "matmul, call " + call);
                float[] wantV = new float[n];
                float[] gotV = new float[n];
                scalar.matvec(wantV, half, Half.Format.BF16, a, n, k);
                opencl.matvec(gotV, half, Half.Format.BF16, a, n, k);
                assertArrayEquals(wantV, gotV, "bf16 matvec, call " + call);
            }
            System.setErr(stderr);
            List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
            assertEquals(1, lines.size(), "one line on stderr: " + lines);
            assertTrue(lines.getFirst().startsWith("opencl: F32LinearKernel failed on ")
                    && lines.getFirst().endsWith("; using scalar from now on"), lines.getFirst());
            assertEquals(0, opencl.residentWeights(), "kernels disposed");
        } finally {
            System.setErr(stderr);
            KernelManager manager = KernelManager.instance();
            manager.setPreferredDevices(broken, new LinkedHashSet<>(manager.getDefaultPreferences().getPreferredDevices(null)));
            broken.dispose();
        }
    }

    private static float[] random(Random r, int length) {
        float[] v = new float[length];
        for (int i = 0; i < length; i++) v[i] = r.nextFloat() * 2f - 1f;
        return v;
    }
}
