package falconh1r.kernels;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;

/**
 * {@code nn.Linear} products with an f32 weight on an OpenCL device, with two entry points:
 * <ul>
 *   <li>{@link #GEMM}: {@code C[m,n] = A[m,k] · W[n,k]ᵀ}, the classic tiled GEMM: 16×16 work-groups,
 *       each stages a 16×16 tile of A and of W in local memory per step along k;</li>
 *   <li>{@link #GEMV}: {@code y[n] = W[n,k] · x[k]}, the GPULlama3-style matvec: one work-group per
 *       output row, strided partial sums, then {@link #groupSum}.</li>
 * </ul>
 *
 * <p>Both entry points live in one kernel class because Aparapi binds device buffers to kernel
 * instance fields: one class means one upload of {@link #w} serves prefill and decode alike
 * (Aparapi's "emulating multiple entry points" pattern, an {@code int} mode field and a branch).
 *
 * <p>Two kinds of instance: {@link #resident} binds a registered weight, uploaded once and again on
 * {@link #put}; {@link #staging} owns {@link #w} and {@link #load}s any other {@code B} operand into it
 * before each product.
 *
 * <p>Activations are staged through kernel-owned arrays ({@link #a}/{@link #c}, {@link #x}/{@link #y})
 * sized exactly to the call, so offsets are handled on the host and a device-to-host copy never
 * writes outside the caller's output range. Not thread-safe; {@link OpenClBackend} serialises calls.
 *
 * <p>Aparapi translates {@link #run()} and what it calls to OpenCL C: plain loops, {@code int}/{@code
 * float} arithmetic, array fields; no objects, no exceptions. Barriers are only ever reached by all
 * work-items of a group (the branch on {@link #mode} and every loop bound are uniform).
 */
final class F32LinearKernel extends RowReductionKernel {

    /** Entry point: tiled matrix-matrix product. */
    static final int GEMM = 0;
    /** Entry point: one work-group per output row. */
    static final int GEMV = 1;
    /** GEMM tile edge; the work-group is TILE×TILE = 256 work-items (Aparapi issue #156: keep ≤ 256). */
    static final int TILE = 16;
    /** Row stride of the W tile: one pad column keeps {@code tileB[tx·17 + q]} off a single bank. */
    static final int TILE_B_STRIDE = TILE + 1;

    // ---- device-side state (fields are kernel arguments) -----------------------------------
    /**
     * The weight, [rows, k] row-major from {@link #wOff}: the caller's registered array (resident), or
     * a kernel-owned copy of the current operand sized exactly to it (staging).
     */
    float[] w;
    /** GEMM input [m, k] and output [m, n]. */
    float[] a = new float[1];
    float[] c = new float[1];
    /** GEMV input [k] and output [n]. */
    float[] x = new float[1];
    float[] y = new float[1];

    @Local final float[] tileA = new float[TILE * TILE];            // [16 rows of A, 16 of k]
    @Local final float[] tileB = new float[TILE * TILE_B_STRIDE];   // [16 rows of W, 16 of k (+1 pad)]

    int mode;
    int m;
    int n;
    int k;
    int wOff;

    // ---- host side -------------------------------------------------------------------------
    private final OpenCLDevice device;
    private final int gemvLocalSize;
    /** Whether {@link #w} is kernel-owned, filled by {@link #load}. */
    private final boolean staging;

    private F32LinearKernel(float[] w, boolean staging, OpenCLDevice device, int gemvLocalSize) {
        super(gemvLocalSize);
        this.w = w;
        this.staging = staging;
        this.device = device;
        this.gemvLocalSize = gemvLocalSize;
        setExplicit(true);
        put(w);
    }

    /**
     * A kernel keeping {@code weight} resident on {@code device}: it goes up on the first execution and
     * again after {@link #put}. {@code gemvLocalSize} must be a power of two ≤ 256.
     */
    static F32LinearKernel resident(float[] weight, OpenCLDevice device, int gemvLocalSize) {
        return new F32LinearKernel(weight, false, device, gemvLocalSize);
    }

    /** A kernel for operands that are not weights, each copied in by {@link #load} before its product. */
    static F32LinearKernel staging(OpenCLDevice device, int gemvLocalSize) {
        return new F32LinearKernel(new float[1], true, device, gemvLocalSize);
    }

    /** Copies {@code b[bOff..][rows,k]} into this staging kernel's {@link #w}: the next product's weight, at wOff 0. */
    void load(float[] b, int bOff, int rows, int k) {
        if (!staging) throw new IllegalStateException("load into a resident weight's kernel");
        if (w.length != rows * k) w = new float[rows * k];
        System.arraycopy(b, bOff, w, 0, rows * k);
        put(w);
    }

    /** {@code C[cOff..] = A[aOff..][m,k] · W[wOff..][n,k]ᵀ}; m, n, k ≥ 1. */
    void gemm(float[] cOut, int cOff, float[] aIn, int aOff, int m, int n, int k, int wOff) {
        if (a.length != m * k) a = new float[m * k];
        if (c.length != m * n) c = new float[m * n];
        System.arraycopy(aIn, aOff, a, 0, m * k);
        set(GEMM, m, n, k, wOff);
        put(a);
        Range range = Range.create2D(device, roundUp(n, TILE), roundUp(m, TILE), TILE, TILE);
        OpenClDevices.execute(this, range, device);
        get(c);
        System.arraycopy(c, 0, cOut, cOff, m * n);
    }

    /** {@code y[0..n) = W[wOff..][n,k] · x[xOff..][k]}; n, k ≥ 1 and {@code n · localSize} fits an int. */
    void gemv(float[] yOut, int yOff, float[] xIn, int xOff, int n, int k, int wOff) {
        if (x.length != k) x = new float[k];
        if (y.length != n) y = new float[n];
        System.arraycopy(xIn, xOff, x, 0, k);
        set(GEMV, 1, n, k, wOff);
        put(x);
        OpenClDevices.execute(this, Range.create(device, n * gemvLocalSize, gemvLocalSize), device);
        get(y);
        System.arraycopy(y, 0, yOut, yOff, n);
    }

    /** Whether {@link #gemv} can cover {@code n} rows in one 1-D range. */
    boolean gemvFits(int n) {
        return (long) n * gemvLocalSize <= Integer.MAX_VALUE;
    }

    /** Bytes this kernel keeps on the device: the weight plus the current activation arrays. */
    long deviceBytes() {
        return 4L * ((long) w.length + a.length + c.length + x.length + y.length);
    }

    private void set(int mode, int m, int n, int k, int wOff) {
        this.mode = mode;
        this.m = m;
        this.n = n;
        this.k = k;
        this.wOff = wOff;
    }

    private static int roundUp(int v, int to) {
        return (v + to - 1) / to * to;
    }

    // ---- device side -----------------------------------------------------------------------

    @Override
    public void run() {
        if (mode == GEMM) {
            gemmTile();
        } else {
            gemvRow();
        }
    }

    /**
     * One 16×16 block of C per work-group. Work-item (tx, ty) owns C[row, col] and, per step along k,
     * stages A[row, t+tx] and W[blockCol+ty, t+tx] (both reads contiguous across tx). Out-of-range
     * elements are staged as zeros, so m, n and k need not be multiples of 16; only the write is guarded.
     */
    private void gemmTile() {
        int tx = getLocalId(0);
        int ty = getLocalId(1);
        int col = getGroupId(0) * TILE + tx;      // output column j < n
        int row = getGroupId(1) * TILE + ty;      // output row i < m
        int wRow = getGroupId(0) * TILE + ty;     // weight row this work-item stages
        float sum = 0f;
        for (int t = 0; t < k; t += TILE) {
            int kk = t + tx;
            float av = 0f;
            if (row < m && kk < k) {
                av = a[row * k + kk];
            }
            tileA[ty * TILE + tx] = av;
            float wv = 0f;
            if (wRow < n && kk < k) {
                wv = w[wOff + wRow * k + kk];
            }
            tileB[ty * TILE_B_STRIDE + tx] = wv;
            localBarrier();
            for (int q = 0; q < TILE; q++) {
                sum += tileA[ty * TILE + q] * tileB[tx * TILE_B_STRIDE + q];
            }
            localBarrier();
        }
        if (row < m && col < n) {
            c[row * n + col] = sum;
        }
    }

    /** Row {@code groupId} of W dotted with x: strided partial sums, then {@link #groupSum}. */
    private void gemvRow() {
        int row = getGroupId(0);
        int lid = getLocalId(0);
        int size = getLocalSize(0);
        int base = wOff + row * k;
        float sum = 0f;
        for (int i = lid; i < k; i += size) {
            sum += w[base + i] * x[i];
        }
        float total = groupSum(sum);
        if (lid == 0) {
            y[row] = total;
        }
    }
}
