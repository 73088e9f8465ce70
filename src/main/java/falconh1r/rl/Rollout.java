package falconh1r.rl;

/**
 * One sampled response to a problem, scored: what curation counts and what the GRPO trainer
 * trains on.
 *
 * @param problemId which problem it answers
 * @param prompt    the prompt token ids [P]
 * @param response  the generated token ids [T] (the stop token included when one was drawn)
 * @param logprobs  the sampler's log-probs of the response tokens at the sampling temperature [T],
 *                  {@code log_softmax(logits / T)[token]} (the rollout log-probs of TIS)
 * @param truncated it hit the maximum response length
 * @param text      the decoded response
 * @param answer    its extracted final answer (the last \boxed{...}), null when none
 * @param reward    the reward
 */
public record Rollout(String problemId, int[] prompt, int[] response, float[] logprobs, boolean truncated, String text,
                      String answer, float reward) {

    public Rollout {
        if (prompt == null || prompt.length == 0) throw new IllegalArgumentException("prompt of " + problemId + " is empty");
        if (response == null || logprobs == null || logprobs.length != response.length) {
            throw new IllegalArgumentException("response of " + problemId + " needs one log-prob per token");
        }
    }

    /** Whether the reward judged it correct (reward &gt; 0). */
    public boolean correct() {
        return reward > 0;
    }

    /** The curation view of it. */
    public Curation.Outcome outcome() {
        return new Curation.Outcome(correct(), truncated, answer);
    }
}
