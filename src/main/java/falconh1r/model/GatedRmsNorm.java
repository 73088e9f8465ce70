package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * The Mamba branch's gated, grouped RMSNorm, as transformers' {@code FalconH1RMSNormGated}: each
 * row of {@code dim} channels is split into {@code groups} contiguous groups normalised separately,
 * and the gate {@code silu(z)} multiplies either after the norm ({@code norm_before_gate=True}) or
 * before it (False, the released configs' choice).
 *
 * <pre>
 * h = norm_before_gate ? y : y · silu(z)
 * h[g] = weight[g] · h[g] · rsqrt(mean(h[g]²) + eps)        for each group g of dim/groups channels
 * out = norm_before_gate ? h · silu(z) : h
 * </pre>
 */
public final class GatedRmsNorm {
    private GatedRmsNorm() {}

    /**
     * @param out  [rows, dim], may alias y
     * @param gate scratch [rows, dim] for silu(z)
     */
    public static void forward(Backend backend, float[] out, float[] y, float[] z, int rows, int dim, int groups,
                               float[] weight, float eps, boolean normBeforeGate, float[] gate) {
        if (groups <= 0 || dim % groups != 0) {
            throw new IllegalArgumentException("gated RMSNorm: " + groups + " groups do not divide " + dim + " channels");
        }
        int n = rows * dim, groupSize = dim / groups;
        backend.silu(gate, z, n);
        if (normBeforeGate) {
            System.arraycopy(y, 0, out, 0, n);
        } else {
            for (int i = 0; i < n; i++) out[i] = y[i] * gate[i];
        }
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                int off = r * dim + g * groupSize;
                float sumSq = backend.dot(out, off, out, off, groupSize);
                float inv = (float) (1.0 / Math.sqrt(sumSq / groupSize + eps));
                for (int i = 0; i < groupSize; i++) out[off + i] = weight[g * groupSize + i] * (out[off + i] * inv);
            }
        }
        if (normBeforeGate) {
            for (int i = 0; i < n; i++) out[i] *= gate[i];
        }
    }
}
