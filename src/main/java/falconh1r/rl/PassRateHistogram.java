package falconh1r.rl;

import java.util.Locale;

/**
 * Counts of curated problems by pass rate c/k in k + 1 bins, all problems and kept problems, and by
 * {@link Curation.Reason}: the text form of the report's Figure 5 (the kept set's histogram over
 * 0/8 … 7/8, "mirrored-J-shaped", pipeline.md §2.4). Every decision added must have the same k.
 */
public final class PassRateHistogram {
    /** Characters of the longest bar. */
    static final int BAR_WIDTH = 40;

    private final int k;
    private final long[] problems;
    private final long[] kept;
    private final long[] reasons = new long[Curation.Reason.values().length];

    public PassRateHistogram(int k) {
        if (k < 1) throw new IllegalArgumentException("k must be at least 1, got " + k);
        this.k = k;
        this.problems = new long[k + 1];
        this.kept = new long[k + 1];
    }

    public void add(Curation.Decision decision) {
        if (decision == null) throw new IllegalArgumentException("decision is null");
        if (decision.k() != k) {
            throw new IllegalArgumentException("decision for " + decision.problemId() + " has k = " + decision.k() + ", the histogram " + k);
        }
        problems[decision.correct()]++;
        if (decision.keep()) kept[decision.correct()]++;
        reasons[decision.reason().ordinal()]++;
    }

    public int k() {
        return k;
    }

    /** Problems with {@code correct} of k rollouts correct. */
    public long problems(int correct) {
        return problems[correct];
    }

    /** Kept problems with {@code correct} of k rollouts correct. */
    public long kept(int correct) {
        return kept[correct];
    }

    public long count(Curation.Reason reason) {
        return reasons[reason.ordinal()];
    }

    public long totalProblems() {
        long n = 0;
        for (long p : problems) n += p;
        return n;
    }

    public long totalKept() {
        long n = 0;
        for (long p : kept) n += p;
        return n;
    }

    /**
     * One line per bin (pass rate, problems, kept, a bar of '#' for kept scaled so the largest kept
     * bin is {@value #BAR_WIDTH} wide and any non-empty bin shows at least one), a total line, then
     * one line per reason with its count and whether it keeps.
     */
    public String toText() {
        long maxKept = 0;
        for (long n : kept) maxKept = Math.max(maxKept, n);
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-9s %10s %10s\n", "pass rate", "problems", "kept"));
        for (int c = 0; c <= k; c++) {
            out.append(String.format(Locale.ROOT, "%-9s %10d %10d", c + "/" + k, problems[c], kept[c]));
            if (kept[c] > 0) out.append("  ").append("#".repeat((int) ((kept[c] * BAR_WIDTH + maxKept - 1) / maxKept)));
            out.append('\n');
        }
        out.append(String.format(Locale.ROOT, "%-9s %10d %10d\n", "total", totalProblems(), totalKept()));
        for (Curation.Reason r : Curation.Reason.values()) {
            out.append(String.format(Locale.ROOT, "%-25s %10d  %s\n", r, reasons[r.ordinal()], r.keep() ? "keep" : "drop"));
        }
        return out.toString();
    }
}
