package falconh1r.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a safetensors header.
 *
 * @param name      the tensor's key in the header
 * @param dtype     element type
 * @param shape     dimensions, row-major (C order); empty for a scalar
 * @param dataStart first byte, relative to the start of the data section (the header's
 *                  {@code data_offsets[0]})
 * @param dataEnd   one past the last byte, relative to the data section ({@code data_offsets[1]})
 * @param numel     product of the dimensions (1 for a scalar, 0 when a dimension is 0)
 */
public record TensorInfo(String name, DType dtype, long[] shape, long dataStart, long dataEnd, long numel) {

    public TensorInfo {
        shape = shape.clone();
    }

    /** A copy of the dimensions. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** {@code dataEnd - dataStart}. */
    public long byteSize() {
        return dataEnd - dataStart;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && dataStart == t.dataStart && dataEnd == t.dataEnd
                && numel == t.numel;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), dataStart, dataEnd);
    }

    @Override
    public String toString() {
        return "'" + name + "' " + dtype + " " + Arrays.toString(shape) + " data_offsets [" + dataStart
                + ", " + dataEnd + "]";
    }
}
