package falconh1r.rl;

import falconh1r.infer.Answers;
import falconh1r.infer.ParallelTraces;
import falconh1r.infer.SamplingParams;
import falconh1r.infer.TokenLogprobs;
import falconh1r.model.FalconH1;
import java.util.ArrayList;
import java.util.List;

/**
 * The rollout engine of curation and GRPO: n responses to one problem from one shared prefill
 * ({@link ParallelTraces}), each decoded, its answer extracted ({@link Answers#extract}, the last
 * \boxed{...}) and scored by the {@link Rewarder} against the gold answer. A response that ends at
 * the length limit ({@link ParallelTraces.Finish#LENGTH}) is truncated; its log-probs are the
 * sampler's {@link TokenLogprobs#scaledLogprob}, log_softmax(logits / T), as verl's rollout
 * reports them for truncated importance sampling.
 */
public final class RolloutSampler {
    private final ParallelTraces traces;
    private final TextCodec codec;
    private final Rewarder rewarder;
    private final SamplingParams sampling;

    /**
     * @param sampling temperature, top-k/p, min-p and the maximum response length; the stop tokens
     *                 are the codec's and the seed is given per call
     */
    public RolloutSampler(FalconH1 model, TextCodec codec, Rewarder rewarder, SamplingParams sampling) {
        if (model == null || codec == null || rewarder == null || sampling == null) {
            throw new IllegalArgumentException("model, codec, rewarder and sampling are all needed");
        }
        if (sampling.maxNewTokens() < 1) throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + sampling.maxNewTokens());
        this.traces = new ParallelTraces(model, 0);
        this.codec = codec;
        this.rewarder = rewarder;
        this.sampling = new SamplingParams(sampling.temperature(), sampling.topK(), sampling.topP(), sampling.minP(),
                sampling.maxNewTokens(), codec.stopTokens(), sampling.seed());
    }

    public SamplingParams sampling() {
        return sampling;
    }

    /** {@code n} scored rollouts of {@code problem}, drawn with {@code seed} (trace i from its i-th split). */
    public List<Rollout> sample(Problem problem, int n, long seed) {
        int[] prompt = codec.prompt(problem.question());
        ParallelTraces.Trace[] out = traces.generate(prompt, n, sampling.withSeed(seed), null);
        List<Rollout> rollouts = new ArrayList<>(n);
        for (ParallelTraces.Trace t : out) {
            int[] ids = t.ids();
            float[] logprobs = new float[ids.length];
            for (int i = 0; i < ids.length; i++) logprobs[i] = t.tokens().get(i).scaledLogprob();
            String text = codec.decode(ids);
            rollouts.add(new Rollout(problem.id(), prompt, ids, logprobs, t.finish() == ParallelTraces.Finish.LENGTH, text,
                    Answers.extract(text), rewarder.score(problem.answer(), text)));
        }
        return rollouts;
    }
}
