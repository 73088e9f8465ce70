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

    /**
     * The backward of {@link #forward}, recomputing the norm from {@code y} and {@code z} and
     * accumulating ({@code +=}) into dy, dz [rows, dim] and dWeight [dim]. Per group of n channels,
     * with {@code r = rsqrt(mean(h²) + eps)} and dn the gradient of {@code weight·h·r}:
     * <pre>
     *   dWeight += dn · h · r
     *   dh       = r · (dn·weight) − r³ · h · ⟨dn·weight, h⟩ / n
     * </pre>
     * and the gate's product rule on either side of the norm, with
     * {@code silu'(z) = σ(z)·(1 + z·(1 − σ(z)))} ({@link #siluDerivative}).
     *
     * @param dOut [rows, dim] gradient of out
     */
    public static void backward(float[] dOut, float[] y, float[] z, int rows, int dim, int groups, float[] weight,
                                float eps, boolean normBeforeGate, float[] dy, float[] dz, float[] dWeight) {
        if (groups <= 0 || dim % groups != 0) {
            throw new IllegalArgumentException("gated RMSNorm: " + groups + " groups do not divide " + dim + " channels");
        }
        int groupSize = dim / groups;
        float[] h = new float[groupSize], dn = new float[groupSize];
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                int off = r * dim + g * groupSize, w = g * groupSize;
                double sumSq = 0;
                for (int i = 0; i < groupSize; i++) {
                    h[i] = normBeforeGate ? y[off + i] : y[off + i] * silu(z[off + i]);
                    sumSq += (double) h[i] * h[i];
                }
                double inv = 1.0 / Math.sqrt(sumSq / groupSize + eps);
                double dot = 0;                                   // ⟨dn·weight, h⟩
                for (int i = 0; i < groupSize; i++) {
                    float zi = z[off + i];
                    if (normBeforeGate) {
                        dn[i] = dOut[off + i] * silu(zi);
                        dz[off + i] += (float) (dOut[off + i] * weight[w + i] * h[i] * inv * siluDerivative(zi));
                    } else {
                        dn[i] = dOut[off + i];
                    }
                    dWeight[w + i] += (float) (dn[i] * h[i] * inv);
                    dot += (double) dn[i] * weight[w + i] * h[i];
                }
                double k = inv * inv * inv * dot / groupSize;
                for (int i = 0; i < groupSize; i++) {
                    float dh = (float) (inv * dn[i] * weight[w + i] - k * h[i]);
                    float zi = z[off + i];
                    if (normBeforeGate) {
                        dy[off + i] += dh;
                    } else {
                        dy[off + i] += dh * silu(zi);
                        dz[off + i] += dh * y[off + i] * siluDerivative(zi);
                    }
                }
            }
        }
    }

    /** {@code silu(v) = v·σ(v)}, as {@code F.silu}. */
    static float silu(float v) {
        return v / (1f + (float) Math.exp(-v));
    }

    /** {@code d silu(v) / dv = σ(v)·(1 + v·(1 − σ(v)))}, the backward of {@code F.silu}. */
    static float siluDerivative(float v) {
        float s = 1f / (1f + (float) Math.exp(-v));
        return s * (1f + v * (1f - s));
    }
}
