package falconh1r.model;

import falconh1r.kernels.Backend;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole Falcon-H1 causal LM, as transformers' {@code FalconH1ForCausalLM}: the forward of one
 * sequence without a cache ({@link #forward}), the cached path ({@link #prefill} fills a
 * {@link FalconH1Cache}; {@link #decode} advances one cache, or a batch of caches, by one token) and
 * greedy {@link #generate}. All run the same layer code (one private {@code run}; the mixer and
 * attention take the caches). Its rows are either the tokens of one sequence (forward, prefill) or
 * one token of each of B sequences (decode): every Linear is one matmul over all rows, so a decode
 * step over B caches reads each weight once; only the conv step, the SSM step, RoPE and attention
 * run per sequence:
 *
 * <pre>
 * h = embed_tokens[ids] · embedding_multiplier                                      [L, D]
 * for each layer:
 *     x = RMSNorm(h; input_layernorm)                       one norm feeds both branches
 *     h = h + Mamba2(x) · ssm_out_multiplier + Attention(x · attention_in_multiplier) · attention_out_multiplier
 *     h = h + MLP(RMSNorm(h; pre_ff_layernorm))
 * logits = lm_head(RMSNorm(h; final_layernorm)) · lm_head_multiplier              [L, V]
 * </pre>
 *
 * A left-padded row of a batch is run with {@code padding} > 0: its first {@code padding} tokens
 * are masked out of both branches (keys for attention, zeroed states for Mamba). Every matrix
 * product goes through the {@link Backend}.
 *
 * <p>Decode differs from transformers 5.24's cached decode in one deliberate way: dt is clamped to
 * {@code time_step_limit} at every step, as the full forward does (transformers' single-token path
 * passes no {@code dt_limit}); so decode logits equal the full forward's at every position.
 */
public final class FalconH1 {

    /** What one forward returns: hidden states as transformers' {@code output_hidden_states}, and logits. */
    public record Output(List<float[]> hiddenStates, float[] lastLayerOut, float[] logits) {}

    private final FalconH1Parameters p;
    private final FalconH1Config c;
    private final Backend backend;
    private final Rope rope;
    private final float[] mup;          // the Mamba in_proj µP vector, the same for every layer

    /**
     * Registers every matmul weight (the 2-D projection weights and the LM head) with the backend
     * ({@link Backend#registerWeight}), so a device backend keeps them resident.
     */
    public FalconH1(FalconH1Parameters parameters, Backend backend) {
        this.p = parameters;
        this.c = parameters.config();
        this.backend = backend;
        this.rope = new Rope(c.headDim(), c.ropeTheta());
        this.mup = Mamba2Mixer.mupVector(c);
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            for (String name : MATMUL_WEIGHTS) p.weight(ParameterShapes.layer(layer, name)).register(backend);
        }
        p.lmHead().register(backend);
    }

    /**
     * Tells the backend that the parameters changed in place (after an optimizer step), so a device
     * backend uploads its resident copies again before their next use.
     */
    public void weightsChanged() {
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            for (String name : MATMUL_WEIGHTS) changed(p.weight(ParameterShapes.layer(layer, name)));
        }
        changed(p.lmHead());
    }

    private void changed(Weight w) {
        if (w.f32() != null) backend.weightsChanged(w.f32());
        else backend.weightsChanged(w.packed());
    }

    /** The per-layer weights used as a matmul's B operand. */
    private static final String[] MATMUL_WEIGHTS = {
        "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
        "mamba.in_proj.weight", "mamba.out_proj.weight",
        "feed_forward.gate_proj.weight", "feed_forward.up_proj.weight", "feed_forward.down_proj.weight",
    };

    public FalconH1Config config() {
        return c;
    }

    /**
     * Runs {@code ids} at {@code positions} (null: 0..L−1). hiddenStates[0] is the scaled embedding,
     * [i] the output of layer i, and the last entry is after the final norm (transformers replaces
     * the last layer's raw output with it; that raw output is {@code lastLayerOut}).
     */
    public Output forward(int[] ids, int[] positions, int padding) {
        return run(ids, defaultPositions(positions, ids.length, 0), padding, null, true, 0, null);
    }

    /** An empty cache for one sequence, with KV room for {@code capacity} tokens (it grows beyond). */
    public FalconH1Cache newCache(int capacity) {
        return new FalconH1Cache(c, capacity);
    }

    /**
     * Runs the prompt through the same forward as {@link #forward} and fills {@code cache} (empty)
     * with every layer's keys and values, conv window and final SSM state. Returns the logits of every
     * prompt position [L, V] (padding positions hold what a query that sees no key gives). The next
     * position is {@code positions[L−1] + 1} (null positions: 0..L−1).
     */
    public float[] prefill(FalconH1Cache cache, int[] ids, int padding, int[] positions) {
        return prefill(cache, ids, padding, positions, true);
    }

    /** {@link #prefill(FalconH1Cache, int[], int, int[])} returning the last position's logits only [V]. */
    public float[] prefillLast(FalconH1Cache cache, int[] ids, int padding, int[] positions) {
        return prefill(cache, ids, padding, positions, false);
    }

    private float[] prefill(FalconH1Cache cache, int[] ids, int padding, int[] positions, boolean all) {
        if (cache.filled()) throw new IllegalStateException("prefill needs an empty cache");
        if (ids.length == 0) throw new IllegalArgumentException("prefill needs at least one token");
        positions = defaultPositions(positions, ids.length, 0);
        float[] logits = run(ids, positions, padding, new FalconH1Cache[] {cache}, false, all ? 0 : ids.length - 1, null).logits();
        cache.advance(padding, ids.length, positions[ids.length - 1] + 1);
        return logits;
    }

    /**
     * One decode step: {@code token} at the cache's next position, through every layer's cached
     * state (conv step, SSM step, attention over the cached keys), appended to the cache. Returns the
     * next-token logits [V]. The one-row case of {@link #decode(FalconH1Cache[], int[])}.
     */
    public float[] decode(FalconH1Cache cache, int token) {
        return decode(new FalconH1Cache[] {cache}, new int[] {token});
    }

    /**
     * One decode step for B sequences at once: {@code tokens[b]} at {@code caches[b]}'s next position,
     * appended to that cache. The B rows are stacked so that every Linear is one matmul with B rows
     * (each weight read once per step); conv step, SSM step, RoPE and attention run per row over its
     * own cache and padding. Returns the next-token logits [B, V], row b equal to what
     * {@link #decode(FalconH1Cache, int)} on {@code caches[b]} alone gives (up to the matmul's
     * summation order, which a backend may choose differently for B rows than for one).
     */
    public float[] decode(FalconH1Cache[] caches, int[] tokens) {
        if (caches.length == 0) throw new IllegalArgumentException("decode needs at least one cache");
        if (caches.length != tokens.length) {
            throw new IllegalArgumentException(caches.length + " caches for " + tokens.length + " tokens");
        }
        int[] positions = new int[caches.length];
        for (int b = 0; b < caches.length; b++) {
            if (!caches[b].filled()) throw new IllegalStateException("decode needs a prefilled cache (row " + b + ")");
            for (int o = 0; o < b; o++) {
                if (caches[o] == caches[b]) throw new IllegalArgumentException("rows " + o + " and " + b + " share a cache");
            }
            positions[b] = caches[b].nextPosition();
        }
        float[] logits = run(tokens, positions, 0, caches, false, 0, null).logits();
        for (int b = 0; b < caches.length; b++) caches[b].advance(caches[b].padding(), 1, positions[b] + 1);
        return logits;
    }

    /** A greedy continuation: the chosen tokens [N] and the logits behind each [N, V]. */
    public record Generation(int[] tokens, float[] logits) {}

    /**
     * Greedy generation as transformers' {@code generate(do_sample=False)} (no stopping token): the
     * prompt (its first {@code padding} tokens left padding, positions null for 0..L−1) is prefilled,
     * then each step takes the argmax (ties to the lowest id, as {@code torch.argmax}) and decodes it.
     */
    public Generation generate(int[] prompt, int padding, int[] positions, int maxNewTokens) {
        return generateRows(new int[][] {prompt}, new int[] {padding}, new int[][] {positions}, maxNewTokens)[0];
    }

    /**
     * Greedy generation for a batch of prompts of different lengths, as transformers runs a
     * left-padded batch: row b is padded on the left with {@code pad_token_id} (0 when the config has
     * none) to the longest prompt, its positions are {@code cumsum(mask) − 1} (0 on the pads, as
     * {@code generate} passes them), and it keeps its own cache. Rows do not interact, so each is
     * what that padded row gives in transformers' batch. The rows are prefilled one after another,
     * then decoded together ({@link #decode(FalconH1Cache[], int[])}).
     */
    public Generation[] generate(int[][] prompts, int maxNewTokens) {
        int longest = 0;
        for (int[] prompt : prompts) longest = Math.max(longest, prompt.length);
        int pad = c.padTokenId() == null ? 0 : c.padTokenId();
        int[][] rows = new int[prompts.length][], positions = new int[prompts.length][];
        int[] paddings = new int[prompts.length];
        for (int b = 0; b < prompts.length; b++) {
            int[] prompt = prompts[b];
            if (prompt.length == 0) throw new IllegalArgumentException("prompt " + b + " is empty");
            int padding = longest - prompt.length;
            int[] ids = new int[longest], pos = new int[longest];
            java.util.Arrays.fill(ids, 0, padding, pad);
            System.arraycopy(prompt, 0, ids, padding, prompt.length);
            for (int t = padding; t < longest; t++) pos[t] = t - padding;
            rows[b] = ids;
            positions[b] = pos;
            paddings[b] = padding;
        }
        return generateRows(rows, paddings, positions, maxNewTokens);
    }

    /** Prefills each row into its own cache, then decodes all rows together, greedily. */
    private Generation[] generateRows(int[][] prompts, int[] paddings, int[][] positions, int maxNewTokens) {
        if (maxNewTokens < 0) throw new IllegalArgumentException("negative max new tokens " + maxNewTokens);
        int vocab = c.vocabSize(), batch = prompts.length;
        Generation[] out = new Generation[batch];
        for (int b = 0; b < batch; b++) out[b] = new Generation(new int[maxNewTokens], new float[maxNewTokens * vocab]);
        if (maxNewTokens == 0 || batch == 0) return out;
        FalconH1Cache[] caches = new FalconH1Cache[batch];
        float[] logits = new float[batch * vocab];
        for (int b = 0; b < batch; b++) {
            caches[b] = newCache(prompts[b].length + maxNewTokens);
            float[] last = prefillLast(caches[b], prompts[b], paddings[b], positions[b]);
            System.arraycopy(last, 0, logits, b * vocab, vocab);
        }
        int[] next = new int[batch];
        for (int i = 0; i < maxNewTokens; i++) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(logits, b * vocab, out[b].logits(), i * vocab, vocab);
                next[b] = argmax(logits, b * vocab, vocab);
                out[b].tokens()[i] = next[b];
            }
            if (i + 1 < maxNewTokens) logits = decode(caches, next);
        }
        return out;
    }

    /** The index of the largest of {@code n} values from {@code off}, the lowest on ties (torch.argmax). */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > x[off + best]) best = i;
        }
        return best;
    }

    private static int[] defaultPositions(int[] positions, int length, int from) {
        if (positions != null) {
            if (positions.length != length) {
                throw new IllegalArgumentException(positions.length + " positions for " + length + " tokens");
            }
            return positions;
        }
        int[] out = new int[length];
        for (int i = 0; i < length; i++) out[i] = from + i;
        return out;
    }

    /**
     * The one forward every entry point runs. Either the rows are one sequence ({@code caches} null:
     * the forward; one empty cache: a prefill that fills it), its first {@code padding} rows left
     * padding (masked in both branches), or they are one token of each of {@code caches.length}
     * filled caches (decode; {@code padding} 0, each cache keeps its own). Logits for rows from
     * {@code logitsFrom} on. With {@code saved} (training: one unpadded sequence, no cache) every
     * layer's activations are kept for {@link #backward}.
     */
    private Output run(int[] ids, int[] positions, int padding, FalconH1Cache[] caches, boolean keepHidden,
                       int logitsFrom, Activations saved) {
        int length = ids.length, d = c.hiddenSize(), vocab = c.vocabSize();
        if (padding < 0 || padding > length) {
            throw new IllegalArgumentException("padding " + padding + " must be between 0 and the " + length + " tokens");
        }
        if (caches != null && caches[0].filled() && (caches.length != length || padding != 0)) {
            throw new IllegalArgumentException("a decode step takes one unpadded token per cache");
        }
        float[] h = new float[length * d];
        Embedding.forward(backend, p, ids, h);
        List<float[]> hidden = new ArrayList<>();
        if (keepHidden) hidden.add(h.clone());

        float eps = (float) c.rmsNormEps();
        float[] x = new float[length * d], mamba = new float[length * d], attn = new float[length * d];
        int inter = c.intermediateSize();
        float[] gate = new float[length * inter], up = new float[length * inter];
        float[] lastLayerOut = null;
        Rope.Angles angles = rope.at(positions);                      // shared by every layer
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            if (saved != null) saved.hIn[layer] = h.clone();
            backend.rmsNorm(x, h, p.get(ParameterShapes.layer(layer, "input_layernorm.weight")), length, d, eps);
            Mamba2Mixer.forward(backend, p, layer, mup, x, length, padding, caches, mamba,
                    saved == null ? null : saved.mamba[layer]);
            backend.scale(x, 0, x.length, (float) c.attentionInMultiplier());
            SelfAttention.forward(backend, p, layer, rope, x, length, angles, padding, caches, attn,
                    saved == null ? null : saved.attention[layer]);
            backend.scale(mamba, 0, mamba.length, (float) c.ssmOutMultiplier());
            backend.axpy((float) c.attentionOutMultiplier(), attn, 0, mamba, 0, mamba.length);
            backend.add(h, h, mamba, h.length);                       // residual + (mamba + attention)
            if (saved != null) saved.hMid[layer] = h.clone();
            backend.rmsNorm(x, h, p.get(ParameterShapes.layer(layer, "pre_ff_layernorm.weight")), length, d, eps);
            Mlp.forward(backend, attn, x, length, d, inter, Mlp.weights(p, layer), gate, up,
                    saved == null ? null : saved.mlp[layer]);
            backend.add(h, h, attn, h.length);
            if (keepHidden && layer < c.numHiddenLayers() - 1) hidden.add(h.clone());
        }
        if (keepHidden) lastLayerOut = h.clone();
        int rows = length - logitsFrom;
        backend.rmsNorm(x, 0 == logitsFrom ? h : java.util.Arrays.copyOfRange(h, logitsFrom * d, length * d),
                p.get(ParameterShapes.FINAL_NORM), rows, d, eps);
        if (keepHidden) hidden.add(java.util.Arrays.copyOf(x, length * d));
        if (saved != null) {
            saved.hLast = h;
            saved.normed = x;
        }
        float[] logits = new float[rows * vocab];
        LmHead.forward(backend, p, x, rows, logits);
        return new Output(keepHidden ? hidden : null, lastLayerOut, logits);
    }

    // ---- training ----------------------------------------------------------------------------

    /**
     * What {@link #backward} needs from {@link #forwardTrain} of one sequence of L tokens: per layer,
     * the residual stream entering it ({@code hIn}, the input norm's input) and after its two mixers
     * ({@code hMid}, the pre-FF norm's input), each [L, D], and the Mamba, attention and MLP
     * activations (documented in those classes); then the final norm's input and output [L, D]. About
     * {@code layers · (2D + 4·conv_dim + 3I + 2H + 3·Hq·hd + 2·Hkv·hd + 3·inter) · L} floats.
     */
    public static final class Activations {
        final int[] ids;
        final Rope.Angles angles;
        final float[][] hIn, hMid;
        final Mamba2Mixer.Activations[] mamba;
        final SelfAttention.Activations[] attention;
        final Mlp.Activations[] mlp;
        float[] hLast, normed;

        Activations(FalconH1Config c, int[] ids, Rope.Angles angles) {
            int layers = c.numHiddenLayers(), length = ids.length;
            this.ids = ids.clone();
            this.angles = angles;
            this.hIn = new float[layers][];
            this.hMid = new float[layers][];
            this.mamba = new Mamba2Mixer.Activations[layers];
            this.attention = new SelfAttention.Activations[layers];
            this.mlp = new Mlp.Activations[layers];
            for (int l = 0; l < layers; l++) {
                mamba[l] = new Mamba2Mixer.Activations();
                attention[l] = new SelfAttention.Activations(c, length);
                mlp[l] = new Mlp.Activations(length, c.hiddenSize(), c.intermediateSize());
            }
        }
    }

    /** A training forward's logits [L, V] and the activations its {@link #backward} needs. */
    public record Trace(float[] logits, Activations activations) {}

    /**
     * The forward of one unpadded sequence at positions 0..L−1, without a cache (the same code as
     * {@link #forward}), keeping every activation for {@link #backward}. f32 parameters only.
     */
    public Trace forwardTrain(int[] ids) {
        if (ids.length == 0) throw new IllegalArgumentException("a training sequence needs at least one token");
        int[] positions = defaultPositions(null, ids.length, 0);
        Activations saved = new Activations(c, ids, rope.at(positions));
        float[] logits = run(ids, positions, 0, null, false, 0, saved).logits();
        return new Trace(logits, saved);
    }

    /**
     * The backward of {@link #forwardTrain}, as autograd differentiates {@code FalconH1ForCausalLM}:
     * given {@code dLogits} [L, V] (the loss's gradient), adds every parameter's gradient into
     * {@code grads} (same names and shapes, e.g. {@link FalconH1Parameters#zeros}). Layer by layer,
     * last first, with the residual gradient {@code dh}:
     *
     * <pre>
     * dx_final = LmHead backward(dLogits);  dh = RMSNorm backward(dx_final; final_layernorm)
     * for each layer, last first:
     *     dh += RMSNorm backward(Mlp backward(dh); pre_ff_layernorm)                  MLP block
     *     dx  = Mamba2 backward(dh · ssm_out_multiplier)
     *         + attention_in_multiplier · Attention backward(dh · attention_out_multiplier)
     *     dh += RMSNorm backward(dx; input_layernorm)                                   mixer block
     * Embedding backward(dh)                            (× embedding_multiplier; tied: plus the LM head's)
     * </pre>
     */
    public void backward(Trace trace, float[] dLogits, FalconH1Parameters grads) {
        Activations a = trace.activations();
        int length = a.ids.length, d = c.hiddenSize(), vocab = c.vocabSize(), inter = c.intermediateSize();
        if (dLogits.length != length * vocab) {
            throw new IllegalArgumentException("dLogits holds " + dLogits.length + " floats, expected " + length + " × " + vocab);
        }
        if (!grads.names().equals(p.names())) {
            throw new IllegalArgumentException("grads do not have this model's tensors");
        }
        float eps = (float) c.rmsNormEps();
        float[] dx = new float[length * d], dh = new float[length * d], dOut = new float[length * d];
        LmHead.backward(backend, p, a.normed, length, dLogits, grads, dx);
        RmsNorm.backward(backend, dh, grads.get(ParameterShapes.FINAL_NORM), dx, a.hLast,
                p.get(ParameterShapes.FINAL_NORM), length, d, eps);
        for (int layer = c.numHiddenLayers() - 1; layer >= 0; layer--) {
            String preFf = ParameterShapes.layer(layer, "pre_ff_layernorm.weight");
            String inNorm = ParameterShapes.layer(layer, "input_layernorm.weight");
            // h_out = h_mid + MLP(RMSNorm(h_mid))
            java.util.Arrays.fill(dx, 0f);
            Mlp.backward(backend, dx, dh, length, d, inter, Mlp.weights(p, layer), a.mlp[layer], Mlp.weights(grads, layer));
            RmsNorm.backward(backend, dh, grads.get(preFf), dx, a.hMid[layer], p.get(preFf), length, d, eps);
            // h_mid = h_in + ssm_out · Mamba(x) + attention_out · Attention(x · attention_in), x = RMSNorm(h_in)
            java.util.Arrays.fill(dx, 0f);
            java.util.Arrays.fill(dOut, 0f);
            backend.axpy((float) c.ssmOutMultiplier(), dh, 0, dOut, 0, dOut.length);
            Mamba2Mixer.backward(backend, p, layer, mup, a.mamba[layer], dOut, grads, dx);
            float[] dAttnIn = new float[length * d];
            java.util.Arrays.fill(dOut, 0f);
            backend.axpy((float) c.attentionOutMultiplier(), dh, 0, dOut, 0, dOut.length);
            SelfAttention.backward(backend, p, layer, rope, a.angles, a.attention[layer], dOut, grads, dAttnIn);
            backend.axpy((float) c.attentionInMultiplier(), dAttnIn, 0, dx, 0, dx.length);
            RmsNorm.backward(backend, dh, grads.get(inNorm), dx, a.hIn[layer], p.get(inNorm), length, d, eps);
        }
        Embedding.backward(backend, a.ids, dh, grads);
    }
}
