package falconh1r.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.rl.Curation.Decision;
import falconh1r.rl.Curation.Outcome;
import falconh1r.rl.Curation.Reason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The filter of pipeline.md §2.3 as a table (no public code exists), the scaling of "f ≥ 4 of 8"
 * to other k, seeded property tests of the invariants, and the sub-sampling rates.
 */
class CurationTest {

    /**
     * Outcomes as space-separated tokens: C correct, W wrong, T wrong and truncated, CT correct and
     * truncated; ":x" adds the extracted answer x.
     */
    static List<Outcome> outcomes(String spec) {
        List<Outcome> list = new ArrayList<>();
        for (String token : spec.trim().split("\\s+")) {
            int colon = token.indexOf(':');
            String flags = colon < 0 ? token : token.substring(0, colon);
            String answer = colon < 0 ? null : token.substring(colon + 1);
            list.add(new Outcome(flags.contains("C"), flags.contains("T"), answer));
        }
        return list;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // case                                      | outcomes                              | keep truncated | keep wrong | reason                    | c | majority | f
            "8/8 is too easy                             | C C C C C C C C                       | 1 | 1 | ALL_CORRECT               | 8 | -  | 0",
            "8/8 with truncated correct rollouts         | CT CT C C C C C C                     | 1 | 1 | ALL_CORRECT               | 8 | -  | 0",
            "7/8 is standard data                        | C C C C C C C W:3                     | 1 | 1 | PARTIALLY_SOLVED          | 7 | 3  | 1",
            "1/8 is kept despite a wrong majority        | C W:5 W:5 W:5 W:5 W:5 W:5 W:5         | 0 | 0 | PARTIALLY_SOLVED          | 1 | 5  | 7",
            "1/8 with all others truncated               | C T T T T T T T                       | 0 | 0 | PARTIALLY_SOLVED          | 1 | -  | 0",
            "0/8 all truncated, in the subset            | T T T T T T T T                       | 1 | 0 | ALL_TRUNCATED_SAMPLED     | 0 | -  | 0",
            "0/8 all truncated, outside the subset       | T T T T T T T T                       | 0 | 1 | ALL_TRUNCATED_UNSAMPLED   | 0 | -  | 0",
            "0/8 all truncated goes before the vote      | T:5 T:5 T:5 T:5 T:5 T:5 T:5 T:5       | 1 | 1 | ALL_TRUNCATED_SAMPLED     | 0 | 5  | 8",
            "0/8 a wrong answer 4 times                  | W:5 W:5 W:5 W:5 W:6 W:7 W T           | 1 | 1 | CONSISTENT_WRONG_MAJORITY | 0 | 5  | 4",
            "0/8 a wrong answer 8 times                  | W:5 W:5 W:5 W:5 W:5 W:5 W:5 W:5       | 1 | 1 | CONSISTENT_WRONG_MAJORITY | 0 | 5  | 8",
            "0/8 truncated rollouts with answers vote    | T:5 T:5 T:5 T:5 W W W W               | 1 | 1 | CONSISTENT_WRONG_MAJORITY | 0 | 5  | 4",
            "0/8 a wrong answer 3 times is kept          | W:5 W:5 W:5 W:6 W:6 W:6 W:7 W:8       | 0 | 1 | ALL_WRONG_SAMPLED         | 0 | 5  | 3",
            "0/8 a wrong answer 3 times, sub-sampled out | W:5 W:5 W:5 W:6 W:6 W:6 W:7 W:8       | 1 | 0 | ALL_WRONG_UNSAMPLED       | 0 | 5  | 3",
            "0/8 answerless rollouts do not vote         | W W W W W:5 W:5 W:5 W:6               | 1 | 1 | ALL_WRONG_SAMPLED         | 0 | 5  | 3",
            "0/8 no answers at all                       | W W W W W W W W                       | 1 | 1 | ALL_WRONG_SAMPLED         | 0 | -  | 0",
            "0/8 seven truncated, one not                | T T T T T T T W                       | 0 | 1 | ALL_WRONG_SAMPLED         | 0 | -  | 0",
            "0/8 first seen wins a tie                   | W:6 W:5 W:5 W:6 W:7 W:8 W:9 W         | 1 | 1 | ALL_WRONG_SAMPLED         | 0 | 6  | 2",
            "0/5 scaled: 3 of 5 is a majority            | W:5 W:5 W:5 W:6 W                     | 1 | 1 | CONSISTENT_WRONG_MAJORITY | 0 | 5  | 3",
            "0/5 scaled: 2 of 5 is not                   | W:5 W:5 W:6 W:6 W                     | 1 | 1 | ALL_WRONG_SAMPLED         | 0 | 5  | 2",
            "0/4 scaled: 2 of 4 is a majority            | W:5 W:5 W:6 W                         | 1 | 1 | CONSISTENT_WRONG_MAJORITY | 0 | 5  | 2",
            "0/16 scaled: 7 of 16 is not                 | W:5 W:5 W:5 W:5 W:5 W:5 W:5 W W W W W W W W W W | 1 | 1 | ALL_WRONG_SAMPLED | 0 | 5 | 7",
            "0/16 scaled: 8 of 16 is                     | W:5 W:5 W:5 W:5 W:5 W:5 W:5 W:5 W W W W W W W W | 1 | 1 | CONSISTENT_WRONG_MAJORITY | 0 | 5 | 8",
            "0/1 with an answer                          | W:5                                   | 1 | 1 | CONSISTENT_WRONG_MAJORITY | 0 | 5  | 1",
            "0/1 without an answer                       | W                                     | 1 | 1 | ALL_WRONG_SAMPLED         | 0 | -  | 0",
            "1/1                                         | C                                     | 1 | 1 | ALL_CORRECT               | 1 | -  | 0",
    })
    void followsTheTableOfSection2_3(String name, String spec, double keepTruncated, double keepWrong, Reason expected,
                                     int correct, String majority, int majorityCount) {
        Curation curation = new Curation(new Curation.Config(0.5, keepTruncated, keepWrong, 7));
        List<Outcome> outcomes = outcomes(spec);
        Decision d = curation.decide("p", outcomes);
        assertEquals(expected, d.reason(), name);
        assertEquals(expected.keep(), d.keep());
        assertEquals(correct, d.correct());
        assertEquals(outcomes.size(), d.k());
        assertEquals((double) correct / outcomes.size(), d.passRate());
        assertEquals(majority, d.majorityAnswer());
        assertEquals(majorityCount, d.majorityCount());
    }

    @ParameterizedTest(name = "k={0}")
    @CsvSource({"1, 1", "2, 1", "3, 2", "4, 2", "5, 3", "7, 4", "8, 4", "16, 8", "32, 16"})
    void theMajorityThresholdIsHalfOfKRoundedUp(int k, int threshold) {
        assertEquals(threshold, Curation.Config.DEFAULT.majorityThreshold(k));
    }

    @Test
    void thresholdProductsDoNotRoundUpOnFloatNoise() {
        assertEquals(3, new Curation.Config(0.3, 0.1, 1, 0).majorityThreshold(10));    // 0.3 * 10 = 3.0000000000000004
        assertEquals(1, new Curation.Config(1e-12, 0.1, 1, 0).majorityThreshold(1));
        assertEquals(8, new Curation.Config(1, 0.1, 1, 0).majorityThreshold(8));
    }

    /** Random problems: the decision follows its defining counts, and does not depend on the order of the rollouts. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void decisionsFollowTheirCounts(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Curation curation = new Curation(new Curation.Config(0.5, 0.3, 0.6, seed));
        for (int problem = 0; problem < 500; problem++) {
            int k = 1 + r.nextInt(16);
            double pCorrect = r.nextInt(3) == 0 ? 0 : r.nextDouble();
            double pTruncated = r.nextInt(4) == 0 ? 1 : r.nextDouble();
            int answers = 1 + r.nextInt(4);
            List<Outcome> outcomes = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                boolean truncated = r.nextDouble() < pTruncated;
                boolean correct = !truncated && r.nextDouble() < pCorrect;
                String answer = r.nextInt(3) == 0 ? null : "a" + r.nextInt(answers);
                outcomes.add(new Outcome(correct, truncated, answer));
            }
            String id = "problem-" + seed + "-" + problem;
            Decision d = curation.decide(id, outcomes);

            int c = 0, t = 0;
            Map<String, Integer> votes = new HashMap<>();
            for (Outcome o : outcomes) {
                if (o.correct()) c++;
                if (o.truncated()) t++;
                if (!o.correct() && o.answer() != null) votes.merge(o.answer(), 1, Integer::sum);
            }
            int f = votes.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            assertEquals(c, d.correct(), id);
            assertEquals(t, d.truncated(), id);
            assertEquals(f, d.majorityCount(), id);
            assertEquals(c == k, d.reason() == Reason.ALL_CORRECT, id);
            assertEquals(c > 0 && c < k, d.reason() == Reason.PARTIALLY_SOLVED, id);
            assertEquals(c == 0 && t == k, d.reason() == Reason.ALL_TRUNCATED_SAMPLED || d.reason() == Reason.ALL_TRUNCATED_UNSAMPLED, id);
            assertEquals(c == 0 && t < k && 2 * f >= k, d.reason() == Reason.CONSISTENT_WRONG_MAJORITY, id);

            List<Outcome> shuffled = new ArrayList<>(outcomes);
            Collections.shuffle(shuffled, new java.util.Random(seed * 1000 + problem));
            Decision again = curation.decide(id, shuffled);
            assertEquals(d.reason(), again.reason(), id);
            assertEquals(d.majorityCount(), again.majorityCount(), id);
        }
    }

    /**
     * 20,000 problems per branch: the kept share is the configured fraction within 5 standard errors,
     * the same seed keeps the same problems, another seed keeps others.
     */
    @ParameterizedTest(name = "seed {0} fraction {1}")
    @CsvSource({"1, 0.1", "2, 0.1", "3, 0.35", "4, 0.9"})
    void subSamplingKeepsTheConfiguredShare(long seed, double fraction) {
        int n = 20_000;
        Curation truncatedOnly = new Curation(new Curation.Config(0.5, fraction, 1, seed));
        Curation wrongOnly = new Curation(new Curation.Config(0.5, 0, fraction, seed));
        Curation otherSeed = new Curation(new Curation.Config(0.5, fraction, 1, seed + 100));
        List<Outcome> allTruncated = outcomes("T T T T T T T T");
        List<Outcome> allWrong = outcomes("W:1 W:2 W:3 W T T T T");
        int keptTruncated = 0, keptWrong = 0, sameAsOtherSeed = 0;
        for (int i = 0; i < n; i++) {
            String id = "q" + i;
            Decision d = truncatedOnly.decide(id, allTruncated);
            assertEquals(d.reason(), truncatedOnly.decide(id, allTruncated).reason(), "the draw is fixed by seed and id");
            if (d.keep()) keptTruncated++;
            if (wrongOnly.decide(id, allWrong).keep()) keptWrong++;
            if (otherSeed.decide(id, allTruncated).keep() == d.keep()) sameAsOtherSeed++;
        }
        double sigma = Math.sqrt(n * fraction * (1 - fraction));
        assertTrue(Math.abs(keptTruncated - n * fraction) < 5 * sigma, "all-truncated kept " + keptTruncated + " of " + n + ", expected " + n * fraction);
        assertTrue(Math.abs(keptWrong - n * fraction) < 5 * sigma, "all-wrong kept " + keptWrong + " of " + n + ", expected " + n * fraction);
        double agree = fraction * fraction + (1 - fraction) * (1 - fraction);   // two independent draws agree this often
        double sigmaAgree = Math.sqrt(n * agree * (1 - agree));
        assertTrue(Math.abs(sameAsOtherSeed - n * agree) < 5 * sigmaAgree, "another seed agreed on " + sameAsOtherSeed + " of " + n + ", independent draws " + n * agree);
    }

    @Test
    void fractionsZeroAndOneAreExact() {
        Curation none = new Curation(new Curation.Config(0.5, 0, 0, 3));
        Curation all = new Curation(new Curation.Config(0.5, 1, 1, 3));
        for (int i = 0; i < 2000; i++) {
            assertEquals(Reason.ALL_TRUNCATED_UNSAMPLED, none.decide("x" + i, outcomes("T T")).reason());
            assertEquals(Reason.ALL_WRONG_UNSAMPLED, none.decide("x" + i, outcomes("W W")).reason());
            assertEquals(Reason.ALL_TRUNCATED_SAMPLED, all.decide("x" + i, outcomes("T T")).reason());
            assertEquals(Reason.ALL_WRONG_SAMPLED, all.decide("x" + i, outcomes("W W")).reason());
        }
    }

    @Test
    void theDefaultsAreTheSpecsReading() {
        assertEquals(new Curation.Config(0.5, 0.1, 1.0, 0), Curation.Config.DEFAULT);
        assertEquals(4, Curation.Config.DEFAULT.majorityThreshold(8));
        assertNotEquals(Curation.Config.DEFAULT, Curation.Config.DEFAULT.withSeed(1));
    }

    @Test
    void badInputsNameTheArgument() {
        Curation curation = new Curation(Curation.Config.DEFAULT);
        expect("problemId", () -> curation.decide(null, outcomes("C")));
        expect("outcomes", () -> curation.decide("p", List.of()));
        expect("outcomes", () -> curation.decide("p", null));
        List<Outcome> withNull = new ArrayList<>(outcomes("C W"));
        withNull.add(null);
        expect("outcomes[2]", () -> curation.decide("p", withNull));
        expect("config", () -> new Curation(null));
        expect("majorityFraction", () -> new Curation.Config(0, 0.1, 1, 0));
        expect("majorityFraction", () -> new Curation.Config(Double.NaN, 0.1, 1, 0));
        expect("allTruncatedKeepFraction", () -> new Curation.Config(0.5, 1.5, 1, 0));
        expect("allWrongKeepFraction", () -> new Curation.Config(0.5, 0.1, -0.1, 0));
    }

    static void expect(String argument, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(argument), "message should name " + argument + ": " + e.getMessage());
    }
}
