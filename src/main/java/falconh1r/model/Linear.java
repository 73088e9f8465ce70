package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * {@code torch.nn.Linear}: {@code y[rows, out] = x[rows, in] · Wᵀ + b}, W stored [out, in] as in
 * PyTorch (f32 or packed 16-bit, {@link Weight}), bias optional.
 */
public final class Linear {
    private Linear() {}

    /** @param bias [out], or null for {@code bias=False} */
    public static void forward(Backend backend, float[] y, float[] x, int rows, Weight weight, float[] bias,
                               int outFeatures, int inFeatures) {
        weight.matmul(backend, y, x, rows, outFeatures, inFeatures);
        if (bias != null) {
            for (int r = 0; r < rows; r++) backend.axpy(1f, bias, 0, y, r * outFeatures, outFeatures);
        }
    }

    /**
     * The backward of {@link #forward}, accumulating into every target (as autograd's {@code .grad}):
     *
     * <pre>
     * dX[rows, in]  += dY[rows, out] · W[out, in]
     * dW[out, in]   += dY[rows, out]ᵀ · X[rows, in]
     * dB[out]       += Σ_rows dY[rows, out]
     * </pre>
     *
     * @param dx      [rows, in], or null when the input needs no gradient
     * @param x       the forward's input [rows, in]
     * @param weight  the f32 weight [out, in]
     * @param dWeight [out, in]
     * @param dBias   [out], or null when the layer has no bias
     */
    public static void backward(Backend backend, float[] dx, float[] dy, float[] x, int rows, float[] weight,
                                float[] dWeight, float[] dBias, int out, int in) {
        if (dx != null) backend.matmulBackwardInput(dx, dy, weight, rows, out, in);
        backend.matmulBackwardWeight(dWeight, dy, x, rows, out, in);
        if (dBias != null) {
            for (int r = 0; r < rows; r++) backend.axpy(1f, dy, r * out, dBias, 0, out);
        }
    }
}
