package falconh1r.model;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Half;

/**
 * A 2-D weight [out, in] as the model holds it: f32 ({@code f32} set), or packed bf16/fp16 bits
 * ({@code packed} and {@code format} set) that the Backend widens inside the product, so a bf16
 * checkpoint stays at two bytes per weight in memory. Exactly one of the two arrays is non-null.
 * Training needs the f32 form ({@link FalconH1Parameters#get} refuses packed tensors).
 */
public record Weight(float[] f32, short[] packed, Half.Format format) {

    public Weight {
        if ((f32 == null) == (packed == null) || (packed != null && format == null)) {
            throw new IllegalArgumentException("a weight is either f32 or packed 16-bit bits with a format");
        }
    }

    public static Weight of(float[] f32) {
        return new Weight(f32, null, null);
    }

    /** {@code y[rows, out] = x[rows, in] · Wᵀ} ({@code F.linear(x, W)}), through the backend. */
    public void matmul(Backend backend, float[] y, float[] x, int rows, int out, int in) {
        if (f32 != null) {
            backend.matmul(y, x, f32, rows, out, in);
        } else {
            backend.matmul(y, x, packed, format, rows, out, in);
        }
    }

    /** Row {@code row} of {@code in} values, widened to f32, into {@code dst} at {@code dstOff}. */
    public void copyRow(int row, int in, float[] dst, int dstOff) {
        if (f32 != null) {
            System.arraycopy(f32, row * in, dst, dstOff, in);
        } else {
            for (int i = 0; i < in; i++) dst[dstOff + i] = Half.toFloat(packed[row * in + i], format);
        }
    }

    /** Tells the backend to keep this weight resident (a no-op for packed weights, always resident). */
    public void register(Backend backend) {
        if (f32 != null) backend.registerWeight(f32);
    }

    /** Bytes of the stored elements. */
    public long bytes() {
        return f32 != null ? 4L * f32.length : 2L * packed.length;
    }
}
