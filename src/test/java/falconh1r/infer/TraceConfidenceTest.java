package falconh1r.infer;

import static falconh1r.infer.DeepConfFixtures.assertExact;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * Trace measures against deepconf's calculate_mean/tail/bottom_window_confidence and
 * np.percentile: exact, except the bottom-10% mean of ≥ 20 windows (np.partition's order,
 * {@link DeepConfFixtures#PARTITION_RTOL}).
 */
class TraceConfidenceTest {

    @Test
    void measuresEqualTheReference() {
        JsonNode cases = DeepConfFixtures.read("measures.json").get("measures");
        double worst = 0;
        int partitioned = 0;
        for (int c = 0; c < cases.size(); c++) {
            JsonNode k = cases.get(c);
            double[] confs = DeepConfFixtures.doubles(k.get("confs"));
            int w = k.get("window").asInt();
            String what = "case " + c + " (n " + confs.length + ", window " + w + ")";
            assertExact(what + " mean", k.get("mean").asDouble(), TraceConfidence.mean(confs));
            assertExact(what + " tail", k.get("tail").asDouble(), TraceConfidence.tail(confs, w));
            assertExact(what + " min window", k.get("min_window").asDouble(), TraceConfidence.minWindow(confs, w));
            double bottom = TraceConfidence.bottomWindow(confs, w);
            if (confs.length >= w && (int) ((confs.length - w + 1) * 0.1) > 1) {
                worst = Math.max(worst, DeepConfFixtures.assertRelative(what + " bottom", k.get("bottom").asDouble(), bottom,
                        DeepConfFixtures.PARTITION_RTOL));
                partitioned++;
            } else {
                assertExact(what + " bottom", k.get("bottom").asDouble(), bottom);
            }
        }
        assertTrue(partitioned >= 6, partitioned + " bottom-10% means over several windows");
        System.out.printf("TraceConfidenceTest: bottom-10%% window mean, max relative |diff| %.3e over %d cases%n", worst, partitioned);
    }

    @Test
    void percentileEqualsNumpyLinear() {
        JsonNode cases = DeepConfFixtures.read("measures.json").get("percentiles");
        for (int c = 0; c < cases.size(); c++) {
            JsonNode k = cases.get(c);
            double[] values = DeepConfFixtures.doubles(k.get("values"));
            double p = k.get("p").asDouble();
            assertExact("case " + c + " (n " + values.length + ", p " + p + ")", k.get("result").asDouble(),
                    PyNumerics.percentile(values, p));
        }
        // pipeline.md §4.4's worked example is the fixture's first two cases (np.percentile gives 16.7 and 11.75)
        assertExact("spec p90", 16.7, cases.get(0).get("result").asDouble());
        assertExact("spec p10", 11.75, cases.get(1).get("result").asDouble());
    }

    @Test
    void badInputNamesTheParameter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceConfidence.tail(new double[] {1}, 0));
        assertTrue(e.getMessage().contains("tail"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TraceConfidence.bottomWindow(new double[] {1}, 0));
        assertTrue(e.getMessage().contains("window"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TraceConfidence.mean(new double[] {Double.NaN}));
        assertTrue(e.getMessage().contains("confs[0]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PyNumerics.percentile(new double[] {1}, 101));
        assertTrue(e.getMessage().contains("p must be"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PyNumerics.percentile(new double[0], 50));
        assertTrue(e.getMessage().contains("values"), e.getMessage());
    }
}
