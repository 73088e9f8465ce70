package falconh1r.model;

import falconh1r.kernels.Backend;
import java.util.Arrays;

/**
 * {@link SsdScan#chunkedBackward}: the gradient of the chunked SSD form ({@link SsdScan#chunked}),
 * differentiated piece by piece as autograd differentiates {@code mamba2_chunk_scan}, so that it is
 * the same handful of matrix products per chunk as the forward. Per head, the chunks are visited last
 * to first with dS, the gradient of the state at the chunk's end (zero after the last chunk). In the
 * notation of {@link SsdChunk}, with S0 the state at the chunk's start,
 * {@code w[l] = exp(acs[last] − acs[l])} and {@code E[l] = exp(acs[l])}, the chunk computed
 * <pre>
 *   y      = m·xd + E ∘ (cg·S0ᵀ)                     Y_diag + Y_off
 *   S_end  = exp(acs[last])·S0 + Σ_l w[l]·xd[l] ⊗ bg[l]
 * </pre>
 * so, reading each line backwards (dacs is the gradient of acs; products go through the backend):
 * <pre>
 *   dS0   = exp(acs[last])·dS + (dy ∘ E)ᵀ·cg;         dacs[last] += exp(acs[last])·⟨dS, S0⟩
 *   dxd   = w ∘ (bg·dSᵀ) + mᵀ·dy;                      dbg = w ∘ (xd·dS) + dGᵀ·cg
 *   dacs[l] += Σ_i dy[l,i]·E[l]·(cg·S0ᵀ)[l,i] − w[l]·⟨xd[l], (bg·dSᵀ)[l]⟩;   dacs[last] += Σ_l w[l]·⟨…⟩
 *   dM    = dy·xdᵀ;   dG = dM ∘ decay (lower triangle);   dcg = (dy ∘ E)·S0 + dG·bg
 *   dacs[l] += Σ_{s<l} dM∘m [l,s];   dacs[s] −= Σ_{l>s} dM∘m [l,s]        (exp(acs[l] − acs[s]))
 *   dad   = reverse cumsum of dacs
 *   dx    += dt ∘ dxd;   ddt += Σ_i dxd·x + A·dad;   dA += Σ_l dt·dad
 * </pre>
 * and dS ← dS0 for the chunk before. The chunk-start states come from the forward's own recurrence
 * ({@link SsdChunk#advance}), kept per chunk. Each head is one {@link Backend#forEach} task; the heads of
 * a group write their dB and dC into their own [L, N] rows, summed over the group at the end (the
 * backward of {@code repeat_interleave}).
 */
final class SsdChunkedBackward {
    private final Backend backend;
    private final SsdScan.Dims d;
    private final int length, chunkSize, h, p, n, pn;
    private final float[] x, dt, a, b, c, dy;
    private final SsdScan.Gradients grads;
    private final float[] dBh, dCh;                  // this head's dB, dC rows: [L, N] at h·L·N
    private final SsdChunk k;
    private final float[] dyc, cs, dcs, t1, dxd;     // [Q, P]
    private final float[] t2, dbg, dcg;              // [Q, N]
    private final float[] dM, dG;                    // [Q, Q]
    private final float[] start;                     // [P, N] the state at the chunk start
    private float[] dS0;                             // [P, N], its gradient
    private float[] dS;                              // [P, N], the gradient of the state at the chunk's end
    private final double[] dacs;                     // [Q]

    static void run(Backend backend, SsdScan.Dims d, int length, int chunkSize, float[] x, float[] dt, float[] a,
                    float[] b, float[] c, float[] s0, float[] dy, SsdScan.Gradients grads) {
        int hN = d.heads(), n = d.stateSize(), gN = d.groups() * n;
        float[] dBh = new float[hN * length * n], dCh = new float[hN * length * n];     // per head: [H, L, N]
        backend.forEach(hN, h -> new SsdChunkedBackward(backend, d, length, chunkSize, h, x, dt, a, b, c, dy, grads, dBh, dCh)
                .head(s0));
        float[] dB = grads.dB(), dC = grads.dC();
        for (int h = 0; h < hN; h++) {
            int g = h / d.headsPerGroup();
            for (int t = 0; t < length; t++) {
                int from = (h * length + t) * n, to = t * gN + g * n;
                for (int j = 0; j < n; j++) {
                    dB[to + j] += dBh[from + j];
                    dC[to + j] += dCh[from + j];
                }
            }
        }
    }

    /** One head's task and its scratch, sized for chunks of up to Q tokens. */
    private SsdChunkedBackward(Backend backend, SsdScan.Dims d, int length, int chunkSize, int h, float[] x, float[] dt,
                               float[] a, float[] b, float[] c, float[] dy, SsdScan.Gradients grads, float[] dBh,
                               float[] dCh) {
        this.backend = backend;
        this.d = d;
        this.length = length;
        this.chunkSize = chunkSize;
        this.h = h;
        this.p = d.headDim();
        this.n = d.stateSize();
        this.pn = p * n;
        this.x = x;
        this.dt = dt;
        this.a = a;
        this.b = b;
        this.c = c;
        this.dy = dy;
        this.grads = grads;
        this.dBh = dBh;
        this.dCh = dCh;
        int q = Math.min(chunkSize, length);
        k = new SsdChunk(q, p, n);
        dyc = new float[q * p];
        cs = new float[q * p];
        dcs = new float[q * p];
        t1 = new float[q * p];
        dxd = new float[q * p];
        t2 = new float[q * n];
        dbg = new float[q * n];
        dcg = new float[q * n];
        dM = new float[q * q];
        dG = new float[q * q];
        start = new float[pn];
        dS0 = new float[pn];
        dS = new float[pn];
        dacs = new double[q];
    }

    /** Head h: its dx, ddt, dA and dState entries, and its rows of dBh, dCh; {@code s0} the initial states [H, P, N]. */
    private void head(float[] s0) {
        int chunks = (length + chunkSize - 1) / chunkSize;
        // the state at every chunk start [nc, P, N], as the forward's recurrence computes it
        float[] starts = new float[chunks * pn];
        System.arraycopy(s0, h * pn, starts, 0, pn);
        for (int ck = 0; ck + 1 < chunks; ck++) {
            k.load(d, ck * chunkSize, chunkSize, h, x, dt, a, b, c);
            System.arraycopy(starts, ck * pn, starts, (ck + 1) * pn, pn);
            k.advance(backend, starts, (ck + 1) * pn);
        }
        for (int ck = chunks - 1; ck >= 0; ck--) {
            int c0 = ck * chunkSize, len = Math.min(chunkSize, length - c0);
            k.load(d, c0, len, h, x, dt, a, b, c);
            k.mixing(backend);
            System.arraycopy(starts, ck * pn, start, 0, pn);
            for (int l = 0; l < len; l++) System.arraycopy(dy, ((c0 + l) * d.heads() + h) * p, dyc, l * p, p);
            Arrays.fill(dacs, 0);
            double dLast = chunkStateGradient(len);
            offDiagonalGradient(len);
            diagonalGradient(len);
            inputGradients(c0, len, dLast);
            float[] swap = dS;                                    // dS0 is the chunk before's dS
            dS = dS0;
            dS0 = swap;
        }
        if (grads.dState() != null) {
            for (int i = 0; i < pn; i++) grads.dState()[h * pn + i] += dS[i];
        }
    }

    /**
     * {@code S_end = exp(acs[last])·S0 + Σ_l w[l]·xd[l] ⊗ bg[l]}: starts dS0, dxd, dbg and dacs;
     * returns this line's share of dacs[last].
     */
    private double chunkStateGradient(int len) {
        int last = len - 1;
        float eLast = (float) Math.exp(k.acs[last]);
        double dLast = (double) eLast * backend.dot(dS, 0, start, 0, pn);
        for (int i = 0; i < pn; i++) dS0[i] = eLast * dS[i];
        backend.matmul(t1, k.bg, dS, len, p, n);                      // (bg·dSᵀ)[l, i]
        Arrays.fill(t2, 0, len * n, 0f);
        backend.matmulBackwardInput(t2, k.xd, dS, len, p, n);         // (xd·dS)[l, j]
        for (int l = 0; l < len; l++) {
            float w = (float) Math.exp(k.acs[last] - k.acs[l]);
            double dw = 0;
            for (int i = 0; i < p; i++) {
                dxd[l * p + i] = w * t1[l * p + i];
                dw += k.xd[l * p + i] * t1[l * p + i];
            }
            for (int j = 0; j < n; j++) dbg[l * n + j] = w * t2[l * n + j];
            dacs[l] -= w * dw;
            dLast += w * dw;
        }
        return dLast;
    }

    /** {@code Y_off = E ∘ (cg·S0ᵀ)}: starts dcg, adds to dS0 and dacs. */
    private void offDiagonalGradient(int len) {
        backend.matmul(cs, k.cg, start, len, p, n);
        for (int l = 0; l < len; l++) {
            float e = (float) Math.exp(k.acs[l]);
            double de = 0;
            for (int i = 0; i < p; i++) {
                dcs[l * p + i] = dyc[l * p + i] * e;
                de += dcs[l * p + i] * cs[l * p + i];
            }
            dacs[l] += de;
        }
        Arrays.fill(dcg, 0, len * n, 0f);
        backend.matmulBackwardInput(dcg, dcs, start, len, p, n);     // dcg += (dy ∘ E)·S0
        backend.matmulBackwardWeight(dS0, dcs, k.cg, len, p, n);     // dS0 += (dy ∘ E)ᵀ·cg
    }

    /** {@code Y_diag = m·xd}, {@code m = (cg·bgᵀ) ∘ decay}: adds to dxd, dcg, dbg and dacs. */
    private void diagonalGradient(int len) {
        backend.matmul(dM, dyc, k.xd, len, len, p);                   // dM = dy·xdᵀ
        backend.matmulBackwardWeight(dxd, k.m, dyc, len, len, p);     // dxd += mᵀ·dy
        for (int l = 0; l < len; l++) {
            for (int s = 0; s < len; s++) {
                int ls = l * len + s;
                dG[ls] = s <= l ? dM[ls] * k.decay[ls] : 0f;
                if (s < l) {
                    double v = (double) dM[ls] * k.m[ls];
                    dacs[l] += v;
                    dacs[s] -= v;
                }
            }
        }
        backend.matmulBackwardInput(dcg, dG, k.bg, len, len, n);      // dcg += dG·bg
        backend.matmulBackwardWeight(dbg, dG, k.cg, len, len, n);     // dbg += dGᵀ·cg
    }

    /** {@code acs = cumsum(A·dt)}, {@code xd = x·dt}: back to dx, ddt, dA; dbg, dcg into this head's rows. */
    private void inputGradients(int c0, int len, double dLast) {
        int hN = d.heads();
        dacs[len - 1] += dLast;
        double dad = 0;
        for (int l = len - 1; l >= 0; l--) {
            dad += dacs[l];                                           // Σ_{l' ≥ l} dacs[l']
            int t = c0 + l, xo = (t * hN + h) * p;
            float dtl = dt[t * hN + h];
            double dxdx = 0;
            for (int i = 0; i < p; i++) {
                grads.dx()[xo + i] += dxd[l * p + i] * dtl;
                dxdx += dxd[l * p + i] * x[xo + i];
            }
            grads.ddt()[t * hN + h] += (float) (dxdx + a[h] * dad);
            grads.dA()[h] += (float) (dtl * dad);
            System.arraycopy(dbg, l * n, dBh, (h * length + t) * n, n);
            System.arraycopy(dcg, l * n, dCh, (h * length + t) * n, n);
        }
    }
}
