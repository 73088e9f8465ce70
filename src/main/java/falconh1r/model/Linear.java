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
}
