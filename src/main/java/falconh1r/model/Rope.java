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

    /** cos and sin of every angle, [rows, head_dim / 2] each: computed once per forward, used by every layer. */
    public record Angles(int rows, float[] cos, float[] sin) {}

    /** The angles of {@code positions} (one row each), as torch: f32 product, then cos/sin. */
    public Angles at(int[] positions) {
        int half = headDim / 2;
        float[] cos = new float[positions.length * half], sin = new float[positions.length * half];
        for (int r = 0; r < positions.length; r++) {
            for (int i = 0; i < half; i++) {
                float angle = positions[r] * invFreq[i];                  // f32 product, as torch
                cos[r * half + i] = (float) Math.cos(angle);
                sin[r * half + i] = (float) Math.sin(angle);
            }
        }
        return new Angles(positions.length, cos, sin);
    }

    /** Rotates {@code heads} vectors of length head_dim in place in each row of {@code x} [rows, heads, head_dim]. */
    public void apply(float[] x, int heads, Angles angles) {
        rotate(x, heads, angles, 1f);
    }

    /**
     * The backward of {@link #apply}, in place on its output's gradient {@code dx} [rows, heads, head_dim]:
     * each (x1, x2) pair turns by an orthogonal rotation, whose transpose is the rotation by −angle
     * ({@code dx1' = dx1·cos + dx2·sin,  dx2' = dx2·cos − dx1·sin}).
     */
    public void backward(float[] dx, int heads, Angles angles) {
        rotate(dx, heads, angles, -1f);
    }

    /** Rotates every pair by {@code direction}·angle: 1 the forward, −1 its transpose. */
    private void rotate(float[] x, int heads, Angles angles, float direction) {
        int half = headDim / 2;
        float[] cos = angles.cos(), sin = angles.sin();
        for (int r = 0; r < angles.rows(); r++) {
            for (int h = 0; h < heads; h++) {
                int off = (r * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    float c = cos[r * half + i], s = direction * sin[r * half + i];
                    float x1 = x[off + i], x2 = x[off + half + i];
                    x[off + i] = x1 * c - x2 * s;
                    x[off + half + i] = x2 * c + x1 * s;
                }
            }
        }
    }
}
