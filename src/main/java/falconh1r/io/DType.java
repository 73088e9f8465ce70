package falconh1r.io;

/**
 * Element types of a safetensors file. Each constant's name is the dtype string of the header.
 *
 * <p>The constants are declared in the order of the Rust crate's {@code Dtype} enum
 * (safetensors 0.7.0, {@code safetensors/src/tensor.rs}), which that crate calls "increasing
 * alignment": {@link SafetensorsWriter} lays tensors out by this order, descending, as
 * {@code safetensors::tensor::serialize} does. F4 and the F6 types pack less than a byte per
 * element; a tensor of them must still fill whole bytes.
 */
public enum DType {
    BOOL(8), F4(4), F6_E2M3(6), F6_E3M2(6), U8(8), I8(8), F8_E5M2(8), F8_E4M3(8), F8_E8M0(8),
    I16(16), U16(16), F16(16), BF16(16), I32(32), U32(32), F32(32), C64(64), F64(64), I64(64),
    U64(64);

    private final int bits;

    DType(int bits) {
        this.bits = bits;
    }

    /** Bits per element (4 for F4, 6 for the F6 types, otherwise a multiple of 8). */
    public int bitSize() {
        return bits;
    }

    /** Bytes per element; the sub-byte types F4 and F6_* have none and throw. */
    public int byteSize() {
        if (bits % 8 != 0) {
            throw new UnsupportedOperationException(name() + " packs " + bits + " bits per element");
        }
        return bits / 8;
    }

    /**
     * Bytes taken by {@code numel} elements.
     *
     * @throws ArithmeticException if the bit count overflows a long
     * @throws IllegalArgumentException if the elements do not end on a byte boundary
     */
    public long byteCount(long numel) {
        long nbits = Math.multiplyExact(numel, (long) bits);
        if (nbits % 8 != 0) {
            throw new IllegalArgumentException(numel + " " + name() + " elements do not fill whole bytes");
        }
        return nbits / 8;
    }

    /** Number of elements of a shape (1 for a scalar), or ArithmeticException on overflow. */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** The constant whose name is {@code name}, or null (dtype strings are case-sensitive). */
    static DType byName(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) return t;
        }
        return null;
    }
}
