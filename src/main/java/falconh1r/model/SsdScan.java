package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * The selective scan of Mamba2 in its two forms from the "state space duality" (SSD) paper, for one
 * sequence (the caller loops over the batch). Per head {@code h}, with {@code g = h / (H/G)}:
 * <pre>
 *   S_t = exp(dt[t,h]·A[h]) · S_{t-1} + dt[t,h] · x[t,h] ⊗ B[t,g]      S: [P, N]
 *   y[t,h] = S_t · C[t,g]                                               y: [P]
 * </pre>
 * Shapes, all row-major {@code float[]}: x [L, H, P], dt [L, H] (already softplus'd and clamped),
 * A [H] (negative, {@code -exp(A_log)}), B and C [L, G, N], state [H, P, N], y [L, H, P].
 *
 * <p>{@code y} is the scan alone, <em>without</em> the D skip: transformers' {@code mamba2_chunk_scan}
 * adds {@code D[h]·x} after the scan ({@code D_residual}, from the undiscretized x) and
 * {@code mamba2_selective_state_update} adds it after {@code state·C}; the mixer adds {@code D·x}
 * itself, the same for both paths.
 *
 * <p>{@code state} is in/out in every method: it holds the initial state (zeros in a plain prefill)
 * and receives the final state, as the decode step's {@code state.copy_(...)} does and as
 * {@code mamba2_chunk_scan(initial_states=..., return_final_states=True)} returns it.
 *
 * <p>{@link #backward} is the reverse-time scan (the gradient of y only; the initial state is read,
 * not changed), checked against torch autograd through {@code mamba2_chunk_scan}; it is the oracle
 * of {@link #chunkedBackward}, the backward through the chunked form that the model runs.
 */
public final class SsdScan {

    /**
     * Sizes: {@code heads} (H) heads of {@code headDim} (P) channels; B and C in {@code groups} (G)
     * groups of {@code stateSize} (N); head h reads group {@code h / (H/G)} (transformers'
     * {@code repeat_interleave(H // G, dim=2)}).
     */
    public record Dims(int heads, int headDim, int groups, int stateSize) {
        public Dims {
            if (heads < 1 || headDim < 1 || groups < 1 || stateSize < 1) {
                throw new IllegalArgumentException("SSD sizes must be positive: " + this);
            }
            if (heads % groups != 0) {
                throw new IllegalArgumentException("SSD heads (" + heads + ") not divisible by groups (" + groups + ")");
            }
        }

        int headsPerGroup() {
            return heads / groups;
        }
    }

    private SsdScan() {}

    /**
     * One decode token, as transformers' {@code mamba2_selective_state_update} with {@code D = None},
     * {@code z = None} (dt already positive): {@code state = state·exp(dt·A) + (dt·B)·x},
     * {@code y = state·C}.
     *
     * @param x     [H, P]
     * @param dt    [H]
     * @param a     A [H]
     * @param b     B [G, N]
     * @param c     C [G, N]
     * @param state [H, P, N], updated in place
     * @param y     [H, P], written
     */
    public static void step(Dims d, float[] x, float[] dt, float[] a, float[] b, float[] c, float[] state, float[] y) {
        step(d, 0, x, dt, a, b, c, state, y);
    }

    /**
     * {@link #step} for row {@code t} of [rows, ...] arrays (x, dt, B, C, y), with its own
     * {@code state}: a batched decode step gives each row its sequence's state.
     */
    public static void step(Dims d, int t, float[] x, float[] dt, float[] a, float[] b, float[] c, float[] state,
                            float[] y) {
        if (t < 0) throw new IllegalArgumentException("negative row " + t);
        checkShapes(d, t + 1, x, dt, a, b, c, state, y);
        stepAt(d, t, x, dt, a, b, c, state, y);
    }

    /**
     * The per-token recurrence over {@code length} tokens: {@link #step} at every position. This is
     * the oracle for {@link #chunked}.
     */
    public static void sequential(Dims d, int length, float[] x, float[] dt, float[] a, float[] b, float[] c,
                                  float[] state, float[] y) {
        checkShapes(d, length, x, dt, a, b, c, state, y);
        for (int t = 0; t < length; t++) stepAt(d, t, x, dt, a, b, c, state, y);
    }

    /** {@link #step} for token {@code t} of the [L, ...] arrays. */
    private static void stepAt(Dims d, int t, float[] x, float[] dt, float[] a, float[] b, float[] c,
                               float[] state, float[] y) {
        int pn = d.headDim() * d.stateSize();
        for (int h = 0; h < d.heads(); h++) stepHead(d, t, h, x, dt, a, b, c, state, h * pn, state, h * pn, y);
    }

    /**
     * One head's recurrence at token {@code t}: {@code out = exp(dt·A)·in + (dt·B) ⊗ x} on [P, N]
     * states at {@code inOff} and {@code outOff} (out may be in), and {@code y[t, h] = out·C} unless
     * {@code y} is null.
     */
    private static void stepHead(Dims d, int t, int h, float[] x, float[] dt, float[] a, float[] b, float[] c,
                                 float[] in, int inOff, float[] out, int outOff, float[] y) {
        int hN = d.heads(), p = d.headDim(), n = d.stateSize(), gN = d.groups() * n;
        float dth = dt[t * hN + h];
        float dA = (float) Math.exp(dth * a[h]);
        int bc = t * gN + (h / d.headsPerGroup()) * n;           // B[t, g], C[t, g]
        int xy = (t * hN + h) * p;                                // x[t, h], y[t, h]
        for (int i = 0; i < p; i++) {
            float xi = x[xy + i];
            int si = inOff + i * n, so = outOff + i * n;          // state[i]
            float acc = 0f;
            for (int j = 0; j < n; j++) {
                float v = in[si + j] * dA + (dth * b[bc + j]) * xi;
                out[so + j] = v;
                acc += v * c[bc + j];
            }
            if (y != null) y[xy + i] = acc;
        }
    }

    /**
     * The chunked SSD algorithm of transformers' {@code mamba2_chunk_scan} (called by
     * {@code FalconH1Mixer.forward}'s chunk form; {@code torch_forward} in older versions), with
     * {@code D = None}. For each chunk of {@code chunkSize} tokens (Q) and each head:
     * <ol>
     *   <li>diagonal block: {@code Y_diag = (C·Bᵀ ∘ exp(segment_sum(A·dt))) · (x·dt)};
     *   <li>state to output: {@code Y_off = exp(cumsum(A·dt)) ∘ (C · S_startᵀ)} from the state at the chunk start;
     *   <li>chunk state: {@code Σ_l exp(A_cumsum[last] - A_cumsum[l]) · B[l] ⊗ (x·dt)[l]};
     *   <li>inter-chunk recurrence: {@code S ← exp(A_cumsum[last])·S + chunk state}.
     * </ol>
     * transformers writes step 4 as one product with {@code exp(segment_sum(pad(A_cumsum[..., -1])))}
     * over all chunk states; this runs it as the recurrence that product unrolls (equal in exact
     * arithmetic), so the state stays one [H, P, N] array. transformers zero-pads the last chunk to Q
     * ({@code pad_tensor_by_size}); a padded step adds exactly 0 to the cumulative sum of A·dt and to
     * every sum over positions, so the last chunk is computed at its real length instead.
     * The heads are independent: each is one {@link Backend#forEach} task ({@link SsdChunk} holds
     * its operands), whose products C·Bᵀ, M·(x·dt), C·Sᵀ and (x·dt)ᵀ·(B∘decay) go through the
     * backend's matrix products on the task's thread.
     */
    public static void chunked(Backend backend, Dims d, int length, int chunkSize, float[] x, float[] dt, float[] a,
                               float[] b, float[] c, float[] state, float[] y) {
        if (chunkSize < 1) throw new IllegalArgumentException("chunk size must be positive: " + chunkSize);
        checkShapes(d, length, x, dt, a, b, c, state, y);
        if (length == 0) return;
        int q = Math.min(chunkSize, length);
        backend.forEach(d.heads(), h -> chunkedHead(backend, d, length, chunkSize, h, x, dt, a, b, c, state, y,
                new SsdChunk(q, d.headDim(), d.stateSize())));
    }

    /** {@link #chunked} for head {@code h}: y[:, h] and state[h]. */
    private static void chunkedHead(Backend backend, Dims d, int length, int chunkSize, int h, float[] x, float[] dt,
                                    float[] a, float[] b, float[] c, float[] state, float[] y, SsdChunk k) {
        int hN = d.heads(), p = d.headDim(), n = d.stateSize(), so = h * p * n, q = Math.min(chunkSize, length);
        float[] yd = new float[q * p], yo = new float[q * p];    // Y_diag, C·Sᵀ: [Q, P]
        for (int c0 = 0; c0 < length; c0 += chunkSize) {
            int len = Math.min(chunkSize, length - c0);
            k.load(d, c0, len, h, x, dt, a, b, c);
            // 1. diagonal block: Y_diag = einsum("bclsh,bcshp->bclhp", C·Bᵀ ∘ exp(segment_sum), x·dt)
            k.mixing(backend);
            java.util.Arrays.fill(yd, 0f);
            backend.matmulBackwardInput(yd, k.m, k.xd, len, len, p);      // yd = m·xd
            // 2. state -> output, from the state at the chunk start: C_times_states · exp(A_cumsum)
            backend.matmul(yo, 0, k.cg, 0, state, so, len, p, n);
            for (int l = 0; l < len; l++) {
                float decayOut = (float) Math.exp(k.acs[l]);
                int yoff = ((c0 + l) * hN + h) * p;
                for (int i = 0; i < p; i++) y[yoff + i] = yd[l * p + i] + yo[l * p + i] * decayOut;
            }
            // 3, 4. chunk state and the inter-chunk recurrence
            k.advance(backend, state, so);
        }
    }

    /**
     * Gradients of the scan's inputs, each accumulated into ({@code +=}, as autograd's {@code .grad}):
     * dx [L, H, P], ddt [L, H], dA [H], dB and dC [L, G, N] (summed over the heads of a group, as the
     * backward of {@code repeat_interleave} sums), dState [H, P, N] for the initial state, or null
     * when that needs no gradient.
     */
    public record Gradients(float[] dx, float[] ddt, float[] dA, float[] dB, float[] dC, float[] dState) {}

    /**
     * The backward of the scan ({@link #sequential}, which {@link #chunked} equals), for the upstream
     * gradient {@code dy} [L, H, P] of y, as the reverse-time recurrence. Per head, with dS the
     * gradient of S_t (zero after the last token):
     * <pre>
     *   dS    += dy_t ⊗ C_t                    dC_t += S_tᵀ · dy_t
     *   dx_t  += dt_t · dS · B_t               dB_t += dt_t · dSᵀ · x_t
     *   ddt_t += x_tᵀ · dS · B_t + A · exp(dt_t·A) · ⟨dS, S_{t-1}⟩
     *   dA    += dt_t · exp(dt_t·A) · ⟨dS, S_{t-1}⟩
     *   dS     ← exp(dt_t·A) · dS               (now the gradient of S_{t-1}; at the end, of the initial state)
     * </pre>
     * It needs every S_t: a forward pass per head keeps the state at the start of every chunk of
     * {@code chunkSize} tokens, and the chunks are then visited last to first, each recomputing its
     * own states from its start state (memory (L/Q + Q + 1)·P·N per head instead of L·P·N). The
     * recomputed states are bit-identical to one uninterrupted {@link #sequential} pass, so the
     * result does not depend on {@code chunkSize}. This is the readable oracle of
     * {@link #chunkedBackward}, which the model runs.
     *
     * @param state the initial state [H, P, N] (not changed), or null for zeros
     */
    public static void backward(Dims d, int length, int chunkSize, float[] x, float[] dt, float[] a, float[] b,
                                float[] c, float[] state, float[] dy, Gradients grads) {
        int hN = d.heads(), p = d.headDim(), n = d.stateSize(), pn = p * n;
        float[] s0 = state != null ? state : new float[hN * pn];
        checkBackward(d, length, chunkSize, x, dt, a, b, c, s0, dy, grads);
        int chunks = (length + chunkSize - 1) / chunkSize, q = Math.min(chunkSize, length);
        float[] starts = new float[chunks * pn];                 // S at each chunk start, one head: [nc, P, N]
        float[] run = new float[(q + 1) * pn];                   // S_{c0-1} .. S_{c0+len-1}: [Q+1, P, N]
        float[] dS = new float[pn];
        for (int h = 0; h < hN; h++) {
            System.arraycopy(s0, h * pn, run, 0, pn);
            for (int k = 0; k < chunks; k++) {
                System.arraycopy(run, 0, starts, k * pn, pn);
                for (int t = k * chunkSize; t < Math.min(length, (k + 1) * chunkSize); t++) {
                    stepHead(d, t, h, x, dt, a, b, c, run, 0, run, 0, null);
                }
            }
            java.util.Arrays.fill(dS, 0f);
            for (int k = chunks - 1; k >= 0; k--) {
                int c0 = k * chunkSize, len = Math.min(chunkSize, length - c0);
                System.arraycopy(starts, k * pn, run, 0, pn);
                for (int l = 0; l < len; l++) stepHead(d, c0 + l, h, x, dt, a, b, c, run, l * pn, run, (l + 1) * pn, null);
                for (int l = len - 1; l >= 0; l--) stepHeadBackward(d, c0 + l, h, x, dt, a, b, c, run, l * pn, dy, dS, grads);
            }
            if (grads.dState() != null) {
                for (int k = 0; k < pn; k++) grads.dState()[h * pn + k] += dS[k];
            }
        }
    }

    /**
     * The backward of {@link #chunked} through the chunked form itself ({@link SsdChunkedBackward}):
     * the gradients of {@link #backward}, its oracle (equal up to f32 rounding), computed per chunk
     * with matrix products instead of per token, one {@link Backend#forEach} task per head. Same
     * arguments and accumulation as {@link #backward}; the chunk size is the forward's (the
     * result depends on it only through rounding).
     */
    public static void chunkedBackward(Backend backend, Dims d, int length, int chunkSize, float[] x, float[] dt,
                                       float[] a, float[] b, float[] c, float[] state, float[] dy, Gradients grads) {
        float[] s0 = state != null ? state : new float[d.heads() * d.headDim() * d.stateSize()];
        checkBackward(d, length, chunkSize, x, dt, a, b, c, s0, dy, grads);
        if (length > 0) SsdChunkedBackward.run(backend, d, length, chunkSize, x, dt, a, b, c, s0, dy, grads);
    }

    /** The shapes both backwards need. */
    private static void checkBackward(Dims d, int length, int chunkSize, float[] x, float[] dt, float[] a, float[] b,
                                      float[] c, float[] s0, float[] dy, Gradients grads) {
        if (chunkSize < 1) throw new IllegalArgumentException("chunk size must be positive: " + chunkSize);
        checkShapes(d, length, x, dt, a, b, c, s0, dy);
        int hN = d.heads();
        long gn = (long) d.groups() * d.stateSize();
        check("dx", grads.dx(), (long) length * hN * d.headDim());
        check("ddt", grads.ddt(), (long) length * hN);
        check("dA", grads.dA(), hN);
        check("dB", grads.dB(), length * gn);
        check("dC", grads.dC(), length * gn);
        if (grads.dState() != null) check("dState", grads.dState(), (long) hN * d.headDim() * d.stateSize());
    }

    /**
     * One reverse step of {@link #backward} for head h at token t: S_{t-1} at {@code prevOff} of
     * {@code run}, S_t right after it; {@code dS} [P, N] enters as the gradient of S_t from later
     * tokens and leaves as that of S_{t-1}.
     */
    private static void stepHeadBackward(Dims d, int t, int h, float[] x, float[] dt, float[] a, float[] b, float[] c,
                                         float[] run, int prevOff, float[] dy, float[] dS, Gradients g) {
        int hN = d.heads(), p = d.headDim(), n = d.stateSize(), gN = d.groups() * n, curOff = prevOff + p * n;
        float dth = dt[t * hN + h];
        float dA = (float) Math.exp(dth * a[h]);
        int bc = t * gN + (h / d.headsPerGroup()) * n;
        int xy = (t * hN + h) * p;
        double dtSum = 0, decaySum = 0;                           // x·dS·B and ⟨dS, S_{t-1}⟩
        for (int i = 0; i < p; i++) {
            float dyi = dy[xy + i], xi = x[xy + i];
            double dxi = 0;
            for (int j = 0; j < n; j++) {
                int s = i * n + j;
                float gS = dS[s] + dyi * c[bc + j];
                g.dC()[bc + j] += dyi * run[curOff + s];
                g.dB()[bc + j] += dth * gS * xi;
                dxi += gS * b[bc + j];
                decaySum += gS * run[prevOff + s];
                dS[s] = gS * dA;
            }
            g.dx()[xy + i] += (float) (dth * dxi);
            dtSum += xi * dxi;
        }
        g.ddt()[t * hN + h] += (float) (dtSum + decaySum * dA * a[h]);
        g.dA()[h] += (float) (decaySum * dA * dth);
    }

    private static void checkShapes(Dims d, int length, float[] x, float[] dt, float[] a, float[] b, float[] c,
                                    float[] state, float[] y) {
        if (length < 0) throw new IllegalArgumentException("negative sequence length " + length);
        long hp = (long) d.heads() * d.headDim(), gn = (long) d.groups() * d.stateSize();
        check("x", x, length * hp);
        check("dt", dt, (long) length * d.heads());
        check("A", a, d.heads());
        check("B", b, length * gn);
        check("C", c, length * gn);
        check("state", state, hp * d.stateSize());
        check("y", y, length * hp);
    }

    private static void check(String name, float[] array, long need) {
        if (array.length < need) {
            throw new IllegalArgumentException("SSD " + name + " holds " + array.length + " floats, needs " + need);
        }
    }
}
