package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * The backward of transformers' {@code FalconH1RMSNorm} in f32, whose forward is
 * {@link Backend#rmsNorm}: per row of length D,
 *
 * <pre>
 * r = rsqrt(mean(x²) + eps);   n = x · r;   y = w ⊙ n
 * dw += dy ⊙ n                                         summed over rows
 * dx += r · (dn − x · r² · (dn·x) / D),   dn = dy ⊙ w
 * </pre>
 *
 * r is recomputed from the saved input x (nothing else is stored).
 */
public final class RmsNorm {
    private RmsNorm() {}

    /**
     * @param dx      [rows, D] the input's gradient, accumulated (+=)
     * @param dWeight [D] the weight's gradient, accumulated (+=)
     * @param dy      [rows, D] the output's gradient
     * @param x       [rows, D] the forward's input
     * @param weight  [D]
     */
    public static void backward(Backend backend, float[] dx, float[] dWeight, float[] dy, float[] x, float[] weight,
                                int rows, int dim, float eps) {
        long n = (long) rows * dim;
        if (rows < 0 || dim <= 0) throw new IllegalArgumentException("rmsNorm backward: rows " + rows + ", dim " + dim);
        if (dx.length < n || dy.length < n || x.length < n) {
            throw new IllegalArgumentException("rmsNorm backward: dx, dy and x need rows·dim = " + n + " floats, have "
                    + dx.length + ", " + dy.length + ", " + x.length);
        }
        if (weight.length != dim || dWeight.length != dim) {
            throw new IllegalArgumentException("rmsNorm backward: weight and dWeight need dim = " + dim + " floats, have "
                    + weight.length + ", " + dWeight.length);
        }
        float[] dn = new float[dim];
        for (int r = 0; r < rows; r++) {
            int off = r * dim;
            float inv = (float) (1.0 / Math.sqrt(backend.dot(x, off, x, off, dim) / dim + eps));
            for (int i = 0; i < dim; i++) {
                dn[i] = dy[off + i] * weight[i];
                dWeight[i] += dy[off + i] * (x[off + i] * inv);
            }
            float coef = inv * inv * inv * backend.dot(dn, 0, x, off, dim) / dim;
            for (int i = 0; i < dim; i++) dx[off + i] += inv * dn[i] - coef * x[off + i];
        }
    }
}
