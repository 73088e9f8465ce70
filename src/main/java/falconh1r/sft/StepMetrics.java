package falconh1r.sft;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One optimizer step's line of {@code metrics.jsonl}:
 * <ul>
 *   <li>{@code step}: optimizer steps done (1 after the first), {@code total_steps};
 *   <li>{@code loss}: the objective the step optimised ({@link DataParallel.Result#loss}; the
 *       weighted global token mean under the paper's normalisation); {@code token_loss}: the
 *       unweighted token mean;
 *   <li>{@code lr}: the learning rate used; {@code grad_norm}: the gradients' global norm before
 *       clipping (NaN or Infinity written as strings when the step was skipped);
 *   <li>{@code tokens}: tokens run through the model; {@code target_tokens}: tokens in the loss;
 *       {@code tokens_per_s}: tokens over the step's wall time; {@code seconds};
 *   <li>{@code skipped}: optimizer steps skipped for non-finite gradients so far;
 *       {@code bad_lines}: bad data lines skipped so far; {@code dropped}: samples dropped so far
 *       (weight 0 or nothing left to learn after truncation); {@code epoch}: lines drawn over the
 *       weighted epoch.
 * </ul>
 */
public record StepMetrics(long step, long totalSteps, double loss, double tokenLoss, double lr, double gradNorm, long tokens,
                          long targetTokens, double seconds, long skipped, long badLines, long dropped, double epoch) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : 0;
    }

    /** The JSON line (no line end). */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step);
        o.put("total_steps", totalSteps);
        o.put("loss", loss);
        o.put("token_loss", tokenLoss);
        o.put("lr", lr);
        if (Double.isFinite(gradNorm)) o.put("grad_norm", gradNorm);
        else o.put("grad_norm", Double.toString(gradNorm));
        o.put("tokens", tokens);
        o.put("target_tokens", targetTokens);
        o.put("tokens_per_s", tokensPerSecond());
        o.put("seconds", seconds);
        o.put("skipped", skipped);
        o.put("bad_lines", badLines);
        o.put("dropped", dropped);
        o.put("epoch", epoch);
        return o.toString();
    }
}
