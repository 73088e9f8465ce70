package falconh1r.kernels;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;

/**
 * {@code y[n] = W[n,k] · x[k]} with W resident on the device as bf16 or fp16 bits, widened to f32
 * element by element inside the kernel, exactly as {@link Half#toFloat} does. The reduction is the
 * GPULlama3-style matvec of {@link F32LinearKernel#GEMV}: one work-group per output row, summed by
 * {@link #groupSum}.
 *
 * <p><b>Packing.</b> Aparapi has no {@code put(short[])}, so the 16-bit patterns travel packed two
 * per {@code int}: element {@code e} is the low half of {@code w[e >> 1]} when {@code e} is even and
 * the high half when odd (rows may start mid-word when k is odd).
 *
 * <p><b>Widening without bit casts.</b> Aparapi 3.0.2 maps only {@code Kernel}'s own math methods to
 * OpenCL builtins; {@code Float.intBitsToFloat} (OpenCL {@code as_float}) is not one of them, and a
 * kernel that calls it fails to compile (Aparapi tries to translate the native JDK method). So the
 * kernel widens arithmetically, which is exact for both formats: a pattern with sign s, exponent field
 * e and mantissa field f is {@code (−1)^s · significand · scale[e]}, where the significand is the
 * integer {@code f} (subnormals, e = 0) or {@code 2^mantBits + f} (normals), at most 11 bits, so
 * {@code significand · 2^−mantBits} is an exact float, and {@code scale[e] = 2^(max(e,1) − bias)} is a
 * normal power of two (kept normal so a device that flushes denormals still widens every normal
 * pattern exactly); the product of the two is therefore exact. Slot {@code expMax} of the table holds +∞ (infinities: f = 0) and slot
 * {@code expMax + 1} holds NaN (f ≠ 0), so specials need no extra branch. Both formats' tables are
 * resident side by side; {@link #tableBase} picks one, so the format is a per-call argument.
 */
final class HalfMatvecKernel extends RowReductionKernel {

    /** Start of the bf16 table (256 exponents + NaN slot) and of the fp16 table (32 + NaN slot). */
    static final int BF16_TABLE = 0;
    static final int F16_TABLE = 257;

    // ---- device-side state -----------------------------------------------------------------
    /** Packed 16-bit weight patterns, [n*k] elements two per int, uploaded once. */
    final int[] w;
    /** Widening tables for bf16 then fp16, see the class comment. */
    final float[] scale = widenTables();
    float[] x = new float[1];   // [k]
    float[] y = new float[1];   // [n]

    int n;
    int k;
    int tableBase;
    int mantBits;    // 7 (bf16) or 10 (fp16)
    float mantScale; // 2^-mantBits
    int expMask;     // 0xFF or 0x1F

    // ---- host side -------------------------------------------------------------------------
    private final OpenCLDevice device;
    private final int localSize;

    /** Packs {@code bits} for {@code device}; the caller compiles it, and upload happens on first use. */
    HalfMatvecKernel(short[] bits, OpenCLDevice device, int localSize) {
        super(localSize);
        this.w = pack(bits);
        this.device = device;
        this.localSize = localSize;
        setExplicit(true);
        put(w);
        put(scale);
    }

    /** {@code y[0..n) = widen(W[n,k]) · x[0..k)}; n, k ≥ 1 and {@code n · localSize} fits an int. */
    void matvec(float[] yOut, float[] xIn, Half.Format format, int n, int k) {
        if (x.length != k) x = new float[k];
        if (y.length != n) y = new float[n];
        System.arraycopy(xIn, 0, x, 0, k);
        this.n = n;
        this.k = k;
        boolean bf16 = format == Half.Format.BF16;
        tableBase = bf16 ? BF16_TABLE : F16_TABLE;
        mantBits = bf16 ? 7 : 10;
        mantScale = bf16 ? 0x1p-7f : 0x1p-10f;
        expMask = bf16 ? 0xFF : 0x1F;
        put(x);
        OpenClDevices.execute(this, Range.create(device, n * localSize, localSize), device);
        get(y);
        System.arraycopy(y, 0, yOut, 0, n);
    }

    /** Uploads the weight again after its 16-bit contents changed. */
    void weightChanged(short[] bits) {
        for (int i = 0; i < w.length; i++) w[i] = 0;
        packInto(bits, w);
        put(w);
    }

    boolean fits(int n) {
        return (long) n * localSize <= Integer.MAX_VALUE;
    }

    long deviceBytes() {
        return 4L * ((long) w.length + scale.length + x.length + y.length);
    }

    /** Two 16-bit patterns per int, element 2i in the low half of word i. */
    static int[] pack(short[] bits) {
        int[] packed = new int[(bits.length + 1) / 2];
        packInto(bits, packed);
        return packed;
    }

    private static void packInto(short[] bits, int[] packed) {
        for (int e = 0; e < bits.length; e++) {
            packed[e >> 1] |= (bits[e] & 0xFFFF) << ((e & 1) << 4);
        }
    }

    /** bf16 table at {@link #BF16_TABLE}, fp16 table at {@link #F16_TABLE}, see the class comment. */
    static float[] widenTables() {
        float[] t = new float[F16_TABLE + 33];
        fillTable(t, BF16_TABLE, 0xFF, 127);
        fillTable(t, F16_TABLE, 0x1F, 15);
        return t;
    }

    private static void fillTable(float[] t, int base, int expMax, int bias) {
        for (int e = 0; e < expMax; e++) t[base + e] = Math.scalb(1f, Math.max(e, 1) - bias);
        t[base + expMax] = Float.POSITIVE_INFINITY;
        t[base + expMax + 1] = Float.NaN;
    }

    // ---- device side -----------------------------------------------------------------------

    @Override
    public void run() {
        int row = getGroupId(0);
        int lid = getLocalId(0);
        int size = getLocalSize(0);
        int base = row * k;
        float sum = 0f;
        for (int i = lid; i < k; i += size) {
            sum += widen(base + i) * x[i];
        }
        float total = groupSum(sum);
        if (lid == 0) {
            y[row] = total;
        }
    }

    /** Element {@code e} of W as f32 (exact; see the class comment). */
    private float widen(int e) {
        int word = w[e >> 1];
        int bits = (e & 1) == 0 ? (word & 0xFFFF) : (word >>> 16);
        int exp = (bits >>> mantBits) & expMask;
        int frac = bits & ((1 << mantBits) - 1);
        int significand = exp == 0 ? frac : frac + (1 << mantBits);
        int slot = exp == expMask && frac != 0 ? expMask + 1 : exp;
        float magnitude = (significand * mantScale) * scale[tableBase + slot];
        return (bits & 0x8000) != 0 ? -magnitude : magnitude;
    }
}
