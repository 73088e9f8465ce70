package falconh1r.kernels;

/**
 * bf16 and fp16 storage: 16-bit patterns held in {@code short}, widened to f32 for compute.
 *
 * <p>Widening is exact for both formats. Narrowing rounds to nearest, ties to even, as
 * {@code torch.Tensor.to(torch.bfloat16)} and {@code .to(torch.float16)} do; NaN stays NaN.
 */
public final class Half {
    private Half() {}

    /** The two 16-bit float formats of Hugging Face checkpoints. */
    public enum Format { BF16, F16 }

    /** bf16 bits to f32: the bf16 pattern is the top half of the f32 pattern. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** f32 to bf16 bits, rounding to nearest even; NaN maps to a quiet NaN. */
    public static short floatToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {       // NaN: keep sign, force a quiet payload
            return (short) ((x >>> 16) | 0x0040);
        }
        int rounding = 0x7FFF + ((x >>> 16) & 1);
        return (short) ((x + rounding) >>> 16);
    }

    /** IEEE binary16 bits to f32 (exact, including subnormals, infinities and NaN). */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** f32 to IEEE binary16 bits, rounding to nearest even. */
    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }

    /** Widens one 16-bit pattern in the given format. */
    public static float toFloat(short bits, Format format) {
        return format == Format.BF16 ? bf16ToFloat(bits) : f16ToFloat(bits);
    }

    /** Narrows one f32 value to the given format. */
    public static short fromFloat(float f, Format format) {
        return format == Format.BF16 ? floatToBf16(f) : floatToF16(f);
    }

    /** Widens a whole array (used when loading bf16/f16 checkpoints into f32 weights). */
    public static float[] toFloats(short[] bits, Format format) {
        float[] out = new float[bits.length];
        for (int i = 0; i < bits.length; i++) out[i] = toFloat(bits[i], format);
        return out;
    }
}
