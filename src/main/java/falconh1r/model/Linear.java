package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * {@code torch.nn.Linear}: {@code y[rows, out] = x[rows, in] · Wᵀ + b}, W stored [out, in] as in
 * PyTorch, bias optional.
 */
public final class Linear {
    private Linear() {}

    /** @param bias [out], or null for {@code bias=False} */
    public static void forward(Backend backend, float[] y, float[] x, int rows, float[] weight, float[] bias,
                               int outFeatures, int inFeatures) {
        backend.matmul(y, x, weight, rows, outFeatures, inFeatures);
        if (bias != null) {
            for (int r = 0; r < rows; r++) backend.axpy(1f, bias, 0, y, r * outFeatures, outFeatures);
        }
    }
}
