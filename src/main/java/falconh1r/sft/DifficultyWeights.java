package falconh1r.sft;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Difficulty-aware weighting (pipeline.md §1.5): a sample falls into a bucket by its pass rate, its
 * {@code difficulty} label or its trace length, and the bucket gives its weight: hard 1.25–1.75×,
 * medium 1×, easy 0.5× or 0 (dropped). How the weight acts is the {@link Mode}: as sampling
 * frequency (a sample is drawn w times per epoch in expectation) or as a loss multiplier (every
 * target token's loss times w, before the token normalisation of §1.7).
 *
 * <p>The report gives no thresholds; the defaults are the spec's placeholders:
 * <ul>
 *   <li>{@link Basis#PASS_RATE}: {@code 0:1.75,0.25:1.5,0.5:1.25,0.75:1,1:0.5}, a sample with pass
 *       rate p takes the weight of the first bucket with {@code p <= bound} (p = 0 → 1.75,
 *       ≤ 0.25 → 1.5, ≤ 0.5 → 1.25, ≤ 0.75 → 1, else 0.5);
 *   <li>{@link Basis#LENGTH}: {@code 2048:0.5,16384:1,inf:1.5} over the trained tokens (the
 *       trace), longer being harder;
 *   <li>{@link Basis#LABEL}: {@code easy:0.5,medium:1,hard:1.5}.
 * </ul>
 * A sample without the field the basis reads (no {@code pass_rate}, no {@code difficulty}) is
 * medium: weight 1.
 */
public final class DifficultyWeights {

    public enum Mode { NONE, LOSS, SAMPLING }

    public enum Basis { PASS_RATE, LENGTH, LABEL }

    /** Values up to {@code bound} (inclusive) take {@code weight}. */
    public record Bucket(double bound, double weight) {}

    private final Mode mode;
    private final Basis basis;
    private final List<Bucket> buckets;                     // PASS_RATE and LENGTH, ascending bounds
    private final Map<Conversation.Difficulty, Double> labels;   // LABEL

    private DifficultyWeights(Mode mode, Basis basis, List<Bucket> buckets, Map<Conversation.Difficulty, Double> labels) {
        this.mode = mode;
        this.basis = basis;
        this.buckets = buckets;
        this.labels = labels;
    }

    /** The spec's default table for {@code basis}, as {@link #of} parses it. */
    public static String defaultTable(Basis basis) {
        return switch (basis) {
            case PASS_RATE -> "0:1.75,0.25:1.5,0.5:1.25,0.75:1,1:0.5";
            case LENGTH -> "2048:0.5,16384:1,inf:1.5";
            case LABEL -> "easy:0.5,medium:1,hard:1.5";
        };
    }

    /** No weighting: every sample weighs 1. */
    public static DifficultyWeights none() {
        return of(Mode.NONE, Basis.PASS_RATE, defaultTable(Basis.PASS_RATE));
    }

    /**
     * A weighting from a table {@code "bound:weight,..."} (ascending bounds; {@code inf} allowed; the
     * last bound must cover every value: 1 for pass rates, {@code inf} for lengths) or, for
     * {@link Basis#LABEL}, {@code "easy:w,medium:w,hard:w"}. Weights are finite and >= 0.
     */
    public static DifficultyWeights of(Mode mode, Basis basis, String table) {
        List<Bucket> buckets = new ArrayList<>();
        Map<Conversation.Difficulty, Double> labels = new EnumMap<>(Conversation.Difficulty.class);
        for (String entry : table.split(",")) {
            String[] kv = entry.trim().split(":");
            if (kv.length != 2) throw new IllegalArgumentException("difficulty table entry '" + entry + "' is not KEY:WEIGHT");
            double weight = number(kv[1], entry);
            if (!(weight >= 0) || Double.isInfinite(weight)) throw new IllegalArgumentException("difficulty weight in '" + entry + "' must be finite and >= 0");
            if (basis == Basis.LABEL) {
                Conversation.Difficulty d;
                try {
                    d = Conversation.Difficulty.valueOf(kv[0].trim().toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("difficulty label '" + kv[0].trim() + "' is not easy, medium or hard");
                }
                if (labels.put(d, weight) != null) throw new IllegalArgumentException("difficulty label " + kv[0].trim() + " given twice");
            } else {
                double bound = number(kv[0], entry);
                if (!buckets.isEmpty() && !(bound > buckets.getLast().bound())) {
                    throw new IllegalArgumentException("difficulty bounds must ascend: " + table);
                }
                buckets.add(new Bucket(bound, weight));
            }
        }
        if (basis == Basis.LABEL && labels.size() != 3) throw new IllegalArgumentException("difficulty table must weigh easy, medium and hard: " + table);
        if (basis == Basis.PASS_RATE && !(buckets.getLast().bound() >= 1)) throw new IllegalArgumentException("the last pass-rate bound must be 1: " + table);
        if (basis == Basis.LENGTH && buckets.getLast().bound() != Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("the last length bound must be inf: " + table);
        }
        return new DifficultyWeights(mode, basis, List.copyOf(buckets), labels);
    }

    private static double number(String s, String entry) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("inf")) return Double.POSITIVE_INFINITY;
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("difficulty table entry '" + entry + "': '" + s.trim() + "' is not a number");
        }
    }

    public Mode mode() {
        return mode;
    }

    public Basis basis() {
        return basis;
    }

    /** The weight of a sample whose trained tokens number {@code trainedTokens}; 1 under {@link Mode#NONE}. */
    public double weight(Conversation c, int trainedTokens) {
        if (mode == Mode.NONE) return 1;
        return switch (basis) {
            case PASS_RATE -> c.passRate() == null ? 1 : bucket(c.passRate());
            case LENGTH -> bucket(trainedTokens);
            case LABEL -> c.difficulty() == null ? 1 : labels.get(c.difficulty());
        };
    }

    private double bucket(double value) {
        for (Bucket b : buckets) {
            if (value <= b.bound()) return b.weight();
        }
        throw new IllegalStateException("no bucket for " + value);   // the last bound covers every value
    }

    /**
     * Copies of a sample of weight {@code w} to draw under {@link Mode#SAMPLING}: ⌊w⌋, plus one
     * more with probability w − ⌊w⌋ ({@code uniform} in [0, 1)), so the expectation is w.
     */
    public static int copies(double w, double uniform) {
        double whole = Math.floor(w);
        return (int) whole + (uniform < w - whole ? 1 : 0);
    }
}
