package falconh1r.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shape used by every SIMD kernel, fixed once per JVM.
 *
 * <p>The Vector API only compiles to machine vectors when the species is a compile-time constant,
 * so it lives in {@code static final} fields. {@code -Dfalcon.simd.bits=128|256|512} forces a
 * width (tests run the SIMD suite at 128 and 256 bits as well as the preferred width); without it
 * the platform's {@link FloatVector#SPECIES_PREFERRED} is used.
 */
final class Vectors {
    private Vectors() {}

    /** f32 lanes. */
    static final VectorSpecies<Float> F = floatSpecies(System.getProperty("falcon.simd.bits"));
    /** Lanes per f32 vector. */
    static final int L = F.length();
    /** i32 lanes, same count as {@link #F}: used to widen 16-bit floats. */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** i16 lanes, same count as {@link #F} (half the bits). */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    static VectorSpecies<Float> floatSpecies(String bits) {
        if (bits == null || bits.isBlank()) return FloatVector.SPECIES_PREFERRED;
        int b;
        try {
            b = Integer.parseInt(bits.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("falcon.simd.bits must be 128, 256 or 512, got '" + bits + "'");
        }
        if (b != 128 && b != 256 && b != 512) {
            throw new IllegalArgumentException("falcon.simd.bits must be 128, 256 or 512, got " + b);
        }
        if (b > FloatVector.SPECIES_MAX.vectorBitSize()) {
            throw new IllegalArgumentException("falcon.simd.bits=" + b + " exceeds this CPU's widest vector ("
                    + FloatVector.SPECIES_MAX.vectorBitSize() + " bits)");
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(b));
    }

    /** Description for logs and benchmark lines, e.g. {@code "512-bit (16 lanes)"}. */
    static String describe() {
        return F.vectorBitSize() + "-bit (" + L + " f32 lanes)";
    }

    static {
        // Touch the derived species so a bad width fails at class init, not mid-kernel.
        IntVector.zero(I);
        ShortVector.zero(S);
    }
}
