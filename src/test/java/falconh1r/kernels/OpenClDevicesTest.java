package falconh1r.kernels;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kernels run on the OpenCL device or not at all: Aparapi's Java-thread fallback is refused loudly. */
class OpenClDevicesTest {

    @Test
    void launchFailureIsAnExceptionNotAJavaThreadResult() {
        OpenClTestSupport.requireOrSkip().close();
        OpenCLDevice device = OpenClDevices.bestDevice();
        IotaKernel kernel = new IotaKernel(64);
        try {
            OpenClDevices.compile(kernel, device, false);
            OpenClDevices.execute(kernel, Range.create(device, 64, 64), device);
            kernel.get(kernel.out);
            float[] iota = new float[64];
            for (int i = 0; i < 64; i++) iota[i] = i;
            assertArrayEquals(iota, kernel.out, "the kernel works on the device");

            int tooLarge = 2 * device.getMaxWorkGroupSize();    // clEnqueueNDRangeKernel refuses this
            IotaKernel big = new IotaKernel(tooLarge);
            try {
                OpenClDevices.compile(big, device, false);
                OpenClUnavailableException e = assertThrows(OpenClUnavailableException.class,
                        () -> OpenClDevices.execute(big, Range.create(device, tooLarge, tooLarge), device));
                assertTrue(e.getMessage().contains("refusing to compute on Java threads"), e.getMessage());
            } finally {
                big.dispose();
            }
        } finally {
            kernel.dispose();
        }
    }
}
