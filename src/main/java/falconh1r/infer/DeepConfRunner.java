package falconh1r.infer;

import falconh1r.model.FalconH1;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * DeepConf on one prompt with the model, in either mode, plus plain majority voting at the same
 * budget for comparison (pipeline.md §4):
 * <ul>
 *   <li>{@link Mode#ONLINE}: {@link DeepConfOnline} (warm-up traces, the threshold, early stop of
 *       the final-phase traces); the answer is the {@code min_conf}-weighted vote of the voting
 *       traces (Algorithm 2);
 *   <li>{@link Mode#OFFLINE}: all {@code budget} traces to the end, then {@link Voting#all}; the
 *       answer is {@code top10_bottom_window_filtered} (the top 10% of traces by bottom-10% group
 *       confidence, confidence-weighted: the paper's DeepConf-low);
 *   <li>{@link Mode#MAJORITY}: all {@code budget} traces, plain majority (cons@K).
 * </ul>
 * Token counts include every generated token (warm-up and stopped traces too).
 */
public final class DeepConfRunner {
    private DeepConfRunner() {}

    public enum Mode { ONLINE, OFFLINE, MAJORITY }

    /**
     * @param answer   the chosen answer, or null
     * @param votes    every voting variant over the voting traces
     * @param confBar  the online threshold (NaN offline)
     * @param tokens   generated tokens, all traces
     * @param traces   traces generated
     * @param stopped  traces stopped early (online)
     * @param answers  each trace's answer, in generation order
     */
    public record Outcome(String answer, Map<String, Voting.Vote> votes, double confBar, long tokens, int traces, int stopped,
                          List<String> answers) {}

    /**
     * @param p        sampling (with the EOS id first among the stop tokens)
     * @param s        budget, warm-up, η, window (η and warm-up unused offline)
     * @param answerOf a trace's answer from its generated ids, or null
     */
    public static Outcome run(FalconH1 model, int[] prompt, SamplingParams p, DeepConfOnline.Settings s, Mode mode,
                              Function<int[], String> answerOf) {
        ModelTraceSource source = new ModelTraceSource(model, prompt, p, s.topK(), answerOf);
        if (mode == Mode.ONLINE) {
            DeepConfOnline.Result r = DeepConfOnline.run(source, s);
            int stopped = 0;
            List<String> answers = new ArrayList<>();
            for (DeepConfOnline.Scored t : r.traces()) {
                stopped += t.forcedEos() ? 1 : 0;
                answers.add(t.trace().answer());
            }
            return new Outcome(r.weightedAnswer(), r.votingResults(), r.confBar(), r.totalTokens(), r.traces().size(), stopped,
                    answers);
        }
        List<TraceRecorder> recorders = new ArrayList<>();
        for (int i = 0; i < s.budget(); i++) recorders.add(new TraceRecorder(s.topK(), null));
        source.generate(0, recorders);
        List<Trace> traces = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        long tokens = 0;
        for (TraceRecorder r : recorders) {
            traces.add(r.trace());
            answers.add(r.trace().answer());
            tokens += r.tokens();
        }
        Map<String, Voting.Vote> votes = Voting.all(traces, s.window());
        String variant = mode == Mode.OFFLINE ? "top10_bottom_window_filtered" : "majority";
        Voting.Vote chosen = votes.get(variant);
        return new Outcome(chosen == null ? null : chosen.answer(), votes, Double.NaN, tokens, traces.size(), 0, answers);
    }
}
