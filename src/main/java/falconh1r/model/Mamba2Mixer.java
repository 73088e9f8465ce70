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
 *
 * <p>Training runs the no-cache form with an {@link Activations} that the forward fills, then
 * {@link #backward} (the reverse of steps 5 to 1, with {@link SsdScan#chunkedBackward} for the scan).
 */
public final class Mamba2Mixer {
    private Mamba2Mixer() {}

    /**
     * What {@link #backward} needs from a training forward (one sequence, no cache), filled by
     * {@link #forward} when given one. Rows are the L tokens; I = mamba_d_ssm, H heads, G·N = groups ×
     * state size, conv_dim = I + 2GN.
     */
    public static final class Activations {
        int length, padding;
        float[] u;        // [L, D]         masked input × ssm_in_multiplier (in_proj input)
        float[] z;        // [L, I]         gate, after the µP multiplier
        float[] xBC;      // [L, conv_dim]  conv input
        float[] convOut;  // [L, conv_dim]  conv output before SiLU
        float[] x;        // [L, H, P]      SSM input (SiLU'd conv output, masked)
        float[] b, c;     // [L, G, N]      B and C (SiLU'd conv output, masked)
        float[] dtIn;     // [L, H]         dt_raw + dt_bias (softplus input)
        float[] dt;       // [L, H]         clamp(softplus(dtIn))
        float[] y;        // [L, I]         SSD + D·x (gate / gated-norm input)
        float[] o;        // [L, I]         out_proj input
    }

    /** {@link #forward(Backend, FalconH1Parameters, int, float[], float[], int, int, FalconH1Cache[], float[], Activations)} for inference (nothing saved). */
    public static void forward(Backend backend, FalconH1Parameters p, int layer, float[] mup, float[] x, int length, int padding,
                               FalconH1Cache[] caches, float[] out) {
        forward(backend, p, layer, mup, x, length, padding, caches, out, null);
    }

    /**
     * @param mup     {@link #mupVector} of the config, computed once by the caller
     * @param padding rows to mask (left padding of the one sequence; 0 when decoding)
     * @param caches  null, one empty cache (prefill), or {@code length} filled caches (decode, one per row)
     * @param saved   null, or (training, {@code caches == null} only) receives the activations for {@link #backward}
     */
    public static void forward(Backend backend, FalconH1Parameters p, int layer, float[] mup, float[] x, int length, int padding,
                               FalconH1Cache[] caches, float[] out, Activations saved) {
        if (saved != null && caches != null) {
            throw new IllegalArgumentException("saved activations: the training forward runs without caches");
        }
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
        float[] z = new float[length * inner], xbc = new float[length * convDim], dtIn = new float[length * heads];
        for (int t = 0; t < length; t++) {
            System.arraycopy(zxbcdt, t * proj, z, t * inner, inner);
            System.arraycopy(zxbcdt, t * proj + inner, xbc, t * convDim, convDim);
            System.arraycopy(zxbcdt, t * proj + inner + convDim, dtIn, t * heads, heads);
        }

        // 2. causal depthwise convolution + SiLU, padding rows zeroed again
        float[] convOut = new float[length * convDim];
        float[] convWeight = p.get(pre + "conv1d.weight"), convBias = p.getOrNull(pre + "conv1d.bias");
        if (continuing) {
            float[] in = new float[convDim], o = new float[convDim];
            for (int r = 0; r < length; r++) {
                System.arraycopy(xbc, r * convDim, in, 0, convDim);
                CausalConv1d.step(in, convDim, convWeight, kernel, convBias, caches[r].mamba(layer).convWindow(), o);
                System.arraycopy(o, 0, convOut, r * convDim, convDim);
            }
        } else {
            CausalConv1d.forward(backend, xbc, length, convDim, convWeight, kernel, convBias, convOut);
            if (caches != null) CausalConv1d.fillWindow(xbc, length, convDim, kernel, caches[0].mamba(layer).convWindow());
        }
        float[] conv = new float[length * convDim];
        backend.silu(conv, convOut, length * convDim);
        java.util.Arrays.fill(conv, 0, padding * convDim, 0f);
        float[] xs = new float[length * inner], b = new float[length * gn], cc = new float[length * gn];
        for (int t = 0; t < length; t++) {
            System.arraycopy(conv, t * convDim, xs, t * inner, inner);
            System.arraycopy(conv, t * convDim + inner, b, t * gn, gn);
            System.arraycopy(conv, t * convDim + inner + gn, cc, t * gn, gn);
        }

        // 3. discretisation: dt = clamp(softplus(dt + dt_bias)), A = -exp(A_log)
        float[] dtBias = p.get(pre + "dt_bias");
        float lo = c.timeStepLimit().get(0).floatValue(), hi = c.timeStepLimit().get(1).floatValue();
        for (int t = 0; t < length; t++) {
            for (int h = 0; h < heads; h++) dtIn[t * heads + h] += dtBias[h];
        }
        float[] dt = new float[length * heads];
        backend.softplus(dt, dtIn, length * heads);
        for (int i = 0; i < dt.length; i++) dt[i] = Math.min(Math.max(dt[i], lo), hi);
        float[] a = aFromLog(p.get(pre + "A_log"));

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
        float[] o = new float[length * inner];
        if (c.mambaRmsNorm()) {
            GatedRmsNorm.forward(backend, o, y, z, length, inner, groups, p.get(pre + "norm.weight"),
                    (float) c.rmsNormEps(), c.mambaNormBeforeGate(), new float[length * inner]);
        } else {
            backend.silu(o, z, length * inner);
            for (int i = 0; i < o.length; i++) o[i] *= y[i];
        }
        Linear.forward(backend, out, o, length, p.weight(pre + "out_proj.weight"), p.getOrNull(pre + "out_proj.bias"), d, inner);

        if (saved != null) {
            saved.length = length;
            saved.padding = padding;
            saved.u = u;
            saved.z = z;
            saved.xBC = xbc;
            saved.convOut = convOut;
            saved.x = xs;
            saved.b = b;
            saved.c = cc;
            saved.dtIn = dtIn;
            saved.dt = dt;
            saved.y = y;
            saved.o = o;
        }
    }

    /**
     * The backward of the training {@link #forward} (no cache), step 5 back to step 1, for the
     * upstream gradient {@code dOut} [L, D] of out: gradients of every {@code mamba.*} tensor of
     * {@code layer} are added into the same-named tensors of {@code grads} (f32, e.g.
     * {@link FalconH1Parameters#zeros}), and that of the input x into {@code dx} [L, D] ({@code +=}).
     * <pre>
     * out_proj       dO = dOut·W_out;  dW_out += dOutᵀ·o;  db_out += Σ_t dOut
     * gate           {@link GatedRmsNorm#backward}, or dy = dO·silu(z), dz = dO·y·silu'(z)
     * D skip         dD[h] += Σ dy·x;  dx_ssm = D·dy
     * SSD            {@link SsdScan#chunkedBackward}: dx_ssm, ddt, dA, dB, dC
     * A, dt          dA_log = dA·A;  ddt_in = ddt · [lo ≤ softplus ≤ hi] · (dt_in > 20 ? 1 : σ(dt_in));  ddt_bias = Σ_t ddt_in
     * conv + SiLU    dconv = [dx_ssm | dB | dC] · silu'(conv_out) (padding rows 0);  {@link CausalConv1d#backward}
     * in_proj        dzxbcdt = [dz | dxBC | ddt_in] · mup;  {@link Linear#backward};  dx += mask(du) · ssm_in_multiplier
     * </pre>
     * The clamp passes the gradient where {@code lo ≤ softplus ≤ hi} (torch's {@code clamp} backward,
     * bounds included) and blocks it outside; softplus is torch's with threshold 20.
     *
     * @param saved the Activations the forward filled
     */
    public static void backward(Backend backend, FalconH1Parameters p, int layer, float[] mup, Activations saved,
                                float[] dOut, FalconH1Parameters grads, float[] dx) {
        FalconH1Config c = p.config();
        int d = c.hiddenSize(), inner = c.mambaDSsm(), heads = c.mambaNHeads(), headDim = c.mambaDHead();
        int groups = c.mambaNGroups(), stateSize = c.mambaDState(), convDim = c.convDim(), proj = c.inProjSize();
        int gn = groups * stateSize, kernel = c.mambaDConv();
        int length = saved.length, padding = saved.padding;
        if (saved.u == null) throw new IllegalArgumentException("saved activations are empty: run forward with them first");
        if (dOut.length < length * d) throw new IllegalArgumentException("dOut holds " + dOut.length + " floats, needs " + length * d);
        if (dx.length < length * d) throw new IllegalArgumentException("dx holds " + dx.length + " floats, needs " + length * d);
        String pre = ParameterShapes.layer(layer, "mamba.");

        // 5. output projection, gate (and gated norm)
        float[] dO = new float[length * inner];
        Linear.backward(backend, dO, dOut, saved.o, length, p.get(pre + "out_proj.weight"),
                grads.get(pre + "out_proj.weight"), grads.getOrNull(pre + "out_proj.bias"), d, inner);
        float[] dy = new float[length * inner], dz = new float[length * inner];
        if (c.mambaRmsNorm()) {
            GatedRmsNorm.backward(dO, saved.y, saved.z, length, inner, groups, p.get(pre + "norm.weight"),
                    (float) c.rmsNormEps(), c.mambaNormBeforeGate(), dy, dz, grads.get(pre + "norm.weight"));
        } else {
            backend.silu(dy, saved.z, dy.length);
            for (int i = 0; i < dy.length; i++) {
                dz[i] = dO[i] * saved.y[i];
                dy[i] *= dO[i];                                      // dy = dO · silu(z)
            }
            backend.siluBackward(dz, dz, saved.z, dz.length);       // dz = dO · y · silu'(z)
        }

        // 4. D skip, then the SSD scan
        float[] dSkip = p.get(pre + "D"), dD = grads.get(pre + "D");
        float[] dxs = new float[length * inner];
        for (int t = 0; t < length; t++) {
            for (int h = 0; h < heads; h++) {
                int off = (t * heads + h) * headDim;
                dD[h] += backend.dot(dy, off, saved.x, off, headDim);
                backend.axpy(dSkip[h], dy, off, dxs, off, headDim);
            }
        }
        float[] a = aFromLog(p.get(pre + "A_log"));
        float[] ddt = new float[length * heads], dA = new float[heads], dB = new float[length * gn], dC = new float[length * gn];
        SsdScan.chunkedBackward(backend, new SsdScan.Dims(heads, headDim, groups, stateSize), length, c.mambaChunkSize(),
                saved.x, saved.dt, a, saved.b, saved.c, null, dy, new SsdScan.Gradients(dxs, ddt, dA, dB, dC, null));

        // 3. A = -exp(A_log); dt = clamp(softplus(dt_raw + dt_bias))
        float[] dALog = grads.get(pre + "A_log"), dDtBias = grads.get(pre + "dt_bias");
        for (int h = 0; h < heads; h++) dALog[h] += dA[h] * a[h];
        float lo = c.timeStepLimit().get(0).floatValue(), hi = c.timeStepLimit().get(1).floatValue();
        float[] softplus = new float[length * heads];
        backend.softplus(softplus, saved.dtIn, length * heads);
        for (int i = 0; i < ddt.length; i++) {
            float v = saved.dtIn[i];
            boolean inside = softplus[i] >= lo && softplus[i] <= hi;
            ddt[i] = inside ? ddt[i] * (v > 20f ? 1f : 1f / (1f + (float) Math.exp(-v))) : 0f;
            dDtBias[i % heads] += ddt[i];
        }

        // 2. convolution + SiLU; the padding rows were zeroed after it
        float[] dConv = new float[length * convDim];
        for (int t = padding; t < length; t++) {
            System.arraycopy(dxs, t * inner, dConv, t * convDim, inner);
            System.arraycopy(dB, t * gn, dConv, t * convDim + inner, gn);
            System.arraycopy(dC, t * gn, dConv, t * convDim + inner + gn, gn);
        }
        backend.siluBackward(dConv, dConv, saved.convOut, dConv.length);
        float[] dXbc = new float[length * convDim];
        CausalConv1d.backward(backend, dConv, saved.xBC, length, convDim, p.get(pre + "conv1d.weight"), kernel, dXbc,
                grads.get(pre + "conv1d.weight"), grads.getOrNull(pre + "conv1d.bias"));

        // 1. input projection with the µP multipliers; the padding rows of the input were zeroed
        float[] dProj = new float[length * proj];
        for (int t = 0; t < length; t++) {
            System.arraycopy(dz, t * inner, dProj, t * proj, inner);
            System.arraycopy(dXbc, t * convDim, dProj, t * proj + inner, convDim);
            System.arraycopy(ddt, t * heads, dProj, t * proj + inner + convDim, heads);
            for (int j = 0; j < proj; j++) dProj[t * proj + j] *= mup[j];
        }
        float[] du = new float[length * d];
        Linear.backward(backend, du, dProj, saved.u, length, p.get(pre + "in_proj.weight"),
                grads.get(pre + "in_proj.weight"), grads.getOrNull(pre + "in_proj.bias"), proj, d);
        backend.axpy((float) c.ssmInMultiplier(), du, padding * d, dx, padding * d, (length - padding) * d);
    }

    /** {@code A = -exp(A_log)} [H]. */
    private static float[] aFromLog(float[] aLog) {
        float[] a = new float[aLog.length];
        for (int h = 0; h < a.length; h++) a[h] = (float) -Math.exp(aLog[h]);
        return a;
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
