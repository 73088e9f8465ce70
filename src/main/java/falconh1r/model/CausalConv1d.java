package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * The causal depthwise 1-D convolution of the Mamba2 mixer, without its activation (the mixer
 * applies SiLU after it). Per channel {@code c}, with kernel size K and zeros before the sequence:
 * <pre>
 *   out[t, c] = bias[c] + Σ_{k<K} weight[c, k] · x[t - (K-1) + k, c]
 * </pre>
 * Shapes, row-major: x and out [L, C] (time-major, as the in_proj output is laid out), weight [C, K]
 * ({@code conv1d.weight.squeeze(1)}), bias [C] or {@code null} ({@code mamba_conv_bias = False}),
 * window [C, K] (the conv cache: the last K inputs, oldest first, as transformers' conv state
 * [conv_dim, K]).
 */
public final class CausalConv1d {

    private CausalConv1d() {}

    /**
     * The whole sequence, as transformers' {@code causal_conv1d_fn} (torch fallback):
     * {@code F.conv1d(x, weight.unsqueeze(1), bias, padding=K-1, groups=C)[..., :L]}.
     */
    public static void forward(Backend backend, float[] x, int length, int channels, float[] weight, int kernel, float[] bias,
                               float[] out) {
        checkSizes(length, channels, kernel);
        need("x", x, (long) length * channels);
        checkKernel(channels, kernel, weight, bias);
        need("out", out, (long) length * channels);
        float[] tap = taps(weight, channels, kernel);
        for (int t = 0; t < length; t++) {
            int row = t * channels;
            for (int c = 0; c < channels; c++) out[row + c] = bias == null ? 0f : bias[c];
            for (int k = Math.max(0, kernel - 1 - t); k < kernel; k++) {
                backend.multiplyAdd(out, row, tap, k * channels, x, (t - (kernel - 1) + k) * channels, channels);
            }
        }
    }

    /**
     * The weight [C, K] transposed to [K, C]: tap k of every channel in one row, so that each tap is
     * one elementwise product over the channels ({@link Backend#multiplyAdd}).
     */
    private static float[] taps(float[] weight, int channels, int kernel) {
        float[] tap = new float[kernel * channels];
        for (int c = 0; c < channels; c++) {
            for (int k = 0; k < kernel; k++) tap[k * channels + c] = weight[c * kernel + k];
        }
        return tap;
    }

    /**
     * The backward of {@link #forward}, accumulating ({@code +=}) into every target:
     * <pre>
     *   dx[t - (K-1) + k, c] += weight[c, k] · dOut[t, c]
     *   dWeight[c, k]        += Σ_t dOut[t, c] · x[t - (K-1) + k, c]
     *   dBias[c]             += Σ_t dOut[t, c]
     * </pre>
     * (the zero padding before the sequence takes no gradient).
     *
     * @param dOut    [L, C] gradient of out
     * @param x       the forward's input [L, C]
     * @param dWeight [C, K]
     * @param dBias   [C], or null when the conv has no bias
     */
    public static void backward(Backend backend, float[] dOut, float[] x, int length, int channels, float[] weight,
                                int kernel, float[] dx, float[] dWeight, float[] dBias) {
        checkSizes(length, channels, kernel);
        need("dOut", dOut, (long) length * channels);
        need("x", x, (long) length * channels);
        need("weight", weight, (long) channels * kernel);
        need("dx", dx, (long) length * channels);
        need("dWeight", dWeight, (long) channels * kernel);
        if (dBias != null) need("dBias", dBias, channels);
        float[] tap = taps(weight, channels, kernel), dTap = new float[kernel * channels];
        for (int t = 0; t < length; t++) {
            int row = t * channels;
            if (dBias != null) {
                for (int c = 0; c < channels; c++) dBias[c] += dOut[row + c];
            }
            for (int k = Math.max(0, kernel - 1 - t); k < kernel; k++) {
                int src = (t - (kernel - 1) + k) * channels, w = k * channels;
                backend.multiplyAdd(dTap, w, dOut, row, x, src, channels);
                backend.multiplyAdd(dx, src, tap, w, dOut, row, channels);
            }
        }
        for (int c = 0; c < channels; c++) {
            for (int k = 0; k < kernel; k++) dWeight[c * kernel + k] += dTap[k * channels + c];
        }
    }

    /**
     * Fills the window after a prefill, as transformers' {@code update_conv_state} does on the first
     * call: the last K columns of {@code x} (channel-major), zero-padded on the left when L < K.
     */
    public static void fillWindow(float[] x, int length, int channels, int kernel, float[] window) {
        checkSizes(length, channels, kernel);
        need("x", x, (long) length * channels);
        need("window", window, (long) channels * kernel);
        for (int c = 0; c < channels; c++) {
            for (int k = 0; k < kernel; k++) {
                int t = length - kernel + k;
                window[c * kernel + k] = t < 0 ? 0f : x[t * channels + c];
            }
        }
    }

    /**
     * One decode token, as transformers' {@code causal_conv1d_update} with one step: the window rolls
     * left by one and takes {@code x} [C] as its newest column, then
     * {@code out[c] = bias[c] + Σ_k weight[c, k]·window[c, k]}.
     */
    public static void step(float[] x, int channels, float[] weight, int kernel, float[] bias, float[] window, float[] out) {
        checkSizes(1, channels, kernel);
        need("x", x, channels);
        checkKernel(channels, kernel, weight, bias);
        need("window", window, (long) channels * kernel);
        need("out", out, channels);
        for (int c = 0; c < channels; c++) {
            int w = c * kernel;
            System.arraycopy(window, w + 1, window, w, kernel - 1);
            window[w + kernel - 1] = x[c];
            float acc = bias == null ? 0f : bias[c];
            for (int k = 0; k < kernel; k++) acc += weight[w + k] * window[w + k];
            out[c] = acc;
        }
    }

    private static void checkSizes(int length, int channels, int kernel) {
        if (length < 0 || channels < 1 || kernel < 1) {
            throw new IllegalArgumentException("conv sizes: length " + length + ", channels " + channels + ", kernel " + kernel);
        }
    }

    private static void checkKernel(int channels, int kernel, float[] weight, float[] bias) {
        need("weight", weight, (long) channels * kernel);
        if (bias != null) need("bias", bias, channels);
    }

    private static void need(String name, float[] array, long n) {
        if (array.length < n) throw new IllegalArgumentException("conv " + name + " holds " + array.length + " floats, needs " + n);
    }
}
