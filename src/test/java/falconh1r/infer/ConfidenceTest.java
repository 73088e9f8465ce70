package falconh1r.infer;

import static falconh1r.infer.DeepConfFixtures.assertExact;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Token and group confidences against deepconf's compute_confidence and compute_least_grouped, exactly. */
class ConfidenceTest {

    @Test
    void tokenConfidenceEqualsComputeConfidence() {
        JsonNode cases = DeepConfFixtures.read("token_confidence.json").get("cases");
        int outside = 0;
        for (int c = 0; c < cases.size(); c++) {
            JsonNode k = cases.get(c);
            int rank = k.get("rank").asInt();
            double actual = Confidence.token(DeepConfFixtures.doubles(k.get("top")), k.get("sampled").asDouble(), rank);
            assertExact("case " + c + " (rank " + rank + ")", k.get("conf").asDouble(), actual);
            if (rank == 0) outside++;
        }
        assertTrue(cases.size() > 400 && outside > 100, cases.size() + " cases, " + outside + " with 21 entries");
    }

    @Test
    void roundingIsNumpysRintNotPythonsRound() {
        // round(np.float64(0.0005), 3) is 0.0 (numpy: rint(0.5)/1000); Python's round(0.0005, 3) is 0.001
        assertExact("round3(0.0005)", 0.0, PyNumerics.round3(0.0005));
        // compute_least_grouped([0.001, 0.0], 2) in the fixture: (0.001 + 0.0) / 2 = 0.0005 → 0.0
        JsonNode cases = DeepConfFixtures.read("grouped.json").get("cases");
        boolean found = false;
        for (JsonNode k : cases) {
            double[] confs = DeepConfFixtures.doubles(k.get("confs"));
            if (confs.length == 2 && confs[0] == 0.001 && confs[1] == 0.0 && k.get("window").asInt() == 2) {
                assertExact("reference group", 0.0, k.get("groups").get(0).asDouble());
                found = true;
            }
        }
        assertTrue(found, "the fixture holds the tie case");
    }

    @Test
    void groupedEqualsComputeLeastGrouped() {
        JsonNode cases = DeepConfFixtures.read("grouped.json").get("cases");
        int groups = 0;
        for (int c = 0; c < cases.size(); c++) {
            JsonNode k = cases.get(c);
            double[] confs = DeepConfFixtures.doubles(k.get("confs"));
            int window = k.get("window").asInt();
            double[] expected = DeepConfFixtures.doubles(k.get("groups"));
            double[] actual = Confidence.grouped(confs, window);
            String what = "case " + c + " (n " + confs.length + ", window " + window + ")";
            assertEquals(expected.length, actual.length, what + ": number of groups");
            for (int i = 0; i < expected.length; i++) assertExact(what + " group " + i, expected[i], actual[i]);
            assertExact(what + " min", k.get("min").asDouble(), Confidence.minGrouped(confs, window));
            groups += expected.length;
        }
        assertTrue(groups > 1500, groups + " groups compared");
    }

    @Test
    void shortAndEmptyTracesFollowTheReferenceRule() {
        assertArrayEquals(new double[] {0.0}, Confidence.grouped(new double[0], 4));
        // shorter than the window: the one unrounded mean (sum/len)
        assertArrayEquals(new double[] {(1.0004 + 2.0) / 2}, Confidence.grouped(new double[] {1.0004, 2.0}, 3));
    }

    @Test
    void stopConfidenceIsTheUnroundedNegatedMeanOfTheTopK() {
        assertExact("stop", 1.2345678, Confidence.stopToken(new double[] {-1.2345678, -1.2345678, -1.2345678, -1.2345678}));
        assertExact("stop", 2.5, Confidence.stopToken(new double[] {-1.0, -4.0}));
    }

    @Test
    void badInputNamesTheParameter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Confidence.token(new double[] {-1, Double.NaN}, -1, 1));
        assertTrue(e.getMessage().contains("topLogprobs[1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Confidence.token(new double[] {-1, -2}, -1, 3));
        assertTrue(e.getMessage().contains("rank"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Confidence.token(new double[0], -1, 0));
        assertTrue(e.getMessage().contains("topLogprobs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Confidence.grouped(new double[] {1, 2}, 0));
        assertTrue(e.getMessage().contains("window"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Confidence.grouped(new double[] {1, Double.NaN}, 1));
        assertTrue(e.getMessage().contains("confs[1]"), e.getMessage());
    }
}
