package falconh1r.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import falconh1r.infer.Answers;
import falconh1r.infer.DeepConfOnline;
import falconh1r.infer.DeepConfRunner;
import falconh1r.infer.SamplingParams;
import falconh1r.model.FalconH1;
import falconh1r.reward.MathReward;
import falconh1r.rl.Problem;
import falconh1r.rl.Rollout;
import falconh1r.rl.RolloutSampler;
import falconh1r.rl.TextCodec;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Held-out evaluation (pipeline.md §6 protocol, scaled down): pass@1 as the mean reward of
 * {@code samples} responses per problem at the evaluation sampling (report: T 0.6, top-p 0.95), and
 * test-time scaling at a budget of K traces per problem: majority@K (cons@K) against DeepConf
 * online ({@link DeepConfRunner}), each with its accuracy and the total tokens it generated.
 */
public final class Evaluation {
    private Evaluation() {}

    /**
     * pass@1 over the problems.
     *
     * @param accuracy mean reward of all responses
     * @param tokens   response tokens generated
     * @param byStep   accuracy by the problem's step count
     */
    public record PassAt1(double accuracy, long tokens, Map<Integer, Double> byStep) {}

    /** One test-time-scaling method at budget K with one model: accuracy, tokens, traces generated and early-stopped. */
    public record Scaling(String model, String method, double accuracy, long tokens, int traces, int stopped) {}

    /** pass@1 of {@code model}: problem i draws its {@code samples} responses with seed {@code seed + i}. */
    public static PassAt1 passAt1(FalconH1 model, TextCodec codec, List<ChainTask.Problem> problems, SamplingParams sampling,
                                  int samples, long seed) {
        RolloutSampler sampler = new RolloutSampler(model, codec, MathReward::score, sampling);
        ObjectMapper json = new ObjectMapper();
        Map<Integer, int[]> counts = new TreeMap<>();   // steps -> {correct, total}
        long correct = 0, total = 0, tokens = 0;
        for (int i = 0; i < problems.size(); i++) {
            ChainTask.Problem p = problems.get(i);
            int[] c = counts.computeIfAbsent(p.steps(), k -> new int[2]);
            for (Rollout r : sampler.sample(rlProblem(p, json), samples, seed + i)) {
                int ok = r.correct() ? 1 : 0;
                c[0] += ok;
                c[1]++;
                correct += ok;
                total++;
                tokens += r.response().length;
            }
        }
        Map<Integer, Double> byStep = new TreeMap<>();
        counts.forEach((steps, c) -> byStep.put(steps, (double) c[0] / c[1]));
        return new PassAt1((double) correct / total, tokens, byStep);
    }

    /**
     * Majority@K or DeepConf on each problem (problem i seeded {@code seed + 1000·i}); a problem
     * counts as solved when the chosen answer earns the reward.
     */
    public static Scaling scaling(String modelName, String method, FalconH1 model, TextCodec codec, List<ChainTask.Problem> problems,
                                  SamplingParams sampling, DeepConfOnline.Settings settings, DeepConfRunner.Mode mode, long seed) {
        SamplingParams p = new SamplingParams(sampling.temperature(), sampling.topK(), sampling.topP(), sampling.minP(),
                sampling.maxNewTokens(), codec.stopTokens(), seed);
        int solved = 0, traces = 0, stopped = 0;
        long tokens = 0;
        for (int i = 0; i < problems.size(); i++) {
            ChainTask.Problem problem = problems.get(i);
            DeepConfRunner.Outcome o = DeepConfRunner.run(model, codec.prompt(problem.question()), p.withSeed(seed + 1000L * i), settings,
                    mode, ids -> Answers.extract(codec.decode(ids)));
            if (o.answer() != null && MathReward.score(problem.answer(), "\\boxed{" + o.answer() + "}") == 1) solved++;
            tokens += o.tokens();
            traces += o.traces();
            stopped += o.stopped();
        }
        return new Scaling(modelName, method, (double) solved / problems.size(), tokens, traces, stopped);
    }

    /** The problem as the rl package reads it (question and exact gold answer). */
    static Problem rlProblem(ChainTask.Problem p, ObjectMapper json) {
        return new Problem(p.id(), p.question(), p.answer(), p.toRlProblem(json));
    }
}
