package falconh1r.rl;

import static falconh1r.rl.CurationTest.expect;
import static falconh1r.rl.CurationTest.outcomes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import falconh1r.rl.Curation.Reason;
import org.junit.jupiter.api.Test;

/** Bin counts and the text form on a hand-counted set of ten problems with k = 4. */
class PassRateHistogramTest {

    private static PassRateHistogram tenProblems() {
        Curation curation = new Curation(new Curation.Config(0.5, 0, 1, 0));
        PassRateHistogram h = new PassRateHistogram(4);
        String[] problems = {"C C C C", "C C C C", "C W W W", "W C W W", "W W W C", "C C W W", "W:5 W:5 W W", "W W W W", "W:1 W:2 T T", "T T T T"};
        for (int i = 0; i < problems.length; i++) h.add(curation.decide("p" + i, outcomes(problems[i])));
        return h;
    }

    @Test
    void countsEachBinAndReason() {
        PassRateHistogram h = tenProblems();
        long[] problems = {4, 3, 1, 0, 2};
        long[] kept = {2, 3, 1, 0, 0};
        for (int c = 0; c <= 4; c++) {
            assertEquals(problems[c], h.problems(c), "problems in bin " + c);
            assertEquals(kept[c], h.kept(c), "kept in bin " + c);
        }
        assertEquals(10, h.totalProblems());
        assertEquals(6, h.totalKept());
        assertEquals(2, h.count(Reason.ALL_CORRECT));
        assertEquals(4, h.count(Reason.PARTIALLY_SOLVED));
        assertEquals(1, h.count(Reason.CONSISTENT_WRONG_MAJORITY));
        assertEquals(2, h.count(Reason.ALL_WRONG_SAMPLED));
        assertEquals(1, h.count(Reason.ALL_TRUNCATED_UNSAMPLED));
        assertEquals(0, h.count(Reason.ALL_TRUNCATED_SAMPLED));
    }

    /** Bars: kept 3 is the widest (40); kept 2 → ⌈80/3⌉ = 27; kept 1 → ⌈40/3⌉ = 14; empty bins have none. */
    @Test
    void printsBinsTotalsAndReasons() {
        String expected = ""
                + "pass rate   problems       kept\n"
                + "0/4                4          2  " + "#".repeat(27) + "\n"
                + "1/4                3          3  " + "#".repeat(40) + "\n"
                + "2/4                1          1  " + "#".repeat(14) + "\n"
                + "3/4                0          0\n"
                + "4/4                2          0\n"
                + "total             10          6\n"
                + "ALL_CORRECT                        2  drop\n"
                + "PARTIALLY_SOLVED                   4  keep\n"
                + "ALL_TRUNCATED_SAMPLED              0  keep\n"
                + "ALL_TRUNCATED_UNSAMPLED            1  drop\n"
                + "CONSISTENT_WRONG_MAJORITY          1  drop\n"
                + "ALL_WRONG_SAMPLED                  2  keep\n"
                + "ALL_WRONG_UNSAMPLED                0  drop\n";
        assertEquals(expected, tenProblems().toText());
    }

    @Test
    void anEmptyHistogramPrintsNoBars() {
        String text = new PassRateHistogram(1).toText();
        assertEquals("0/1                0          0", text.lines().toList().get(1));
    }

    @Test
    void badInputsNameTheArgument() {
        expect("k", () -> new PassRateHistogram(0));
        expect("decision", () -> new PassRateHistogram(2).add(null));
        Curation.Decision threeRollouts = new Curation(Curation.Config.DEFAULT).decide("p", outcomes("C W W"));
        expect("k = 3", () -> new PassRateHistogram(2).add(threeRollouts));
    }
}
