package falconh1r.infer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DeepConf's offline votes (pipeline.md §4.2, §4.4): majority, confidence-weighted and top-η
 * filtered votes over traces, as deepconf 0.1.0's {@code utils.py} computes them, ties included:
 * answers are tallied in first-seen order and the first answer with the largest tally wins
 * (Python's {@code max} and {@code Counter.most_common(1)} both keep the first maximum).
 */
public final class Voting {
    /** The keys of {@code compute_all_voting_results}, in its order. */
    public static final List<String> VARIANTS = List.of("majority", "mean_confidence_weighted",
            "tail_confidence_weighted", "bottom_window_weighted", "min_window_weighted",
            "top10_tail_filtered", "top10_bottom_window_filtered");

    /**
     * The reference's tail length and sliding window of the trace measures: the defaults of
     * {@code calculate_tail_confidence} and {@code calculate_bottom_window_confidence}, which
     * {@code compute_all_voting_results} always uses.
     */
    public static final int REFERENCE_WINDOW = 2048;

    /** The share of traces the {@code top10_*} variants keep. */
    public static final double TOP_PERCENT = 0.1;

    private Voting() {}

    /**
     * One variant's result, as the reference's dict: the winning answer, how many traces voted,
     * and the mean of their weights ({@code null} for the unweighted majority).
     */
    public record Vote(String answer, int numVotes, Double confidence) {}

    /** The trace-level confidences a weighted vote or filter can use ({@code filter_top_confidence}'s types). */
    public enum Measure {
        MEAN, TAIL, BOTTOM_WINDOW, MIN_WINDOW;

        /** This measure of a trace; {@code window} is both the tail length and the sliding window. */
        public double of(double[] confs, int window) {
            return switch (this) {
                case MEAN -> TraceConfidence.mean(confs);
                case TAIL -> TraceConfidence.tail(confs, window);
                case BOTTOM_WINDOW -> TraceConfidence.bottomWindow(confs, window);
                case MIN_WINDOW -> TraceConfidence.minWindow(confs, window);
            };
        }
    }

    /** {@code simple_majority_vote}: the most frequent answer, the first seen on a tie; {@code null} for none. */
    public static String majority(List<String> answers) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String a : answers) counts.merge(a, 1, Integer::sum);
        String best = null;
        int bestCount = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (e.getValue() > bestCount) {
                best = e.getKey();
                bestCount = e.getValue();
            }
        }
        return best;
    }

    /**
     * {@code weighted_majority_vote}: per answer the sum of its traces' weights (in trace order,
     * from 0.0), {@code null} answers skipped; the first answer with the largest sum wins;
     * {@code null} when no answer is left.
     */
    public static String weighted(List<String> answers, double[] weights) {
        PyNumerics.noNaN("weights", weights);
        if (weights.length != answers.size()) {
            throw new IllegalArgumentException("weights has " + weights.length + " entries for " + answers.size() + " answers");
        }
        Map<String, Double> sums = new LinkedHashMap<>();
        for (int i = 0; i < weights.length; i++) {
            String a = answers.get(i);
            if (a != null) sums.put(a, sums.getOrDefault(a, 0.0) + weights[i]);
        }
        String best = null;
        double bestSum = 0;
        for (Map.Entry<String, Double> e : sums.entrySet()) {
            if (best == null || e.getValue() > bestSum) {
                best = e.getKey();
                bestSum = e.getValue();
            }
        }
        return best;
    }

    /**
     * {@code filter_top_confidence(traces, measure, top_percent)}: the traces whose confidence is
     * at least {@code np.percentile(confidences, (1 − top_percent)·100)}, in their order.
     */
    public static List<Trace> filterTop(List<Trace> traces, Measure measure, int window, double topPercent) {
        if (!(topPercent >= 0 && topPercent <= 1)) throw new IllegalArgumentException("topPercent must be in [0, 1], got " + topPercent);
        if (traces.isEmpty()) return List.of();
        double[] conf = measure(traces, measure, window);
        double threshold = PyNumerics.percentile(conf, (1 - topPercent) * 100);
        List<Trace> kept = new ArrayList<>();
        for (int i = 0; i < conf.length; i++) {
            if (conf[i] >= threshold) kept.add(traces.get(i));
        }
        return kept;
    }

    /**
     * {@code compute_all_voting_results}: every variant over the traces that have an answer. With
     * none, every key maps to {@code null}; a weighted variant whose weights are all ≤ 0 is absent.
     * {@code window} stands for both {@code tail_tokens} and {@code window_size}, which the reference
     * fixes at {@link #REFERENCE_WINDOW}.
     */
    public static Map<String, Vote> all(List<Trace> traces, int window) {
        TraceConfidence.checkWindow(window);
        Map<String, Vote> results = new LinkedHashMap<>();
        List<Trace> valid = new ArrayList<>();
        for (Trace t : traces) {
            if (t.hasAnswer()) valid.add(t);
        }
        if (valid.isEmpty()) {
            for (String v : VARIANTS) results.put(v, null);
            return results;
        }
        List<String> answers = answers(valid);
        results.put("majority", new Vote(majority(answers), answers.size(), null));
        putWeighted(results, "mean_confidence_weighted", valid, measure(valid, Measure.MEAN, window));
        putWeighted(results, "tail_confidence_weighted", valid, measure(valid, Measure.TAIL, window));
        putWeighted(results, "bottom_window_weighted", valid, measure(valid, Measure.BOTTOM_WINDOW, window));
        putWeighted(results, "min_window_weighted", valid, measure(valid, Measure.MIN_WINDOW, window));
        List<Trace> topTail = filterTop(valid, Measure.TAIL, window, TOP_PERCENT);
        putWeighted(results, "top10_tail_filtered", topTail, measure(topTail, Measure.TAIL, window));
        List<Trace> topBottom = filterTop(valid, Measure.BOTTOM_WINDOW, window, TOP_PERCENT);
        putWeighted(results, "top10_bottom_window_filtered", topBottom, measure(topBottom, Measure.BOTTOM_WINDOW, window));
        return results;
    }

    /** A weighted variant, present only when some weight is > 0, as the reference's {@code if any(c > 0 ...)}. */
    private static void putWeighted(Map<String, Vote> results, String name, List<Trace> traces, double[] weights) {
        boolean anyPositive = false;
        for (double w : weights) anyPositive |= w > 0;
        if (!anyPositive) return;
        results.put(name, new Vote(weighted(answers(traces), weights), traces.size(), PyNumerics.mean(weights)));
    }

    private static double[] measure(List<Trace> traces, Measure measure, int window) {
        double[] out = new double[traces.size()];
        for (int i = 0; i < out.length; i++) out[i] = measure.of(traces.get(i).confs(), window);
        return out;
    }

    private static List<String> answers(List<Trace> traces) {
        List<String> out = new ArrayList<>(traces.size());
        for (Trace t : traces) out.add(t.answer());
        return out;
    }
}
