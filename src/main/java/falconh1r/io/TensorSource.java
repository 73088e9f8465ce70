package falconh1r.io;

import falconh1r.kernels.Half;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Named tensors backed by safetensors data: one file ({@link SafetensorsFile}) or a checkpoint
 * folder ({@link CheckpointFolder}). The typed readers copy little-endian data into Java arrays;
 * {@link #segment} is the zero-copy view. Every failure is a {@link SafetensorsException} naming
 * the file that holds (or lacks) the tensor.
 */
public interface TensorSource extends AutoCloseable {

    /** Largest array the JVM reliably allocates. */
    int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    /** Tensor names in code point order (the order of Python's {@code sorted(f.keys())}). */
    List<String> names();

    /** Header entry of a tensor. */
    TensorInfo info(String name);

    /** Read-only view of a tensor's bytes; valid until {@link #close()}. */
    MemorySegment segment(String name);

    /** The file that holds a tensor (the one error messages name). */
    Path fileOf(String name);

    /** Unmaps every file; segments handed out before become inaccessible. */
    @Override
    void close();

    /** Whether a tensor of that name exists. */
    boolean contains(String name);

    default long[] shape(String name) {
        return info(name).shape();
    }

    /** F32 as stored; BF16 and F16 widened exactly (NaN payloads kept) by {@link Half}. */
    default float[] floats(String name) {
        TensorInfo t = info(name);
        return switch (t.dtype()) {
            case F32 -> array(t).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
            case BF16, F16 -> {
                Half.Format format = t.dtype() == DType.BF16 ? Half.Format.BF16 : Half.Format.F16;
                yield Half.toFloats(halfBits(name), format);
            }
            default -> throw wrongType(t, "floats()", DType.F32, DType.BF16, DType.F16);
        };
    }

    /** Raw 16-bit patterns of a BF16 or F16 tensor (or of I16/U16, which some fixtures use to carry them). */
    default short[] halfBits(String name) {
        TensorInfo t = info(name);
        if (t.dtype().bitSize() != 16) throw wrongType(t, "halfBits()", DType.BF16, DType.F16, DType.I16, DType.U16);
        return array(t).toArray(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    /** Values of an F64 tensor. */
    default double[] doubles(String name) {
        TensorInfo t = info(name);
        if (t.dtype() != DType.F64) throw wrongType(t, "doubles()", DType.F64);
        return array(t).toArray(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    /** Values of an I32 tensor. */
    default int[] ints(String name) {
        TensorInfo t = info(name);
        if (t.dtype() != DType.I32) throw wrongType(t, "ints()", DType.I32);
        return array(t).toArray(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    /** Values of an I64 tensor. */
    default long[] longs(String name) {
        TensorInfo t = info(name);
        if (t.dtype() != DType.I64) throw wrongType(t, "longs()", DType.I64);
        return array(t).toArray(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    /** Raw bytes of a tensor of any dtype. */
    default byte[] bytes(String name) {
        TensorInfo t = info(name);
        if (t.byteSize() > MAX_ARRAY_LENGTH) {
            throw new SafetensorsException(fileOf(t.name()), "tensor '" + t.name() + "' has " + t.byteSize()
                    + " bytes, too many for a Java array; read it through segment()");
        }
        return segment(name).toArray(ValueLayout.JAVA_BYTE);
    }

    /** The tensor's segment, once its element count is known to fit a Java array. */
    private MemorySegment array(TensorInfo t) {
        if (t.numel() > MAX_ARRAY_LENGTH) {
            throw new SafetensorsException(fileOf(t.name()), "tensor '" + t.name() + "' has " + t.numel()
                    + " elements, too many for a Java array; read it through segment()");
        }
        return segment(t.name());
    }

    private SafetensorsException wrongType(TensorInfo t, String reader, DType... accepted) {
        return new SafetensorsException(fileOf(t.name()), "tensor '" + t.name() + "' is " + t.dtype() + ", "
                + reader + " reads " + Arrays.toString(accepted));
    }
}
