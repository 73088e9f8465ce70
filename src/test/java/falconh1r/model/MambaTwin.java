package falconh1r.model;

import java.util.Map;

/**
 * Double-precision twins of the Mamba2 branch, plain loops written from transformers 5.24's Python
 * ({@code modeling_falcon_h1}), for the finite-difference checks of the backward passes. Shapes as
 * in the Java code: time-major [L, ...], row-major.
 */
final class MambaTwin {
    private MambaTwin() {}

    static double silu(double v) {
        return v / (1 + Math.exp(-v));
    }

    /** {@code F.softplus} (beta 1, threshold 20). */
    static double softplus(double v) {
        return v > 20 ? v : Math.log1p(Math.exp(v));
    }

    /**
     * {@code mamba2_chunk_scan(x, dt, A, B, C, chunk_size=q, D=None, initial_states=state,
     * return_final_states=True)}: per chunk, Y_diag = Σ_{s≤l} (C_l·B_s)·exp(Acs_l − Acs_s)·dt_s·x_s,
     * Y_off = exp(Acs_l)·C_l·S_start, and S ← exp(Acs_last)·S + Σ_l exp(Acs_last − Acs_l)·B_l ⊗ dt_l·x_l.
     * Returns y [L, H, P]; {@code state} [H, P, N] goes in as the initial and comes out as the final state.
     */
    static double[] ssdChunked(SsdScan.Dims d, int length, int q, double[] x, double[] dt, double[] a, double[] b,
                               double[] c, double[] state) {
        int hN = d.heads(), p = d.headDim(), n = d.stateSize(), gN = d.groups() * n;
        double[] y = new double[length * hN * p];
        for (int h = 0; h < hN; h++) {
            int g = h / (hN / d.groups()), so = h * p * n;
            for (int c0 = 0; c0 < length; c0 += q) {
                int len = Math.min(q, length - c0);
                double[] acs = new double[len];
                double run = 0;
                for (int l = 0; l < len; l++) {
                    run += a[h] * dt[(c0 + l) * hN + h];
                    acs[l] = run;
                }
                for (int l = 0; l < len; l++) {
                    int cl = (c0 + l) * gN + g * n;
                    for (int i = 0; i < p; i++) {
                        double yd = 0;
                        for (int s = 0; s <= l; s++) {
                            int bs = (c0 + s) * gN + g * n;
                            double cb = 0;
                            for (int j = 0; j < n; j++) cb += c[cl + j] * b[bs + j];
                            double dts = dt[(c0 + s) * hN + h];
                            yd += cb * Math.exp(acs[l] - acs[s]) * dts * x[((c0 + s) * hN + h) * p + i];
                        }
                        double cs = 0;
                        for (int j = 0; j < n; j++) cs += c[cl + j] * state[so + i * n + j];
                        y[((c0 + l) * hN + h) * p + i] = yd + Math.exp(acs[l]) * cs;
                    }
                }
                double last = acs[len - 1];
                for (int i = 0; i < p; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = Math.exp(last) * state[so + i * n + j];
                        for (int l = 0; l < len; l++) {
                            int t = c0 + l;
                            s += Math.exp(last - acs[l]) * b[t * gN + g * n + j] * dt[t * hN + h] * x[(t * hN + h) * p + i];
                        }
                        state[so + i * n + j] = s;
                    }
                }
            }
        }
        return y;
    }

    /** {@code F.conv1d(x, w.unsqueeze(1), bias, padding=K-1, groups=C)[..., :L]} on [L, C]; bias may be null. */
    static double[] conv(double[] x, int length, int channels, double[] w, int kernel, double[] bias) {
        double[] out = new double[length * channels];
        for (int t = 0; t < length; t++) {
            for (int ch = 0; ch < channels; ch++) {
                double acc = bias == null ? 0 : bias[ch];
                for (int k = 0; k < kernel; k++) {
                    int src = t - (kernel - 1) + k;
                    if (src >= 0) acc += w[ch * kernel + k] * x[src * channels + ch];
                }
                out[t * channels + ch] = acc;
            }
        }
        return out;
    }

    /** {@code FalconH1RMSNormGated(dim, eps, n_groups, norm_before_gate)(y, z)} on [rows, dim]. */
    static double[] gatedNorm(double[] y, double[] z, int rows, int dim, int groups, double[] w, double eps,
                              boolean normBeforeGate) {
        double[] h = new double[rows * dim];
        for (int i = 0; i < h.length; i++) h[i] = normBeforeGate ? y[i] : y[i] * silu(z[i]);
        int size = dim / groups;
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < groups; g++) {
                int off = r * dim + g * size;
                double ms = 0;
                for (int i = 0; i < size; i++) ms += h[off + i] * h[off + i];
                double inv = 1 / Math.sqrt(ms / size + eps);
                for (int i = 0; i < size; i++) h[off + i] = w[g * size + i] * (h[off + i] * inv);
            }
        }
        if (normBeforeGate) {
            for (int i = 0; i < h.length; i++) h[i] *= silu(z[i]);
        }
        return h;
    }

    /**
     * {@code FalconH1Mixer.forward} (chunk form, no cache) on one sequence whose first
     * {@code padding} rows are masked: x [L, D] → out [L, D]. {@code t} holds the layer's tensors by
     * their suffix after {@code mamba.} ({@code in_proj.weight}, {@code A_log}, ...; absent biases absent).
     */
    static double[] mixer(FalconH1Config cfg, Map<String, double[]> t, double[] x, int length, int padding) {
        int d = cfg.hiddenSize(), inner = cfg.mambaDSsm(), heads = cfg.mambaNHeads(), groups = cfg.mambaNGroups();
        int n = cfg.mambaDState(), gn = groups * n, convDim = cfg.convDim(), proj = cfg.inProjSize();
        int kernel = cfg.mambaDConv();
        double[] mup = new double[proj];                      // compute_mup_vector: [z, x, B, C, dt]
        int[] ends = {inner, 2 * inner, 2 * inner + gn, 2 * inner + 2 * gn, proj};
        for (int j = 0, part = 0; j < proj; j++) {
            while (j >= ends[part]) part++;
            mup[j] = cfg.ssmMultipliers().get(part);
        }
        // in_proj(mask(x) · ssm_in_multiplier) · mup_vector
        double[] zxbcdt = new double[length * proj];
        double[] win = t.get("in_proj.weight"), bin = t.get("in_proj.bias");
        for (int r = padding; r < length; r++) {
            for (int j = 0; j < proj; j++) {
                double acc = bin == null ? 0 : bin[j];
                for (int k = 0; k < d; k++) acc += x[r * d + k] * cfg.ssmInMultiplier() * win[j * d + k];
                zxbcdt[r * proj + j] = acc * mup[j];
            }
        }
        if (bin != null) {
            for (int r = 0; r < padding; r++) for (int j = 0; j < proj; j++) zxbcdt[r * proj + j] = bin[j] * mup[j];
        }
        double[] z = new double[length * inner], xbc = new double[length * convDim], dt = new double[length * heads];
        for (int r = 0; r < length; r++) {
            System.arraycopy(zxbcdt, r * proj, z, r * inner, inner);
            System.arraycopy(zxbcdt, r * proj + inner, xbc, r * convDim, convDim);
            System.arraycopy(zxbcdt, r * proj + inner + convDim, dt, r * heads, heads);
        }
        // silu(conv1d(xBC)), masked; split into x, B, C
        double[] conv = conv(xbc, length, convDim, t.get("conv1d.weight"), kernel, t.get("conv1d.bias"));
        for (int i = 0; i < conv.length; i++) conv[i] = i < padding * convDim ? 0 : silu(conv[i]);
        double[] xs = new double[length * inner], b = new double[length * gn], c = new double[length * gn];
        for (int r = 0; r < length; r++) {
            System.arraycopy(conv, r * convDim, xs, r * inner, inner);
            System.arraycopy(conv, r * convDim + inner, b, r * gn, gn);
            System.arraycopy(conv, r * convDim + inner + gn, c, r * gn, gn);
        }
        // dt = clamp(softplus(dt + dt_bias), time_step_limit); A = -exp(A_log)
        double lo = cfg.timeStepLimit().get(0), hi = cfg.timeStepLimit().get(1);
        for (int i = 0; i < dt.length; i++) dt[i] = Math.min(Math.max(softplus(dt[i] + t.get("dt_bias")[i % heads]), lo), hi);
        double[] a = new double[heads];
        for (int h = 0; h < heads; h++) a[h] = -Math.exp(t.get("A_log")[h]);
        // SSD + D skip
        SsdScan.Dims dims = new SsdScan.Dims(heads, cfg.mambaDHead(), groups, n);
        double[] y = ssdChunked(dims, length, cfg.mambaChunkSize(), xs, dt, a, b, c, new double[heads * cfg.mambaDHead() * n]);
        for (int i = 0; i < y.length; i++) y[i] += t.get("D")[i / cfg.mambaDHead() % heads] * xs[i];
        // gate (or gated norm), out_proj
        double[] o;
        if (cfg.mambaRmsNorm()) {
            o = gatedNorm(y, z, length, inner, groups, t.get("norm.weight"), cfg.rmsNormEps(), cfg.mambaNormBeforeGate());
        } else {
            o = new double[y.length];
            for (int i = 0; i < y.length; i++) o[i] = y[i] * silu(z[i]);
        }
        double[] wout = t.get("out_proj.weight"), bout = t.get("out_proj.bias");
        double[] out = new double[length * d];
        for (int r = 0; r < length; r++) {
            for (int j = 0; j < d; j++) {
                double acc = bout == null ? 0 : bout[j];
                for (int k = 0; k < inner; k++) acc += o[r * inner + k] * wout[j * inner + k];
                out[r * d + j] = acc;
            }
        }
        return out;
    }
}
