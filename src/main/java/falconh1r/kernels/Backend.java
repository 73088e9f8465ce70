package falconh1r.kernels;

/**
 * The numeric operations everything above this package is built from.
 *
 * <p>All tensors are plain row-major {@code float[]} arrays with explicit offsets, as in llm.c.
 * Matrices passed as {@code w} or {@code b} are PyTorch {@code nn.Linear} weights, stored
 * {@code [out, in]} row-major, so the forward product is {@code C = A · Bᵀ} and every output
 * element is a contiguous dot product along {@code in}. Backward products are written as axpy loops
 * that accumulate into their destination.
 *
 * <p>Three implementations: {@link ScalarBackend} is the readable definition of each op;
 * {@link SimdBackend} computes the same with the Vector API on a dedicated thread pool;
 * {@link OpenClBackend} runs matmul and matvec through Aparapi/OpenCL. Tests hold them equal.
 */
public interface Backend extends AutoCloseable {

    /** Short name used on the command line: {@code scalar}, {@code simd} or {@code opencl}. */
    String name();

    // ---- matrix products -------------------------------------------------------------------

    /**
     * {@code C[m,n] = A[m,k] · B[n,k]ᵀ} ({@code torch.nn.functional.linear(A, B)}).
     * Each operand starts at its offset and is densely packed. {@code B} may be a weight registered
     * with {@link #registerWeight} (a device backend then keeps it resident) or any other array,
     * such as attention's keys (then it is read afresh on every call).
     */
    void matmul(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff, int m, int n, int k);

    /** {@link #matmul(float[], int, float[], int, float[], int, int, int, int)} at offsets 0. */
    default void matmul(float[] c, float[] a, float[] b, int m, int n, int k) {
        matmul(c, 0, a, 0, b, 0, m, n, k);
    }

    /** {@code y[n] = W[n,k] · x[k]}: one row of {@link #matmul}, the decode-time product. */
    default void matvec(float[] y, float[] w, float[] x, int n, int k) {
        matmul(y, 0, x, 0, w, 0, 1, n, k);
    }

    /**
     * {@code C[m,n] = A[m,k] · widen(W[n,k])ᵀ} with the weight {@code W} packed as bf16 or fp16 bits and
     * widened to f32 on the fly, element by element, exactly as {@link Half#toFloat} does (torch's
     * {@code F.linear(a, w.float())}). Operands start at offset 0.
     */
    void matmul(float[] c, float[] a, short[] w, Half.Format format, int m, int n, int k);

    /** {@code y[n] = widen(W[n,k]) · x[k]}: one row of the packed {@link #matmul(float[], float[], short[], Half.Format, int, int, int)}. */
    default void matvec(float[] y, short[] w, Half.Format format, float[] x, int n, int k) {
        matmul(y, x, w, format, 1, n, k);
    }

    /** Backward of {@link #matmul} for its input: {@code dX[m,k] += dY[m,n] · W[n,k]}. */
    void matmulBackwardInput(float[] dx, float[] dy, float[] w, int m, int n, int k);

    /** Backward of {@link #matmul} for its weight: {@code dW[n,k] += dY[m,n]ᵀ · X[m,k]}. */
    void matmulBackwardWeight(float[] dw, float[] dy, float[] x, int m, int n, int k);

    /**
     * Declares {@code w} a weight: a {@code B} operand whose contents only change through
     * {@link #weightsChanged}. Device backends keep registered weights resident (uploaded once) and
     * keep a reference to them until {@link #close}; CPU backends do nothing. Packed 16-bit matrices given to
     * {@link #matmul(float[], float[], short[], Half.Format, int, int, int)} are always weights.
     */
    default void registerWeight(float[] w) {}

    /**
     * Tells the backend that the contents of a weight array changed (after an optimizer step).
     * Backends that keep weights resident on a device upload it again; CPU backends do nothing.
     */
    default void weightsChanged(float[] w) {}

    /** {@link #weightsChanged(float[])} for a packed bf16/fp16 weight. */
    default void weightsChanged(short[] w) {}

    // ---- vector ops ------------------------------------------------------------------------
    //
    // Aliasing: an output may be the same array as an input of the same shape (in-place), as in
    // add(x, x, y, n), silu(x, x, n) or logSoftmax(x, x, rows, cols); matrix products' outputs
    // must not alias their inputs. Every length is checked before any work: an operand shorter than
    // the shape needs is an IllegalArgumentException, never a write past its end.

    /** {@code Σ a[aOff+i] · b[bOff+i]} for {@code i < n}. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** {@code y[yOff+i] += alpha · x[xOff+i]}. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /**
     * {@code y[yOff+i] += a[aOff+i] · b[bOff+i]}: the elementwise product, accumulated, rounded as a
     * multiply then an add (not fused), so every backend gives the same bits.
     */
    void multiplyAdd(float[] y, int yOff, float[] a, int aOff, float[] b, int bOff, int n);

    /** {@code x[off+i] *= s}. */
    void scale(float[] x, int off, int n, float s);

    /** {@code out[i] = a[i] + b[i]} (out may alias a or b). */
    void add(float[] out, float[] a, float[] b, int n);

    // ---- row ops ---------------------------------------------------------------------------

    /**
     * RMSNorm over each of {@code rows} rows of length {@code dim}, as transformers'
     * {@code FalconH1RMSNorm}: {@code out = weight · x · rsqrt(mean(x²) + eps)}, in f32.
     */
    void rmsNorm(float[] out, float[] x, float[] weight, int rows, int dim, float eps);

    /** Numerically stable softmax of each row, in place ({@code torch.softmax(x, -1)}). */
    void softmax(float[] x, int rows, int cols);

    /** {@code out = x - max - log Σ exp(x - max)} per row ({@code torch.log_softmax(x, -1)}). */
    void logSoftmax(float[] out, float[] x, int rows, int cols);

    // ---- elementwise -----------------------------------------------------------------------

    /** {@code out[i] = x[i] · sigmoid(x[i])} ({@code torch.nn.functional.silu}). */
    void silu(float[] out, float[] x, int n);

    /**
     * The backward of {@link #silu}: {@code dx[i] = dy[i] · σ(x[i]) · (1 + x[i] · (1 − σ(x[i])))}, σ the
     * logistic sigmoid (autograd's {@code silu_backward}). dx may alias dy.
     */
    void siluBackward(float[] dx, float[] dy, float[] x, int n);

    /** {@code out[i] = x[i] > 20 ? x[i] : log1p(exp(x[i]))} ({@code torch.nn.functional.softplus}). */
    void softplus(float[] out, float[] x, int n);

    /** {@code out[i] = exp(x[i])}. */
    void exp(float[] out, float[] x, int n);

    // ---- independent tasks -----------------------------------------------------------------

    /** One of {@link #forEach}'s tasks: the work of one index (e.g. one attention or SSD head). */
    @FunctionalInterface
    interface Task {
        void run(int index);
    }

    /**
     * Runs {@code task.run(i)} once for every {@code i < count}. The tasks must be independent: each
     * reads shared inputs and writes only its own outputs (and scratch), so the result is the same
     * in any order and on any number of threads. This is how per-head work (a head's attention, a
     * head's SSD scan) is spread over the threads: each head is a few small matrix products, which
     * split better by head than one by one. Backend calls made inside a task run on the thread that
     * runs the task, unsplit. {@link ScalarBackend} runs the tasks in order on the calling thread;
     * {@link SimdBackend} splits the indices into one contiguous run per thread.
     */
    void forEach(int count, Task task);

    @Override
    default void close() {}
}
