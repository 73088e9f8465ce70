package falconh1r.kernels;

/**
 * The readable definition of every op: plain loops, one thread, f32 accumulation.
 *
 * <p>Every other backend is tested against this one, and this one against the Python references
 * (fixtures/kernels) and, for matmul, against ojAlgo in double precision.
 */
public final class ScalarBackend implements Backend {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void matmul(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff, int m, int n, int k) {
        Shapes.checkMatmul(c, cOff, a, aOff, b, bOff, m, n, k);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[cOff + i * n + j] = dot(a, aOff + i * k, b, bOff + j * k, k);
            }
        }
    }

    @Override
    public void matmul(float[] c, float[] a, short[] w, Half.Format format, int m, int n, int k) {
        Shapes.checkHalfMatmul(c, a, w.length, m, n, k);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) sum += a[i * k + p] * Half.toFloat(w[j * k + p], format);
                c[i * n + j] = sum;
            }
        }
    }

    @Override
    public void matmulBackwardInput(float[] dx, float[] dy, float[] w, int m, int n, int k) {
        Shapes.checkBackward(dx, m * (long) k, dy, m * (long) n, w, n * (long) k);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                axpy(dy[i * n + j], w, j * k, dx, i * k, k);     // dX[i,:] += dY[i,j] · W[j,:]
            }
        }
    }

    @Override
    public void matmulBackwardWeight(float[] dw, float[] dy, float[] x, int m, int n, int k) {
        Shapes.checkBackward(dw, n * (long) k, dy, m * (long) n, x, m * (long) k);
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                axpy(dy[i * n + j], x, i * k, dw, j * k, k);     // dW[j,:] += dY[i,j] · X[i,:]
            }
        }
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        Shapes.checkElements("dot", n, a, aOff, b, bOff);
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        Shapes.checkElements("axpy", n, x, xOff, y, yOff);
        for (int i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    @Override
    public void multiplyAdd(float[] y, int yOff, float[] a, int aOff, float[] b, int bOff, int n) {
        Shapes.checkElements("multiplyAdd", n, a, aOff, b, bOff);
        Shapes.checkElements("multiplyAdd", n, y, yOff, y, yOff);
        for (int i = 0; i < n; i++) y[yOff + i] += a[aOff + i] * b[bOff + i];
    }

    @Override
    public void scale(float[] x, int off, int n, float s) {
        Shapes.checkElements("scale", n, x, off, x, off);
        for (int i = 0; i < n; i++) x[off + i] *= s;
    }

    @Override
    public void add(float[] out, float[] a, float[] b, int n) {
        Shapes.checkElements("add", n, a, 0, b, 0);
        Shapes.checkElements("add", n, out, 0, out, 0);
        for (int i = 0; i < n; i++) out[i] = a[i] + b[i];
    }

    @Override
    public void rmsNorm(float[] out, float[] x, float[] weight, int rows, int dim, float eps) {
        Shapes.checkRmsNorm(out, x, weight, rows, dim);
        for (int r = 0; r < rows; r++) {
            int off = r * dim;
            float sumSq = 0f;
            for (int i = 0; i < dim; i++) sumSq += x[off + i] * x[off + i];
            float inv = (float) (1.0 / Math.sqrt(sumSq / dim + eps));
            for (int i = 0; i < dim; i++) out[off + i] = weight[i] * (x[off + i] * inv);
        }
    }

    @Override
    public void softmax(float[] x, int rows, int cols) {
        Shapes.checkRows(x, x, rows, cols);
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < cols; i++) max = Math.max(max, x[off + i]);
            float sum = 0f;
            for (int i = 0; i < cols; i++) {
                x[off + i] = (float) Math.exp(x[off + i] - max);
                sum += x[off + i];
            }
            float inv = 1f / sum;
            for (int i = 0; i < cols; i++) x[off + i] *= inv;
        }
    }

    @Override
    public void logSoftmax(float[] out, float[] x, int rows, int cols) {
        Shapes.checkRows(out, x, rows, cols);
        for (int r = 0; r < rows; r++) {
            int off = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < cols; i++) max = Math.max(max, x[off + i]);
            float sum = 0f;
            for (int i = 0; i < cols; i++) sum += (float) Math.exp(x[off + i] - max);
            float logSum = (float) Math.log(sum);
            for (int i = 0; i < cols; i++) out[off + i] = x[off + i] - max - logSum;
        }
    }

    @Override
    public void silu(float[] out, float[] x, int n) {
        Shapes.checkElements("silu", n, out, 0, x, 0);
        for (int i = 0; i < n; i++) out[i] = silu(x[i]);
    }

    @Override
    public void siluBackward(float[] dx, float[] dy, float[] x, int n) {
        Shapes.checkElements("siluBackward", n, dx, 0, dy, 0);
        Shapes.checkElements("siluBackward", n, x, 0, x, 0);
        for (int i = 0; i < n; i++) {
            float sigmoid = 1f / (1f + (float) Math.exp(-x[i]));
            dx[i] = dy[i] * sigmoid * (1f + x[i] * (1f - sigmoid));
        }
    }

    @Override
    public void softplus(float[] out, float[] x, int n) {
        Shapes.checkElements("softplus", n, out, 0, x, 0);
        for (int i = 0; i < n; i++) out[i] = softplus(x[i]);
    }

    @Override
    public void exp(float[] out, float[] x, int n) {
        Shapes.checkElements("exp", n, out, 0, x, 0);
        for (int i = 0; i < n; i++) out[i] = (float) Math.exp(x[i]);
    }

    @Override
    public void forEach(int count, Task task) {
        Shapes.checkCount(count);
        for (int i = 0; i < count; i++) task.run(i);
    }

    /** {@code x·sigmoid(x) = x / (1 + e⁻ˣ)}; also the scalar tail of {@link SimdBackend#silu}. */
    static float silu(float x) {
        return x / (1f + (float) Math.exp(-x));
    }

    /** PyTorch's softplus (beta 1, threshold 20): linear above 20; also {@link SimdBackend}'s tail. */
    static float softplus(float x) {
        return x > 20f ? x : (float) Math.log1p(Math.exp(x));
    }
}
