package falconh1r.model;

import falconh1r.kernels.Backend;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole Falcon-H1 causal LM for one sequence, as transformers' {@code FalconH1ForCausalLM}: the
 * forward without a cache ({@link #forward}), the cached path ({@link #prefill} fills a
 * {@link FalconH1Cache}, {@link #decode} advances it one token) and greedy {@link #generate}. All
 * three run the same layer code (one private {@code run}; the mixer and attention take the cache):
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

    public FalconH1(FalconH1Parameters parameters, Backend backend) {
        this.p = parameters;
        this.c = parameters.config();
        this.backend = backend;
        this.rope = new Rope(c.headDim(), c.ropeTheta());
    }

    public FalconH1Config config() {
        return c;
    }

    /**
     * Runs {@code ids} at {@code positions} (null: 0..L−1). hiddenStates[0] is the scaled embedding,
     * [i] the output of layer i, and the last entry is after the final norm (transformers replaces
     * the last layer's raw output with it; that raw output is {@code lastLayerOut}).
     */
    public Output forward(int[] ids, int[] positions, int padding) {
        return run(ids, defaultPositions(positions, ids.length, 0), padding, padding, null, true, 0);
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
        if (padding < 0 || padding >= ids.length) {
            throw new IllegalArgumentException("padding " + padding + " must leave at least one of " + ids.length + " tokens");
        }
        positions = defaultPositions(positions, ids.length, 0);
        float[] logits = run(ids, positions, padding, padding, cache, false, all ? 0 : ids.length - 1).logits();
        cache.advance(padding, ids.length, positions[ids.length - 1] + 1);
        return logits;
    }

    /**
     * One decode step: {@code token} at the cache's next position, through every layer's cached
     * state (conv step, SSM step, attention over the cached keys), appended to the cache. Returns the
     * next-token logits [V].
     */
    public float[] decode(FalconH1Cache cache, int token) {
        if (!cache.filled()) throw new IllegalStateException("decode needs a prefilled cache");
        int position = cache.nextPosition();
        float[] logits = run(new int[] {token}, new int[] {position}, 0, cache.padding(), cache, false, 0).logits();
        cache.advance(cache.padding(), 1, position + 1);
        return logits;
    }

    /** A greedy continuation: the chosen tokens [N] and the logits behind each [N, V]. */
    public record Generation(int[] tokens, float[] logits) {}

    /** Greedy generation for one unpadded prompt at positions 0..L−1. */
    public Generation generate(int[] prompt, int maxNewTokens) {
        return generate(prompt, 0, null, maxNewTokens);
    }

    /**
     * Greedy generation as transformers' {@code generate(do_sample=False)} (no stopping token): the
     * prompt (its first {@code padding} tokens left padding, positions null for 0..L−1) is prefilled,
     * then each step takes the argmax (ties to the lowest id, as {@code torch.argmax}) and decodes it.
     */
    public Generation generate(int[] prompt, int padding, int[] positions, int maxNewTokens) {
        if (maxNewTokens < 0) throw new IllegalArgumentException("negative max new tokens " + maxNewTokens);
        int vocab = c.vocabSize();
        FalconH1Cache cache = newCache(prompt.length + maxNewTokens);
        int[] tokens = new int[maxNewTokens];
        float[] all = new float[maxNewTokens * vocab];
        if (maxNewTokens == 0) return new Generation(tokens, all);
        float[] logits = prefillLast(cache, prompt, padding, positions);
        for (int i = 0; i < maxNewTokens; i++) {
            System.arraycopy(logits, 0, all, i * vocab, vocab);
            tokens[i] = argmax(logits, 0, vocab);
            if (i + 1 < maxNewTokens) logits = decode(cache, tokens[i]);
        }
        return new Generation(tokens, all);
    }

    /**
     * Greedy generation for a batch of prompts of different lengths, as transformers runs a
     * left-padded batch: row b is padded on the left with {@code pad_token_id} (0 when the config has
     * none) to the longest prompt, its positions are {@code cumsum(mask) − 1} (0 on the pads, as
     * {@code generate} passes them), and it keeps its own cache. Rows do not interact, so each is
     * exactly what that padded row gives in transformers' batch.
     */
    public Generation[] generate(int[][] prompts, int maxNewTokens) {
        int longest = 0;
        for (int[] prompt : prompts) longest = Math.max(longest, prompt.length);
        int pad = c.padTokenId() == null ? 0 : c.padTokenId();
        Generation[] out = new Generation[prompts.length];
        for (int b = 0; b < prompts.length; b++) {
            int[] prompt = prompts[b];
            if (prompt.length == 0) throw new IllegalArgumentException("prompt " + b + " is empty");
            int padding = longest - prompt.length;
            int[] ids = new int[longest], positions = new int[longest];
            java.util.Arrays.fill(ids, 0, padding, pad);
            System.arraycopy(prompt, 0, ids, padding, prompt.length);
            for (int t = padding; t < longest; t++) positions[t] = t - padding;
            out[b] = generate(ids, padding, positions, maxNewTokens);
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
     * The one forward every entry point runs. {@code maskRows}: rows of this call the Mamba branch
     * masks (left padding in this call); {@code firstKey}: the sequence's left padding for attention;
     * {@code cache}: null (uncached), empty (prefill: filled here) or filled (continued); logits for
     * rows from {@code logitsFrom} on.
     */
    private Output run(int[] ids, int[] positions, int maskRows, int firstKey, FalconH1Cache cache, boolean keepHidden,
                       int logitsFrom) {
        int length = ids.length, d = c.hiddenSize(), vocab = c.vocabSize();
        boolean continuing = cache != null && cache.filled();
        float[] embed = p.get(ParameterShapes.EMBED);
        float[] h = new float[length * d];
        for (int t = 0; t < length; t++) {
            if (ids[t] < 0 || ids[t] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[t] + " at position " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
            System.arraycopy(embed, ids[t] * d, h, t * d, d);
        }
        backend.scale(h, 0, h.length, (float) c.embeddingMultiplier());
        List<float[]> hidden = new ArrayList<>();
        if (keepHidden) hidden.add(h.clone());

        float eps = (float) c.rmsNormEps();
        float[] x = new float[length * d], mamba = new float[length * d], attn = new float[length * d];
        int inter = c.intermediateSize();
        float[] gate = new float[length * inter], up = new float[length * inter];
        float[] lastLayerOut = null;
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            backend.rmsNorm(x, h, p.get(ParameterShapes.layer(layer, "input_layernorm.weight")), length, d, eps);
            Mamba2Mixer.forward(backend, p, layer, x, length, maskRows, cache == null ? null : cache.mamba(layer),
                    continuing, mamba);
            backend.scale(x, 0, x.length, (float) c.attentionInMultiplier());
            SelfAttention.forward(backend, p, layer, rope, x, length, positions, firstKey,
                    cache == null ? null : cache.kv(layer), attn);
            backend.scale(mamba, 0, mamba.length, (float) c.ssmOutMultiplier());
            backend.axpy((float) c.attentionOutMultiplier(), attn, 0, mamba, 0, mamba.length);
            backend.add(h, h, mamba, h.length);                       // residual + (mamba + attention)
            backend.rmsNorm(x, h, p.get(ParameterShapes.layer(layer, "pre_ff_layernorm.weight")), length, d, eps);
            Mlp.forward(backend, attn, x, length, d, inter, mlpWeights(layer), gate, up);
            backend.add(h, h, attn, h.length);
            if (keepHidden && layer < c.numHiddenLayers() - 1) hidden.add(h.clone());
        }
        if (keepHidden) lastLayerOut = h.clone();
        int rows = length - logitsFrom;
        backend.rmsNorm(x, 0 == logitsFrom ? h : java.util.Arrays.copyOfRange(h, logitsFrom * d, length * d),
                p.get(ParameterShapes.FINAL_NORM), rows, d, eps);
        if (keepHidden) hidden.add(java.util.Arrays.copyOf(x, length * d));
        float[] logits = new float[rows * vocab];
        backend.matmul(logits, x, p.lmHead(), rows, vocab, d);
        backend.scale(logits, 0, logits.length, (float) c.lmHeadMultiplier());
        return new Output(keepHidden ? hidden : null, lastLayerOut, logits);
    }

    private Mlp.Weights mlpWeights(int layer) {
        String pre = ParameterShapes.layer(layer, "feed_forward.");
        return new Mlp.Weights(p.get(pre + "gate_proj.weight"), p.getOrNull(pre + "gate_proj.bias"),
                p.get(pre + "up_proj.weight"), p.getOrNull(pre + "up_proj.bias"),
                p.get(pre + "down_proj.weight"), p.getOrNull(pre + "down_proj.bias"),
                c.mlpMultipliers().get(0).floatValue(), c.mlpMultipliers().get(1).floatValue());
    }
}
