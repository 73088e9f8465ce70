package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * The Mamba2 branch of one Falcon-H1 layer, as transformers' {@code FalconH1Mixer.forward} computes
 * it (the chunk form without a cache):
 *
 * <pre>
 * u      = mask(x) · ssm_in_multiplier                                  [L, D]
 * zxbcdt = in_proj(u) ⊙ mup_vector                                      [L, I + conv_dim + H]
 * z, xBC, dt_raw = split(zxbcdt)                                        [L, I], [L, I + 2GN], [L, H]
 * xBC    = mask(silu(conv1d(xBC)));  x, B, C = split(xBC)              [L, H, P], [L, G, N], [L, G, N]
 * dt     = clamp(softplus(dt_raw + dt_bias), time_step_limit);  A = −exp(A_log)
 * y      = SSD(x, dt, A, B, C) + D ⊙ x                                  [L, H, P]
 * y      = mamba_rms_norm ? gated_norm(y, z) : y · silu(z)
 * out    = out_proj(y)                                                  [L, D]
 * </pre>
 *
 * {@code mask} zeroes the first {@code padding} rows (left padding, transformers'
 * {@code apply_mask_to_padding_states}).
 *
 * <p>The R rows of {@code x} are either one sequence or one decode token of each of R sequences;
 * the projections (in_proj, out_proj) are one matmul over all R rows either way, and only the conv
 * and the SSM scan are per sequence. One function serves the three ways transformers runs the mixer:
 * <ul>
 *   <li>no cache ({@code caches == null}): conv over the sequence, SSD chunk scan from a zero state;
 *   <li>prefill (one empty cache): as above from the (zero) state in the cache, which receives the
 *       final SSM state, and the conv window is filled with the last K conv inputs
 *       ({@code update_conv_state});
 *   <li>decode (R filled caches): row r is one {@link CausalConv1d#step} on {@code caches[r]}'s window
 *       ({@code causal_conv1d_update}) and one {@link SsdScan#step} on its state
 *       ({@code mamba2_selective_state_update}). dt is clamped to time_step_limit here too —
 *       transformers' single-token path does not (it passes no {@code dt_limit}), which only the
 *       full forward agrees with.
 * </ul> The mup vector scales the five parts of the in_proj output
 * by {@code ssm_multipliers} [z, x, B, C, dt] ({@code compute_mup_vector}). The ssm_out multiplier is
 * the caller's (the decoder layer applies it).
 */
public final class Mamba2Mixer {
    private Mamba2Mixer() {}

    /**
     * @param mup     {@link #mupVector} of the config, computed once by the caller
     * @param padding rows to mask (left padding of the one sequence; 0 when decoding)
     * @param caches  null, one empty cache (prefill), or {@code length} filled caches (decode, one per row)
     */
    public static void forward(Backend backend, FalconH1Parameters p, int layer, float[] mup, float[] x, int length, int padding,
                               FalconH1Cache[] caches, float[] out) {
        boolean continuing = caches != null && caches[0].filled();
        FalconH1Config c = p.config();
        int d = c.hiddenSize(), inner = c.mambaDSsm(), heads = c.mambaNHeads(), headDim = c.mambaDHead();
        int groups = c.mambaNGroups(), stateSize = c.mambaDState(), convDim = c.convDim(), proj = c.inProjSize();
        int gn = groups * stateSize, kernel = c.mambaDConv();
        String pre = ParameterShapes.layer(layer, "mamba.");

        // 1. input projection with the µP multipliers
        float[] u = x.clone();
        java.util.Arrays.fill(u, 0, padding * d, 0f);
        backend.scale(u, 0, length * d, (float) c.ssmInMultiplier());
        float[] zxbcdt = new float[length * proj];
        Linear.forward(backend, zxbcdt, u, length, p.weight(pre + "in_proj.weight"), p.getOrNull(pre + "in_proj.bias"), proj, d);
        for (int t = 0; t < length; t++) {
            for (int j = 0; j < proj; j++) zxbcdt[t * proj + j] *= mup[j];
        }
        float[] z = new float[length * inner], xbc = new float[length * convDim], dt = new float[length * heads];
        for (int t = 0; t < length; t++) {
            System.arraycopy(zxbcdt, t * proj, z, t * inner, inner);
            System.arraycopy(zxbcdt, t * proj + inner, xbc, t * convDim, convDim);
            System.arraycopy(zxbcdt, t * proj + inner + convDim, dt, t * heads, heads);
        }

        // 2. causal depthwise convolution + SiLU, padding rows zeroed again
        float[] conv = new float[length * convDim];
        float[] convWeight = p.get(pre + "conv1d.weight"), convBias = p.getOrNull(pre + "conv1d.bias");
        if (continuing) {
            float[] in = new float[convDim], o = new float[convDim];
            for (int r = 0; r < length; r++) {
                System.arraycopy(xbc, r * convDim, in, 0, convDim);
                CausalConv1d.step(in, convDim, convWeight, kernel, convBias, caches[r].mamba(layer).convWindow(), o);
                System.arraycopy(o, 0, conv, r * convDim, convDim);
            }
        } else {
            CausalConv1d.forward(xbc, length, convDim, convWeight, kernel, convBias, conv);
            if (caches != null) CausalConv1d.fillWindow(xbc, length, convDim, kernel, caches[0].mamba(layer).convWindow());
        }
        backend.silu(conv, conv, length * convDim);
        java.util.Arrays.fill(conv, 0, padding * convDim, 0f);
        float[] xs = new float[length * inner], b = new float[length * gn], cc = new float[length * gn];
        for (int t = 0; t < length; t++) {
            System.arraycopy(conv, t * convDim, xs, t * inner, inner);
            System.arraycopy(conv, t * convDim + inner, b, t * gn, gn);
            System.arraycopy(conv, t * convDim + inner + gn, cc, t * gn, gn);
        }

        // 3. discretisation: dt = clamp(softplus(dt + dt_bias)), A = -exp(A_log)
        float[] dtBias = p.get(pre + "dt_bias"), aLog = p.get(pre + "A_log");
        float lo = c.timeStepLimit().get(0).floatValue(), hi = c.timeStepLimit().get(1).floatValue();
        for (int t = 0; t < length; t++) {
            for (int h = 0; h < heads; h++) dt[t * heads + h] += dtBias[h];
        }
        backend.softplus(dt, dt, length * heads);
        for (int i = 0; i < dt.length; i++) dt[i] = Math.min(Math.max(dt[i], lo), hi);
        float[] a = new float[heads];
        for (int h = 0; h < heads; h++) a[h] = (float) -Math.exp(aLog[h]);

        // 4. the SSD scan (one step per decode row on its own state; else a chunk scan of the
        //    sequence from the empty cache's zero state or a fresh one), then the D skip
        float[] y = new float[length * inner];
        SsdScan.Dims dims = new SsdScan.Dims(heads, headDim, groups, stateSize);
        if (continuing) {
            for (int r = 0; r < length; r++) SsdScan.step(dims, r, xs, dt, a, b, cc, caches[r].mamba(layer).ssmState(), y);
        } else {
            float[] ssm = caches == null ? new float[heads * headDim * stateSize] : caches[0].mamba(layer).ssmState();
            SsdScan.chunked(backend, dims, length, c.mambaChunkSize(), xs, dt, a, b, cc, ssm, y);
        }
        float[] dSkip = p.get(pre + "D");
        for (int t = 0; t < length; t++) {
            for (int h = 0; h < heads; h++) {
                int off = (t * heads + h) * headDim;
                backend.axpy(dSkip[h], xs, off, y, off, headDim);
            }
        }

        // 5. gate (and gated norm), output projection
        float[] gate = new float[length * inner];
        if (c.mambaRmsNorm()) {
            GatedRmsNorm.forward(backend, y, y, z, length, inner, groups, p.get(pre + "norm.weight"),
                    (float) c.rmsNormEps(), c.mambaNormBeforeGate(), gate);
        } else {
            backend.silu(gate, z, length * inner);
            for (int i = 0; i < y.length; i++) y[i] *= gate[i];
        }
        Linear.forward(backend, out, y, length, p.weight(pre + "out_proj.weight"), p.getOrNull(pre + "out_proj.bias"), d, inner);
    }

    /** transformers' {@code compute_mup_vector}: ssm_multipliers spread over [z, x, B, C, dt]. */
    static float[] mupVector(FalconH1Config c) {
        int inner = c.mambaDSsm(), gn = c.mambaNGroups() * c.mambaDState();
        int[] sizes = {inner, inner, gn, gn, c.mambaNHeads()};
        float[] v = new float[c.inProjSize()];
        int off = 0;
        for (int part = 0; part < 5; part++) {
            java.util.Arrays.fill(v, off, off + sizes[part], c.ssmMultipliers().get(part).floatValue());
            off += sizes[part];
        }
        return v;
    }
}
