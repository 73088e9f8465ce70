package falconh1r.model;

/**
 * Rotary position embedding, NeoX style (rotate-half), as transformers' {@code FalconH1RotaryEmbedding}
 * and {@code apply_rotary_pos_emb} compute it: f32 tables, rotation over the whole head_dim.
 *
 * <pre>
 * inv_freq[i] = 1 / theta^(2i / d)                       i &lt; d/2, f32 as torch computes it
 * angle[p, i] = p · inv_freq[i];  cos/sin over [angle, angle]  (the half is repeated)
 * x' = x·cos + rotate_half(x)·sin,  rotate_half([x1, x2]) = [−x2, x1]
 * </pre>
 */
public final class Rope {

    private final int headDim;
    private final float[] invFreq;     // [d/2]

    /** Tables for head dimension {@code headDim} (even) and base {@code theta} (rope_theta). */
    public Rope(int headDim, double theta) {
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("RoPE head_dim must be positive and even, got " + headDim);
        }
        this.headDim = headDim;
        this.invFreq = new float[headDim / 2];
        for (int i = 0; i < headDim / 2; i++) {
            float exponent = (float) (2 * i) / headDim;                  // arange(0, d, 2).float() / d, in f32
            float power = (float) Math.pow((float) theta, exponent);     // base ** exponent, rounded to f32
            invFreq[i] = 1f / power;
        }
    }

    /** The inverse frequencies, [head_dim / 2]. */
    public float[] invFreq() {
        return invFreq.clone();
    }

    /**
     * Rotates {@code heads} vectors of length head_dim in place, for each of {@code rows} rows of
     * {@code x} [rows, heads, head_dim]; row r sits at position {@code positions[r]}.
     */
    public void apply(float[] x, int rows, int heads, int[] positions) {
        int half = headDim / 2;
        float[] cos = new float[half], sin = new float[half];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < half; i++) {
                float angle = positions[r] * invFreq[i];                  // f32 product, as torch
                cos[i] = (float) Math.cos(angle);
                sin[i] = (float) Math.sin(angle);
            }
            for (int h = 0; h < heads; h++) {
                int off = (r * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    float x1 = x[off + i], x2 = x[off + half + i];
                    x[off + i] = x1 * cos[i] - x2 * sin[i];
                    x[off + half + i] = x2 * cos[i] + x1 * sin[i];
                }
            }
        }
    }
}
