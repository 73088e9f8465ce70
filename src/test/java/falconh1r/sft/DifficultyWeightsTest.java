package falconh1r.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.tokenizer.ChatMessage;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link DifficultyWeights}: the spec's placeholder buckets (pipeline.md §1.5) by pass rate, length
 * and label, table parsing, and the sampling copies whose expectation is the weight.
 */
class DifficultyWeightsTest {
    static final List<ChatMessage> MESSAGES = List.of(ChatMessage.user("q"), ChatMessage.assistant("a"));

    static Conversation withPassRate(Double p) {
        return new Conversation(MESSAGES, null, null, p);
    }

    @ParameterizedTest(name = "pass rate {0} -> {1}")
    @CsvSource({"0, 1.75", "0.1, 1.5", "0.25, 1.5", "0.3, 1.25", "0.5, 1.25", "0.6, 1", "0.75, 1", "0.8, 0.5", "1, 0.5"})
    void passRateBuckets(double p, double weight) {
        DifficultyWeights w = DifficultyWeights.of(DifficultyWeights.Mode.SAMPLING, DifficultyWeights.Basis.PASS_RATE,
                DifficultyWeights.defaultTable(DifficultyWeights.Basis.PASS_RATE));
        assertEquals(weight, w.weight(withPassRate(p), 10));
    }

    @Test
    void lengthLabelsAndMissingFields() {
        DifficultyWeights length = DifficultyWeights.of(DifficultyWeights.Mode.LOSS, DifficultyWeights.Basis.LENGTH, "10:0,100:1,inf:1.5");
        assertEquals(0.0, length.weight(withPassRate(null), 10));
        assertEquals(1.0, length.weight(withPassRate(null), 11));
        assertEquals(1.5, length.weight(withPassRate(null), 1_000_000));
        DifficultyWeights label = DifficultyWeights.of(DifficultyWeights.Mode.LOSS, DifficultyWeights.Basis.LABEL,
                DifficultyWeights.defaultTable(DifficultyWeights.Basis.LABEL));
        assertEquals(1.5, label.weight(new Conversation(MESSAGES, null, Conversation.Difficulty.HARD, 0.9), 5));
        assertEquals(0.5, label.weight(new Conversation(MESSAGES, null, Conversation.Difficulty.EASY, 0.0), 5));
        assertEquals(1.0, label.weight(withPassRate(0.0), 5), "no label: medium");
        DifficultyWeights rate = DifficultyWeights.of(DifficultyWeights.Mode.SAMPLING, DifficultyWeights.Basis.PASS_RATE, "0.5:2,1:0");
        assertEquals(1.0, rate.weight(withPassRate(null), 5), "no pass rate: medium");
        assertEquals(1.0, DifficultyWeights.none().weight(withPassRate(0.0), 5));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "1:1,0.5:2|must ascend", "0.5:1|last pass-rate bound must be 1", "x:1,1:1|'x' is not a number", "0:-1,1:1|finite and >= 0",
        "1|is not KEY:WEIGHT",
    })
    void badTables(String table, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DifficultyWeights.of(DifficultyWeights.Mode.LOSS, DifficultyWeights.Basis.PASS_RATE, table));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DifficultyWeights.of(DifficultyWeights.Mode.LOSS, DifficultyWeights.Basis.LENGTH, "10:1"));
        assertThrows(IllegalArgumentException.class, () -> DifficultyWeights.of(DifficultyWeights.Mode.LOSS, DifficultyWeights.Basis.LABEL, "easy:1,hard:2"));
    }

    /** Over n uniform draws the mean number of copies is w within 5 standard errors; each is ⌊w⌋ or ⌈w⌉. */
    @ParameterizedTest(name = "seed {0}, w {1}")
    @CsvSource({"1, 0.5", "2, 1.25", "3, 1.75", "4, 1.0", "5, 0.0", "6, 2.5"})
    void copiesHaveExpectationW(long seed, double w) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = 20_000;
        long sum = 0;
        for (int i = 0; i < n; i++) {
            int c = DifficultyWeights.copies(w, random.nextDouble());
            assertTrue(c == Math.floor(w) || c == Math.ceil(w), "copies " + c + " for w " + w);
            sum += c;
        }
        double frac = w - Math.floor(w), se = Math.sqrt(frac * (1 - frac) / n);
        double mean = (double) sum / n;
        assertEquals(w, mean, 5 * se + 1e-12, "mean copies; |diff| " + Math.abs(mean - w));
    }
}
