package falconh1r.kernels;

import static falconh1r.kernels.Vectors.F;
import static falconh1r.kernels.Vectors.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Every op of {@link ScalarBackend}, computed with the Vector API ({@link Vectors#F}) and split into
 * coarse chunks over a dedicated thread pool ({@link Parallel}). Matrix kernels live in
 * {@link SimdMatmul}; this class decides shapes, splitting and edges.
 *
 * <p>Small problems run on the calling thread: below {@link #PARALLEL_MIN_WORK} multiply-adds the
 * hand-off costs more than it saves.
 */
public final class SimdBackend implements Backend {

    /** Work (multiply-adds or elements × cost) below which an op runs on the calling thread. */
    static final long PARALLEL_MIN_WORK = 1L << 16;

    private final Parallel parallel;

    /** A backend using every available processor. */
    public SimdBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** A backend splitting work over {@code threads} threads (the caller included). */
    public SimdBackend(int threads) {
        this.parallel = new Parallel(threads);
    }

    @Override
    public String name() {
        return "simd";
    }

    /** The vector width in use, e.g. {@code "512-bit (16 f32 lanes)"}, and the thread count. */
    public String describe() {
        return "simd " + Vectors.describe() + ", " + parallel.threads() + " thread(s)";
    }

    // ---- matrix products -------------------------------------------------------------------

    @Override
    public void matmul(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff, int m, int n, int k) {
        Shapes.checkMatmul(c, cOff, a, aOff, b, bOff, m, n, k);
        if (m == 0 || n == 0) return;
        boolean par = (long) m * n * k >= PARALLEL_MIN_WORK;
        // Split over rows of B (the weights) so each thread streams its own slice of them; fall
        // back to rows of A when B is too short to give every thread a tile.
        if (k <= SimdMatmul.SHORT_K && m >= SimdMatmul.MR) {
            // a short reduction: B transposed, the broadcast kernel; split over rows of A
            parallel.forRange(m, SimdMatmul.MR, par,
                    (i0, i1) -> SimdMatmul.forwardShortBlock(c, cOff, a, aOff, b, bOff, n, k, i0, i1, 0, n));
        } else if (n >= parallel.threads() * SimdMatmul.NR * 4 || m < SimdMatmul.MR * parallel.threads()) {
            int align = m < SimdMatmul.MR ? 8 : SimdMatmul.NR;    // whole 1×8 or 4×3 tiles per chunk
            parallel.forRange(n, align, par,
                    (j0, j1) -> SimdMatmul.forwardBlock(c, cOff, a, aOff, b, bOff, n, k, 0, m, j0, j1));
        } else {
            parallel.forRange(m, SimdMatmul.MR, par,
                    (i0, i1) -> SimdMatmul.forwardBlock(c, cOff, a, aOff, b, bOff, n, k, i0, i1, 0, n));
        }
    }

    @Override
    public void matmul(float[] c, float[] a, short[] w, Half.Format format, int m, int n, int k) {
        Shapes.checkHalfMatmul(c, a, w.length, m, n, k);
        if (m == 0 || n == 0) return;
        boolean bf16 = format == Half.Format.BF16, par = (long) m * n * k >= PARALLEL_MIN_WORK;
        // Split over rows of W. A few rows of A: one packed matvec per row (widening in registers);
        // more: widen a cache block of W at a time into a panel and run the f32 tiles over it.
        if (m < SimdMatmul.MR) {
            parallel.forRange(n, 4, par, (j0, j1) -> {
                for (int i = 0; i < m; i++) SimdMatmul.halfMatvecRows(c, i * n, w, bf16, a, i * k, k, j0, j1);
            });
        } else {
            parallel.forRange(n, SimdMatmul.NR, par, (j0, j1) -> SimdMatmul.halfMatmulBlock(c, a, w, bf16, m, n, k, j0, j1));
        }
    }

    @Override
    public void matmulBackwardInput(float[] dx, float[] dy, float[] w, int m, int n, int k) {
        Shapes.checkBackward(dx, m * (long) k, dy, m * (long) n, w, n * (long) k);
        // dX[i,p] += Σ_j dY[i,j]·W[j,p]: A(i,j) = dy[i·n + j], B = W [n,k]; split over columns p.
        accumulate(dx, k, dy, n, 1, w, k, n, m);
    }

    @Override
    public void matmulBackwardWeight(float[] dw, float[] dy, float[] x, int m, int n, int k) {
        Shapes.checkBackward(dw, n * (long) k, dy, m * (long) n, x, m * (long) k);
        // dW[j,p] += Σ_i dY[i,j]·X[i,p]: A(j,i) = dy[i·n + j], B = X [m,k]; split over columns p.
        accumulate(dw, k, dy, 1, n, x, k, m, n);
    }

    /** {@code C[rows, ldc] += A(·,·)·B[kk, ldb]}, split over C's columns, or rows when narrow. */
    private void accumulate(float[] c, int ldc, float[] a, int rs, int cs, float[] b, int ldb, int kk, int rows) {
        if (rows == 0 || ldc == 0) return;
        boolean par = (long) rows * ldc * kk >= PARALLEL_MIN_WORK;
        int width = 4 * L;                                        // whole 4×4 tiles per chunk
        if (ldc >= parallel.threads() * width) {
            parallel.forRange(ldc, width, par,
                    (p0, p1) -> SimdMatmul.accumulateBlock(c, 0, ldc, a, 0, rs, cs, b, ldb, kk, 0, rows, p0, p1));
        } else {
            parallel.forRange(rows, 4, par,
                    (i0, i1) -> SimdMatmul.accumulateBlock(c, 0, ldc, a, 0, rs, cs, b, ldb, kk, i0, i1, 0, ldc));
        }
    }

    // ---- vector ops ------------------------------------------------------------------------

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        Shapes.checkElements("dot", n, a, aOff, b, bOff);
        return SimdMatmul.dot(a, aOff, b, bOff, n);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        Shapes.checkElements("axpy", n, x, xOff, y, yOff);
        SimdMatmul.axpy(alpha, x, xOff, y, yOff, n);
    }

    @Override
    public void multiplyAdd(float[] y, int yOff, float[] a, int aOff, float[] b, int bOff, int n) {
        Shapes.checkElements("multiplyAdd", n, a, aOff, b, bOff);
        Shapes.checkElements("multiplyAdd", n, y, yOff, y, yOff);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector product = FloatVector.fromArray(F, a, aOff + i).mul(FloatVector.fromArray(F, b, bOff + i));
            FloatVector.fromArray(F, y, yOff + i).add(product).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += a[aOff + i] * b[bOff + i];
    }

    @Override
    public void scale(float[] x, int off, int n, float s) {
        Shapes.checkElements("scale", n, x, off, x, off);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        for (; i < n; i++) x[off + i] *= s;
    }

    @Override
    public void add(float[] out, float[] a, float[] b, int n) {
        Shapes.checkElements("add", n, a, 0, b, 0);
        Shapes.checkElements("add", n, out, 0, out, 0);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, a, i).add(FloatVector.fromArray(F, b, i)).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = a[i] + b[i];
    }

    // ---- row ops ---------------------------------------------------------------------------

    @Override
    public void rmsNorm(float[] out, float[] x, float[] weight, int rows, int dim, float eps) {
        Shapes.checkRmsNorm(out, x, weight, rows, dim);
        parallel.forRange(rows, 1, (long) rows * dim >= PARALLEL_MIN_WORK, (r0, r1) -> {
            for (int r = r0; r < r1; r++) rmsNormRow(out, x, weight, r * dim, dim, eps);
        });
    }

    private static void rmsNormRow(float[] out, float[] x, float[] weight, int off, int dim, float eps) {
        float sumSq = SimdMatmul.dot(x, off, x, off, dim);
        float inv = (float) (1.0 / Math.sqrt(sumSq / dim + eps));
        int bound = F.loopBound(dim);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(inv).mul(FloatVector.fromArray(F, weight, i))
                    .intoArray(out, off + i);
        }
        for (; i < dim; i++) out[off + i] = weight[i] * (x[off + i] * inv);
    }

    @Override
    public void softmax(float[] x, int rows, int cols) {
        Shapes.checkRows(x, x, rows, cols);
        parallel.forRange(rows, 1, (long) rows * cols * 8 >= PARALLEL_MIN_WORK, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int off = r * cols;
                float max = rowMax(x, off, cols);
                float sum = expShifted(x, x, off, cols, max);
                scale(x, off, cols, 1f / sum);
            }
        });
    }

    @Override
    public void logSoftmax(float[] out, float[] x, int rows, int cols) {
        Shapes.checkRows(out, x, rows, cols);
        parallel.forRange(rows, 1, (long) rows * cols * 8 >= PARALLEL_MIN_WORK, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int off = r * cols;
                float max = rowMax(x, off, cols);
                float logSum = (float) Math.log(expShifted(x, null, off, cols, max));   // out may be x
                int bound = F.loopBound(cols);
                int i = 0;
                for (; i < bound; i += L) {
                    FloatVector.fromArray(F, x, off + i).sub(max).sub(logSum).intoArray(out, off + i);
                }
                for (; i < cols; i++) out[off + i] = x[off + i] - max - logSum;
            }
        });
    }

    private static float rowMax(float[] x, int off, int n) {
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) acc = acc.max(FloatVector.fromArray(F, x, off + i));
        float max = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, x[off + i]);
        return max;
    }

    /** {@code Σ exp(x[off+i] - max)}, storing each term in {@code out[off+i]} unless out is null. */
    private static float expShifted(float[] x, float[] out, int off, int n, float max) {
        FloatVector acc = FloatVector.zero(F);
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(F, x, off + i).sub(max).lanewise(VectorOperators.EXP);
            if (out != null) e.intoArray(out, off + i);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            if (out != null) out[off + i] = e;
            sum += e;
        }
        return sum;
    }

    // ---- elementwise -----------------------------------------------------------------------

    @Override
    public void silu(float[] out, float[] x, int n) {
        Shapes.checkElements("silu", n, out, 0, x, 0);
        parallel.forRange(n, L, (long) n * 16 >= PARALLEL_MIN_WORK, (i0, i1) -> {
            int bound = i0 + F.loopBound(i1 - i0);
            int i = i0;
            for (; i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, i);
                v.div(v.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(out, i);
            }
            for (; i < i1; i++) out[i] = ScalarBackend.silu(x[i]);
        });
    }

    @Override
    public void siluBackward(float[] dx, float[] dy, float[] x, int n) {
        Shapes.checkElements("siluBackward", n, dx, 0, dy, 0);
        Shapes.checkElements("siluBackward", n, x, 0, x, 0);
        parallel.forRange(n, L, (long) n * 16 >= PARALLEL_MIN_WORK, (i0, i1) -> {
            int bound = i0 + F.loopBound(i1 - i0);
            int i = i0;
            for (; i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, i);
                FloatVector sigmoid = FloatVector.broadcast(F, 1f).div(v.neg().lanewise(VectorOperators.EXP).add(1f));
                FloatVector slope = sigmoid.mul(v.mul(sigmoid.neg().add(1f)).add(1f));
                FloatVector.fromArray(F, dy, i).mul(slope).intoArray(dx, i);
            }
            for (; i < i1; i++) {
                float sigmoid = 1f / (1f + (float) Math.exp(-x[i]));
                dx[i] = dy[i] * sigmoid * (1f + x[i] * (1f - sigmoid));
            }
        });
    }

    @Override
    public void softplus(float[] out, float[] x, int n) {
        Shapes.checkElements("softplus", n, out, 0, x, 0);
        parallel.forRange(n, L, (long) n * 16 >= PARALLEL_MIN_WORK, (i0, i1) -> {
            int bound = i0 + F.loopBound(i1 - i0);
            int i = i0;
            for (; i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, i);
                VectorMask<Float> linear = v.compare(VectorOperators.GT, 20f);
                FloatVector soft = v.lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P);
                soft.blend(v, linear).intoArray(out, i);
            }
            for (; i < i1; i++) out[i] = ScalarBackend.softplus(x[i]);
        });
    }

    @Override
    public void exp(float[] out, float[] x, int n) {
        Shapes.checkElements("exp", n, out, 0, x, 0);
        parallel.forRange(n, L, (long) n * 8 >= PARALLEL_MIN_WORK, (i0, i1) -> {
            int bound = i0 + F.loopBound(i1 - i0);
            int i = i0;
            for (; i < bound; i += L) {
                FloatVector.fromArray(F, x, i).lanewise(VectorOperators.EXP).intoArray(out, i);
            }
            for (; i < i1; i++) out[i] = (float) Math.exp(x[i]);
        });
    }

    // ---- independent tasks -----------------------------------------------------------------

    @Override
    public void forEach(int count, Task task) {
        Shapes.checkCount(count);
        parallel.forRange(count, 1, true, (i0, i1) -> {
            for (int i = i0; i < i1; i++) task.run(i);
        });
    }

    @Override
    public void close() {
        parallel.close();
    }
}
