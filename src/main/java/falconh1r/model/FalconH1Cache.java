package falconh1r.model;

import java.util.Arrays;

/**
 * The decode state of one sequence, as transformers' {@code DynamicCache} of
 * {@code LinearAttentionAndFullAttentionLayer}s holds it for one batch row: per layer the attention
 * KV cache, the Mamba conv window and the SSM state; plus the row's left padding and the position
 * of the next token.
 *
 * <p>Layouts: keys and values token-major [T, Hkv, D] (as {@link Attention#causal} reads them; a
 * decode step appends one contiguous [Hkv, D] block; capacity doubles), conv window [conv_dim, K]
 * (oldest first, as {@link CausalConv1d#step}), SSM state [H, P, N] (as {@link SsdScan#step}).
 * {@link FalconH1#prefill} fills it once; each {@link FalconH1#decode} advances it by one token
 * (a batched decode step advances each of its rows' caches by one).
 */
public final class FalconH1Cache {

    /** The attention KV cache of one layer. */
    public static final class Kv {
        private final int rowSize;          // Hkv · head_dim
        private float[] keys, values;
        private int length;

        Kv(int rowSize, int capacity) {
            this.rowSize = rowSize;
            this.keys = new float[Math.max(1, capacity) * rowSize];
            this.values = new float[keys.length];
        }

        /** Appends {@code rows} tokens of k and v [rows, Hkv, D]; returns the length before them. */
        int append(float[] k, float[] v, int rows) {
            return append(k, v, 0, rows);
        }

        /** Appends tokens {@code from .. from + rows − 1} of k and v [·, Hkv, D]; returns the length before them. */
        int append(float[] k, float[] v, int from, int rows) {
            int need = (length + rows) * rowSize;
            if (need > keys.length) {
                int capacity = Math.max(need, keys.length * 2);
                keys = Arrays.copyOf(keys, capacity);
                values = Arrays.copyOf(values, capacity);
            }
            System.arraycopy(k, from * rowSize, keys, length * rowSize, rows * rowSize);
            System.arraycopy(v, from * rowSize, values, length * rowSize, rows * rowSize);
            int past = length;
            length += rows;
            return past;
        }

        /** Keys [capacity, Hkv, D]; the first {@link #length()} tokens are valid. */
        public float[] keys() {
            return keys;
        }

        public float[] values() {
            return values;
        }

        public int length() {
            return length;
        }
    }

    /** The Mamba state of one layer: conv window [conv_dim, K] and SSM state [H, P, N]. */
    public record Mamba(float[] convWindow, float[] ssmState) {}

    private final Kv[] kv;
    private final Mamba[] mamba;
    private int padding = -1;          // -1 until the prefill
    private int length;                // tokens consumed, padding included
    private int nextPosition;

    /** An empty cache for {@code c}, with room for {@code capacity} tokens before the KV arrays grow. */
    public FalconH1Cache(FalconH1Config c, int capacity) {
        int layers = c.numHiddenLayers();
        kv = new Kv[layers];
        mamba = new Mamba[layers];
        for (int i = 0; i < layers; i++) {
            kv[i] = new Kv(c.numKeyValueHeads() * c.headDim(), capacity);
            mamba[i] = new Mamba(new float[c.convDim() * c.mambaDConv()],
                    new float[c.mambaNHeads() * c.mambaDHead() * c.mambaDState()]);
        }
    }

    private FalconH1Cache(FalconH1Cache other, int capacity) {
        int layers = other.kv.length;
        kv = new Kv[layers];
        mamba = new Mamba[layers];
        for (int i = 0; i < layers; i++) {
            Kv o = other.kv[i];
            kv[i] = new Kv(o.rowSize, Math.max(capacity, o.length));
            System.arraycopy(o.keys, 0, kv[i].keys, 0, o.length * o.rowSize);
            System.arraycopy(o.values, 0, kv[i].values, 0, o.length * o.rowSize);
            kv[i].length = o.length;
            mamba[i] = new Mamba(other.mamba[i].convWindow().clone(), other.mamba[i].ssmState().clone());
        }
        padding = other.padding;
        length = other.length;
        nextPosition = other.nextPosition;
    }

    /**
     * An independent copy (KV, conv windows, SSM states, padding, positions) with room for
     * {@code capacity} tokens: N parallel traces of one prompt share its prefill by copying the
     * prefilled cache N times instead of running the prompt N times.
     */
    public FalconH1Cache copy(int capacity) {
        return new FalconH1Cache(this, capacity);
    }

    public Kv kv(int layer) {
        return kv[layer];
    }

    public Mamba mamba(int layer) {
        return mamba[layer];
    }

    /** Whether {@link FalconH1#prefill} has run on this cache. */
    public boolean filled() {
        return padding >= 0;
    }

    /** Left padding of the prompt: keys before it are masked ({@code firstKey} of {@link Attention#causal}). */
    public int padding() {
        return padding;
    }

    /** Tokens consumed so far, padding included (the KV length). */
    public int length() {
        return length;
    }

    /** The RoPE position of the next token (generate's {@code cumsum(mask) − 1} continued). */
    public int nextPosition() {
        return nextPosition;
    }

    void advance(int padding, int tokens, int nextPosition) {
        this.padding = padding;
        this.length += tokens;
        this.nextPosition = nextPosition;
    }
}
