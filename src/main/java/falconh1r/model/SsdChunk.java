package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * One chunk of one head in the chunked SSD form: the chunk's operands gathered into dense arrays,
 * and the pieces that the forward ({@link SsdScan#chunked}) and its backward
 * ({@link SsdChunkedBackward}) compute the same way. For the tokens {@code t = c0 + l},
 * {@code l < len ≤ Q}, of head h (group g):
 * <pre>
 *   ad[l]  = A[h]·dt[t,h];   acs = cumsum(ad)                          A·dt and transformers' A_cumsum  [len]
 *   xd[l]  = x[t,h]·dt[t,h]                                            x·dt [len, P]
 *   bg, cg = B[t,g], C[t,g]                                            [len, N]
 *   cb     = C·Bᵀ                                                      [len(l), len(s)]
 *   decay[l, s] = exp(Σ_{k=s+1..l} ad[k]) for s ≤ l, else 0            exp(segment_sum(A·dt))
 *   m      = cb ∘ decay                                                the diagonal block's mixing matrix
 * </pre>
 * Matrices are dense with row length {@code len}. An instance is the scratch of one task (one head),
 * sized for chunks of up to Q tokens. Products of the form A·B (not A·Bᵀ) go through
 * {@link Backend#matmulBackwardInput} ({@code C += A·B}) and Aᵀ·B through
 * {@link Backend#matmulBackwardWeight} ({@code C += Aᵀ·B}), so no operand is transposed.
 */
final class SsdChunk {
    final int p, n;
    int len;
    final float[] ad, acs;                 // [Q]
    final float[] xd;                      // [Q, P]
    final float[] bg, cg;                  // [Q, N]
    final float[] cb, decay, m;            // [Q, Q]
    private final float[] bd;              // B ∘ decay_states [Q, N]
    private final float[] sc;              // chunk state [P, N]

    SsdChunk(int q, int p, int n) {
        this.p = p;
        this.n = n;
        ad = new float[q];
        acs = new float[q];
        xd = new float[q * p];
        bg = new float[q * n];
        cg = new float[q * n];
        cb = new float[q * q];
        decay = new float[q * q];
        m = new float[q * q];
        bd = new float[q * n];
        sc = new float[p * n];
    }

    /** Gathers the chunk of {@code len} tokens from {@code c0} for head {@code h}: ad, acs, xd, bg, cg. */
    void load(SsdScan.Dims d, int c0, int len, int h, float[] x, float[] dt, float[] a, float[] b, float[] c) {
        this.len = len;
        int hN = d.heads(), gN = d.groups() * n, g = h / d.headsPerGroup();
        float run = 0f;
        for (int l = 0; l < len; l++) {
            int t = c0 + l;
            float dtl = dt[t * hN + h];
            ad[l] = a[h] * dtl;
            run += ad[l];
            acs[l] = run;
            int xo = (t * hN + h) * p;
            for (int i = 0; i < p; i++) xd[l * p + i] = x[xo + i] * dtl;
            System.arraycopy(b, t * gN + g * n, bg, l * n, n);
            System.arraycopy(c, t * gN + g * n, cg, l * n, n);
        }
    }

    /**
     * cb, decay and m of the loaded chunk ({@code G = einsum("bclhn,bcshn->bclsh", C, B)} and
     * {@code L = exp(segment_sum(A·dt))}, the segment sums accumulated in segment_sum's order).
     */
    void mixing(Backend backend) {
        backend.matmul(cb, cg, bg, len, len, n);
        for (int s = 0; s < len; s++) {
            float seg = 0f;
            for (int l = 0; l < s; l++) {
                decay[l * len + s] = 0f;
                m[l * len + s] = 0f;
            }
            for (int l = s; l < len; l++) {
                if (l > s) seg += ad[l];
                float e = (float) Math.exp(seg);
                decay[l * len + s] = e;
                m[l * len + s] = cb[l * len + s] * e;
            }
        }
    }

    /**
     * Steps 3 and 4 of the chunked form on the state [P, N] at {@code so} of {@code state}: the chunk
     * state {@code Σ_l exp(acs[last] − acs[l])·xd[l] ⊗ B[l]} (transformers' {@code decay_states}
     * einsum) and the inter-chunk recurrence {@code S ← exp(acs[last])·S + chunk state}.
     */
    void advance(Backend backend, float[] state, int so) {
        float last = acs[len - 1];
        for (int l = 0; l < len; l++) {
            float w = (float) Math.exp(last - acs[l]);
            for (int j = 0; j < n; j++) bd[l * n + j] = bg[l * n + j] * w;
        }
        java.util.Arrays.fill(sc, 0f);
        backend.matmulBackwardWeight(sc, xd, bd, len, p, n);     // sc = xdᵀ·bd
        float decayChunk = (float) Math.exp(last);
        for (int k = 0; k < p * n; k++) state[so + k] = state[so + k] * decayChunk + sc[k];
    }
}
