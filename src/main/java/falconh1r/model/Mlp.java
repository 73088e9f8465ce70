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
     * @param gate scratch [rows, I]
     * @param up   scratch [rows, I]
     */
    public static void forward(Backend backend, float[] y, float[] u, int rows, int hidden, int inter, Weights w,
                               float[] gate, float[] up) {
        int n = rows * inter;
        Linear.forward(backend, gate, u, rows, w.gateProj(), w.gateBias(), inter, hidden);
        backend.scale(gate, 0, n, w.gateMultiplier());
        backend.silu(gate, gate, n);
        Linear.forward(backend, up, u, rows, w.upProj(), w.upBias(), inter, hidden);
        for (int i = 0; i < n; i++) up[i] *= gate[i];
        Linear.forward(backend, y, up, rows, w.downProj(), w.downBias(), hidden, inter);
        backend.scale(y, 0, rows * hidden, w.downMultiplier());
    }
}
