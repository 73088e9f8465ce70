package falconh1r.rl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import falconh1r.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * RL data curation by pass rate (pipeline.md §2.2–§2.3): each problem gets k rollouts from the SFT
 * checkpoint (paper: 8 at T 0.6, top-p 0.95, 32K tokens; {@link RolloutSampler}), their outcomes
 * (correct, truncated, extracted answer) go through {@link Curation#decide}, and the
 * {@link PassRateHistogram} counts the verdicts. Problem i draws with seed {@code seed + i·1000003},
 * so a run is reproducible.
 */
public final class Curator {

    /** Sees each problem's verdict as it is reached. */
    @FunctionalInterface
    public interface Listener {
        void onDecision(int index, int total, Problem problem, Curation.Decision decision);
    }

    /** A verdict and the problem it is about. */
    public record Verdict(Problem problem, Curation.Decision decision) {}

    /** Every problem's verdict, in input order, and their histogram. */
    public record Result(List<Verdict> verdicts, PassRateHistogram histogram) {
        /** The kept problems, in input order. */
        public List<Verdict> kept() {
            return verdicts.stream().filter(v -> v.decision().keep()).toList();
        }
    }

    private final RolloutSampler sampler;
    private final Curation curation;
    private final int k;
    private final long seed;

    /** @param k rollouts per problem (paper 8) */
    public Curator(RolloutSampler sampler, Curation curation, int k, long seed) {
        if (sampler == null || curation == null) throw new IllegalArgumentException("sampler and curation are needed");
        if (k < 1) throw new IllegalArgumentException("k must be at least 1, got " + k);
        this.sampler = sampler;
        this.curation = curation;
        this.k = k;
        this.seed = seed;
    }

    /** Curates {@code problems}, telling {@code listener} (null: nobody) about each. */
    public Result run(List<Problem> problems, Listener listener) {
        PassRateHistogram histogram = new PassRateHistogram(k);
        List<Verdict> verdicts = new ArrayList<>(problems.size());
        for (int i = 0; i < problems.size(); i++) {
            Problem p = problems.get(i);
            List<Curation.Outcome> outcomes = new ArrayList<>(k);
            for (Rollout r : sampler.sample(p, k, seed + 1_000_003L * i)) outcomes.add(r.outcome());
            Curation.Decision d = curation.decide(p.id(), outcomes);
            histogram.add(d);
            verdicts.add(new Verdict(p, d));
            if (listener != null) listener.onDecision(i, problems.size(), p, d);
        }
        return new Result(List.copyOf(verdicts), histogram);
    }

    /**
     * Writes the kept problems to {@code out} atomically, one JSON line each: the problem's own
     * object with {@code pass_rate} (c/k), {@code correct} (c), {@code k} and {@code curation}
     * (the {@link Curation.Reason}) set.
     */
    public static void writeKept(Result result, Path out) {
        ObjectMapper json = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        try {
            for (Verdict v : result.kept()) {
                ObjectNode line = v.problem().source().deepCopy();
                Curation.Decision d = v.decision();
                line.put("pass_rate", d.passRate());
                line.put("correct", d.correct());
                line.put("k", d.k());
                line.put("curation", d.reason().name());
                lines.append(json.writeValueAsString(line)).append('\n');
            }
            AtomicFile.write(out, lines.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out, e);
        }
    }
}
