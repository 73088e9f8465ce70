package falconh1r.kernels;

/** Argument checks shared by every backend: impossible shapes fail before any work is done. */
final class Shapes {
    private Shapes() {}

    static void checkMatmul(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff, int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("matmul: negative shape m=" + m + " n=" + n + " k=" + k);
        }
        need("matmul C", c, cOff, (long) m * n);
        need("matmul A", a, aOff, (long) m * k);
        need("matmul B", b, bOff, (long) n * k);
    }

    /** A matmul whose weight is packed 16-bit bits ({@code wLength} of them), every operand from 0. */
    static void checkHalfMatmul(float[] c, float[] a, int wLength, int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("matmul (16-bit W): negative shape m=" + m + " n=" + n + " k=" + k);
        }
        if (wLength < (long) n * k) {
            throw new IllegalArgumentException("matmul W (16-bit): needs " + (long) n * k + " elements, has " + wLength);
        }
        need("matmul C", c, 0, (long) m * n);
        need("matmul A", a, 0, (long) m * k);
    }

    static void checkBackward(float[] out, long outLen, float[] dy, long dyLen, float[] other, long otherLen) {
        need("backward output", out, 0, outLen);
        need("backward dY", dy, 0, dyLen);
        need("backward operand", other, 0, otherLen);
    }

    /** An op over {@code n} elements of each array from its offset. */
    static void checkElements(String op, int n, float[] a, int aOff, float[] b, int bOff) {
        if (n < 0) throw new IllegalArgumentException(op + ": negative length " + n);
        need(op + " first operand", a, aOff, n);
        need(op + " second operand", b, bOff, n);
    }

    /** RMSNorm: rows × dim in and out, and a weight of dim. */
    static void checkRmsNorm(float[] out, float[] x, float[] weight, int rows, int dim) {
        checkRows(out, x, rows, dim);
        need("rmsNorm weight", weight, 0, dim);
    }

    static void checkRows(float[] out, float[] x, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("rows=" + rows + " cols=" + cols);
        need("row op input", x, 0, (long) rows * cols);
        need("row op output", out, 0, (long) rows * cols);
    }

    /** {@link Backend#forEach}'s task count. */
    static void checkCount(int count) {
        if (count < 0) throw new IllegalArgumentException("forEach: negative task count " + count);
    }

    private static void need(String what, float[] array, int off, long len) {
        if (off < 0 || off + len > array.length) {
            throw new IllegalArgumentException(what + ": needs " + len + " elements from offset " + off
                    + ", array has " + array.length);
        }
    }
}
