package falconh1r.infer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * DeepConf's online algorithm (DeepConf Algorithm 2; pipeline.md §4.3, §4.4, §4.5), as deepconf
 * 0.1.0's {@code wrapper.DeepThinkLLM.deepthink(mode="online")} runs it, over any
 * {@link TraceSource}:
 * <ol>
 *   <li>warm-up: {@code warmup} traces without stopping; each trace's {@code min_conf} is the
 *       minimum of its rounded group confidences ({@link Confidence#minGrouped});</li>
 *   <li>threshold {@code conf_bar = np.percentile(warm-up min_confs, 100 − η)}: η = 10 is
 *       DeepConf-low (90th percentile), η = 90 DeepConf-high;</li>
 *   <li>final phase: the other {@code budget − warmup} traces with the {@link EarlyStop} rule;</li>
 *   <li>post hoc, a final trace whose {@code min_conf < conf_bar} is relabelled
 *       {@code gconf_threshold} and does not vote; a warm-up trace votes only if
 *       {@code min_conf ≥ conf_bar}; only traces with a non-empty answer vote;</li>
 *   <li>votes: the weighted majority with weight {@code min_conf} ({@code _perform_basic_voting}),
 *       and {@link Voting#all} over the voting traces, whose majority becomes the final answer
 *       (when there is one), as {@code deepthink} sets {@code final_answer}. As there, those
 *       variants use the fixed {@link Voting#REFERENCE_WINDOW}, not {@code window}.</li>
 * </ol>
 * Token accounting counts every generated token, warm-up and early-stopped traces included.
 *
 * <p>Not in the reference: the consensus stop (§4.3 step 3). With {@code consensusTau} set, the
 * final phase runs in batches of {@code consensusEvery} traces, and after each batch β =
 * (largest answer weight) / (total weight) over the voting traces so far, weight {@code min_conf};
 * generation ends once β ≥ τ. Off by default, as for Falcon-H1R's fixed budget.
 */
public final class DeepConfOnline {
    private DeepConfOnline() {}

    /**
     * @param budget         total traces K (warm-up included)
     * @param warmup         warm-up traces N_init, 1 ≤ warmup ≤ budget
     * @param eta            the reference's {@code confidence_percentile}, in [0, 100]
     * @param window         group size (tokens) of {@code min_conf} and the early stop
     * @param topK           top logprobs per step (20 in the reference)
     * @param consensusTau   τ in (0, 1] for the consensus stop, or empty (the reference)
     * @param consensusEvery final-phase traces per batch between consensus checks
     */
    public record Settings(int budget, int warmup, double eta, int window, int topK,
                           OptionalDouble consensusTau, int consensusEvery) {
        public Settings {
            if (warmup < 1 || warmup > budget) throw new IllegalArgumentException("warmup must be in [1, budget=" + budget + "], got " + warmup);
            if (!(eta >= 0 && eta <= 100)) throw new IllegalArgumentException("eta must be in [0, 100], got " + eta);
            TraceConfidence.checkWindow(window);
            if (topK < 1) throw new IllegalArgumentException("topK must be at least 1, got " + topK);
            if (consensusTau == null) throw new IllegalArgumentException("consensusTau is null (use OptionalDouble.empty())");
            if (consensusTau.isPresent() && !(consensusTau.getAsDouble() > 0 && consensusTau.getAsDouble() <= 1)) {
                throw new IllegalArgumentException("consensusTau must be in (0, 1], got " + consensusTau.getAsDouble());
            }
            if (consensusEvery < 1) throw new IllegalArgumentException("consensusEvery must be at least 1, got " + consensusEvery);
        }

        /** The reference's run without consensus stop: top-20 logprobs. */
        public static Settings of(int budget, int warmup, double eta, int window) {
            return new Settings(budget, warmup, eta, window, 20, OptionalDouble.empty(), 1);
        }

        /** Falcon-H1R's setting (§4.5): K = 512, 16 warm-up traces, η = 10 (DeepConf-low), window 2048. */
        public static Settings falcon() {
            return of(512, 16, 10, 2048);
        }

        public Settings withConsensusStop(double tau, int every) {
            return new Settings(budget, warmup, eta, window, topK, OptionalDouble.of(tau), every);
        }
    }

    /**
     * A generated trace with what the online algorithm decided about it.
     *
     * @param minConf   {@code min_conf}: the least rounded group confidence
     * @param warmup    whether it is a warm-up trace
     * @param forcedEos whether the early stop ended it
     * @param votes     whether it is in the voting set ({@code min_conf ≥ conf_bar} and an answer);
     *                  a final trace with {@code min_conf < conf_bar} is the reference's
     *                  {@code stop_reason == "gconf_threshold"}
     */
    public record Scored(Trace trace, double minConf, boolean warmup, boolean forcedEos, boolean votes) {}

    /**
     * @param confBar          the threshold {@code conf_bar}
     * @param traces           every generated trace, warm-up first, in generation order
     * @param weightedAnswer   the weighted majority of the voting traces by {@code min_conf}, or null
     * @param votingResults    {@link Voting#all} over the voting traces
     * @param finalAnswer      the majority of {@code votingResults} when present, else {@code weightedAnswer}
     * @param warmupTokens     tokens of the warm-up traces
     * @param finalTokens      tokens of the final-phase traces, stopped ones included
     * @param consensusStopped whether the consensus stop ended generation before the budget
     */
    public record Result(double confBar, List<Scored> traces, String weightedAnswer, Map<String, Voting.Vote> votingResults,
                         String finalAnswer, long warmupTokens, long finalTokens, boolean consensusStopped) {
        public long totalTokens() {
            return warmupTokens + finalTokens;
        }

        /** The voting traces, in order (the reference's {@code all_voting_traces}). */
        public List<Scored> voting() {
            return traces.stream().filter(Scored::votes).toList();
        }
    }

    /** Runs the online algorithm for one prompt. */
    public static Result run(TraceSource source, Settings s) {
        if (source == null) throw new IllegalArgumentException("source is null");
        List<TraceRecorder> warm = generate(source, 0, s.warmup(), s, null);
        double[] warmMins = new double[warm.size()];
        for (int i = 0; i < warmMins.length; i++) warmMins[i] = Confidence.minGrouped(warm.get(i).trace().confs(), s.window());
        double confBar = PyNumerics.percentile(warmMins, 100 - s.eta());

        List<Scored> traces = new ArrayList<>();
        long warmupTokens = 0, finalTokens = 0;
        for (int i = 0; i < warm.size(); i++) {
            Trace t = warm.get(i).trace();
            traces.add(new Scored(t, warmMins[i], true, false, votes(t, warmMins[i], confBar)));
            warmupTokens += t.tokens();
        }
        boolean consensusStopped = false;
        int batch = s.consensusTau().isPresent() ? s.consensusEvery() : s.budget() - s.warmup();
        for (int next = s.warmup(); next < s.budget() && !consensusStopped; ) {
            int count = Math.min(batch, s.budget() - next);
            for (TraceRecorder r : generate(source, next, count, s, confBar)) {
                Trace t = r.trace();
                double minConf = Confidence.minGrouped(t.confs(), s.window());
                traces.add(new Scored(t, minConf, false, r.forcedEos(), votes(t, minConf, confBar)));
                finalTokens += t.tokens();
            }
            next += count;
            consensusStopped = next < s.budget() && s.consensusTau().isPresent()
                    && consensus(traces) >= s.consensusTau().getAsDouble();
        }

        List<Scored> voters = traces.stream().filter(Scored::votes).toList();
        List<String> answers = new ArrayList<>(voters.size());
        List<Trace> votingTraces = new ArrayList<>(voters.size());
        double[] weights = new double[voters.size()];
        for (int i = 0; i < weights.length; i++) {
            answers.add(voters.get(i).trace().answer());
            votingTraces.add(voters.get(i).trace());
            weights[i] = voters.get(i).minConf();
        }
        String weightedAnswer = Voting.weighted(answers, weights);
        Map<String, Voting.Vote> votingResults = Voting.all(votingTraces, Voting.REFERENCE_WINDOW);
        Voting.Vote majority = votingResults.get("majority");
        String finalAnswer = majority != null ? majority.answer() : weightedAnswer;
        return new Result(confBar, List.copyOf(traces), weightedAnswer, votingResults, finalAnswer,
                warmupTokens, finalTokens, consensusStopped);
    }

    /** Whether a trace votes: the reference's {@code min_conf >= conf_bar} and a non-empty answer. */
    private static boolean votes(Trace t, double minConf, double confBar) {
        return minConf >= confBar && t.hasAnswer();
    }

    /** β: the largest answer's share of the total {@code min_conf} weight of the voting traces (0 when none). */
    static double consensus(List<Scored> traces) {
        Map<String, Double> sums = new LinkedHashMap<>();
        double total = 0;
        for (Scored sc : traces) {
            if (!sc.votes()) continue;
            sums.merge(sc.trace().answer(), sc.minConf(), Double::sum);
            total += sc.minConf();
        }
        double best = 0;
        for (double v : sums.values()) best = Math.max(best, v);
        return total > 0 ? best / total : 0;
    }

    /** Traces {@code first … first+count−1} as one batch; final-phase ones (a {@code confBar}) with the early stop. */
    private static List<TraceRecorder> generate(TraceSource source, int first, int count, Settings s, Double confBar) {
        List<TraceRecorder> recorders = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            recorders.add(new TraceRecorder(s.topK(), confBar == null ? null : new EarlyStop(confBar, s.window())));
        }
        source.generate(first, List.copyOf(recorders));
        for (int i = 0; i < count; i++) {
            if (!recorders.get(i).isFinished()) {
                throw new IllegalStateException("the trace source left trace " + (first + i) + " unfinished");
            }
        }
        return recorders;
    }
}
