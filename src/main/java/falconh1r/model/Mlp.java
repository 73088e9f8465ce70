package falconh1r.model;

import falconh1r.kernels.Backend;

/**
 * The SwiGLU feed-forward block with Falcon-H1's µP multipliers, as transformers' {@code FalconH1MLP}:
 *
 * <pre>
 * y = down_proj( up_proj(u) ⊙ silu( gate_proj(u) · gate_multiplier ) ) · down_multiplier
 * </pre>
 *
 * The gate multiplier acts inside the SiLU, on the pre-activation (after the bias); the down
 * multiplier on the output. Shapes: u and y [rows, D]; gate_proj and up_proj [I, D]; down_proj [D, I].
 */
public final class Mlp {
    private Mlp() {}

    /** The weights of one block; biases are null when {@code mlp_bias} is false. */
    public record Weights(Weight gateProj, float[] gateBias, Weight upProj, float[] upBias,
                          Weight downProj, float[] downBias, float gateMultiplier, float downMultiplier) {}

    /**
     * Layer {@code layer}'s {@code feed_forward} tensors of {@code p} and the config's mlp_multipliers.
     * On a gradient accumulator ({@link FalconH1Parameters#zeros}) it gives {@link #backward}'s targets.
     */
    public static Weights weights(FalconH1Parameters p, int layer) {
        String pre = ParameterShapes.layer(layer, "feed_forward.");
        FalconH1Config c = p.config();
        return new Weights(p.weight(pre + "gate_proj.weight"), p.getOrNull(pre + "gate_proj.bias"),
                p.weight(pre + "up_proj.weight"), p.getOrNull(pre + "up_proj.bias"),
                p.weight(pre + "down_proj.weight"), p.getOrNull(pre + "down_proj.bias"),
                c.mlpMultipliers().get(0).floatValue(), c.mlpMultipliers().get(1).floatValue());
    }

    /**
     * What {@link #backward} needs from one forward over {@code rows} rows; {@link #forward} fills it.
     * The down_proj input {@code up ⊙ silu(gate)} is recomputed from these two.
     */
    public static final class Activations {
        public final int rows;
        /** [rows, D] the block input. */
        public final float[] u;
        /** [rows, I] the SiLU argument {@code gate_proj(u) · gate_multiplier}. */
        public final float[] gate;
        /** [rows, I] {@code up_proj(u)}. */
        public final float[] up;

        public Activations(int rows, int hidden, int inter) {
            this.rows = rows;
            this.u = new float[rows * hidden];
            this.gate = new float[rows * inter];
            this.up = new float[rows * inter];
        }
    }

    /** {@link #forward(Backend, float[], float[], int, int, int, Weights, float[], float[], Activations)} for inference. */
    public static void forward(Backend backend, float[] y, float[] u, int rows, int hidden, int inter, Weights w,
                               float[] gate, float[] up) {
        forward(backend, y, u, rows, hidden, inter, w, gate, up, null);
    }

    /**
     * @param gate  scratch [rows, I]
     * @param up    scratch [rows, I]
     * @param saved null, or the activations to fill for {@link #backward}
     */
    public static void forward(Backend backend, float[] y, float[] u, int rows, int hidden, int inter, Weights w,
                               float[] gate, float[] up, Activations saved) {
        int n = rows * inter;
        if (saved != null) {
            if (saved.rows != rows) throw new IllegalArgumentException("saved activations hold " + saved.rows + " rows, not " + rows);
            System.arraycopy(u, 0, saved.u, 0, rows * hidden);
        }
        Linear.forward(backend, gate, u, rows, w.gateProj(), w.gateBias(), inter, hidden);
        backend.scale(gate, 0, n, w.gateMultiplier());
        if (saved != null) System.arraycopy(gate, 0, saved.gate, 0, n);
        backend.silu(gate, gate, n);
        Linear.forward(backend, up, u, rows, w.upProj(), w.upBias(), inter, hidden);
        if (saved != null) System.arraycopy(up, 0, saved.up, 0, n);
        for (int i = 0; i < n; i++) up[i] *= gate[i];
        Linear.forward(backend, y, up, rows, w.downProj(), w.downBias(), hidden, inter);
        backend.scale(y, 0, rows * hidden, w.downMultiplier());
    }

    /**
     * The backward of {@link #forward}, as autograd differentiates {@code FalconH1MLP.forward}: with
     * {@code a = gate}, {@code s = silu(a)}, {@code h = up ⊙ s},
     *
     * <pre>
     * dh    = (dy · down_multiplier) · W_down            (and dW_down, db_down)
     * dup   = dh ⊙ s
     * dgate = dh ⊙ up ⊙ σ(a)·(1 + a·(1 − σ(a))) · gate_multiplier     silu'(a)
     * du    = dgate · W_gate + dup · W_up                (and their dW, db)
     * </pre>
     *
     * @param dx    [rows, D] the input's gradient accumulates (+=)
     * @param dy    [rows, D] the output's gradient
     * @param w     the forward's weights (f32)
     * @param grads the gradients' targets (f32; null biases when there are none), accumulated (+=);
     *              its multipliers are not read
     */
    public static void backward(Backend backend, float[] dx, float[] dy, int rows, int hidden, int inter, Weights w,
                                Activations saved, Weights grads) {
        int n = rows * inter;
        float[] dyScaled = new float[rows * hidden];
        backend.axpy(w.downMultiplier(), dy, 0, dyScaled, 0, rows * hidden);
        float[] s = new float[n], h = new float[n];
        backend.silu(s, saved.gate, n);
        for (int i = 0; i < n; i++) h[i] = saved.up[i] * s[i];
        float[] dh = new float[n];
        Linear.backward(backend, dh, dyScaled, h, rows, f32(w.downProj(), "down_proj"), f32(grads.downProj(), "down_proj grad"),
                grads.downBias(), hidden, inter);
        float[] dUp = new float[n], dGate = new float[n];
        for (int i = 0; i < n; i++) {
            dUp[i] = dh[i] * s[i];
            dGate[i] = dh[i] * saved.up[i];
        }
        backend.siluBackward(dGate, dGate, saved.gate, n);
        backend.scale(dGate, 0, n, w.gateMultiplier());
        Linear.backward(backend, dx, dGate, saved.u, rows, f32(w.gateProj(), "gate_proj"), f32(grads.gateProj(), "gate_proj grad"),
                grads.gateBias(), inter, hidden);
        Linear.backward(backend, dx, dUp, saved.u, rows, f32(w.upProj(), "up_proj"), f32(grads.upProj(), "up_proj grad"),
                grads.upBias(), inter, hidden);
    }

    private static float[] f32(Weight w, String what) {
        if (w.f32() == null) throw new IllegalArgumentException(what + " is held as " + w.format() + "; the backward needs f32");
        return w.f32();
    }
}
