package falconh1r.rl;

import java.util.Arrays;

/**
 * The bridge between the trainer's per-sequence forwards and {@code GrpoLoss}'s right-padded
 * batch, as verl's actor builds it ({@code dp_actor._forward_micro_batch}: the logits of the rows
 * that predict response tokens, divided by the rollout temperature). A rollout of prompt [P] and
 * response [T] runs through {@code FalconH1.forwardTrain} as the P + T − 1 tokens
 * {@link #inputIds} (the last response token predicts nothing); row P − 1 + t of its logits
 * [P + T − 1, V] predicts response token t.
 * <pre>
 *   gather:  batch[b·W + t, :] = logits_b[P_b − 1 + t, :] / temperature       t &lt; T_b, W = max T_b
 *   scatter: dLogits_b[P_b − 1 + t, :] = dbatch[b·W + t, :] / temperature      (the chain rule of the division)
 * </pre>
 */
public final class ResponseRows {
    private ResponseRows() {}

    /** The training input of one rollout: {@code prompt ++ response[0, T − 1)} [P + T − 1]. */
    public static int[] inputIds(int[] prompt, int[] response) {
        if (prompt.length == 0) throw new IllegalArgumentException("prompt is empty");
        if (response.length == 0) throw new IllegalArgumentException("response is empty");
        int[] ids = Arrays.copyOf(prompt, prompt.length + response.length - 1);
        System.arraycopy(response, 0, ids, prompt.length, response.length - 1);
        return ids;
    }

    /**
     * Copies sequence {@code b}'s response rows of {@code logits} [P + T − 1, V], divided by the
     * temperature, into rows b·width … b·width + T − 1 of {@code batch} [B·width, V].
     */
    public static void gather(float[] logits, int promptLength, int responseLength, float temperature, float[] batch, int b,
                              int width, int vocab) {
        check(logits, promptLength, responseLength, width, vocab);
        for (int t = 0; t < responseLength; t++) {
            int from = (promptLength - 1 + t) * vocab, to = (b * width + t) * vocab;
            for (int v = 0; v < vocab; v++) batch[to + v] = logits[from + v] / temperature;
        }
    }

    /**
     * The gradient of sequence {@code b}'s logits [P + T − 1, V] from the batch gradient
     * {@code dbatch} [B·width, V]: its response rows divided by the temperature, zeros elsewhere.
     */
    public static float[] scatter(float[] dbatch, int b, int width, int promptLength, int responseLength, float temperature,
                                  int vocab) {
        float[] d = new float[(promptLength + responseLength - 1) * vocab];
        check(d, promptLength, responseLength, width, vocab);
        for (int t = 0; t < responseLength; t++) {
            int from = (b * width + t) * vocab, to = (promptLength - 1 + t) * vocab;
            for (int v = 0; v < vocab; v++) d[to + v] = dbatch[from + v] / temperature;
        }
        return d;
    }

    private static void check(float[] logits, int promptLength, int responseLength, int width, int vocab) {
        if (promptLength < 1 || responseLength < 1 || responseLength > width) {
            throw new IllegalArgumentException("prompt length " + promptLength + " and response length " + responseLength
                    + " must be ≥ 1, the response at most the width " + width);
        }
        if (logits.length != (long) (promptLength + responseLength - 1) * vocab) {
            throw new IllegalArgumentException("logits hold " + logits.length + " floats, expected (" + promptLength + " + "
                    + responseLength + " − 1) × " + vocab);
        }
    }
}
