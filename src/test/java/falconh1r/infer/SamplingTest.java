package falconh1r.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import falconh1r.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sampler's processed distributions equal transformers 5.24's warpers (fixtures/sampling,
 * written by fixtures/make_sampling_fixtures.py through {@code _get_logits_processor}): the same
 * tokens removed, and every probability within 1e-6; and its draws follow that distribution.
 */
class SamplingTest {

    static final Path DIR = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "sampling");

    static List<String> cases() throws IOException {
        List<String> out = new ArrayList<>();
        new ObjectMapper().readTree(DIR.resolve("cases.json").toFile()).fieldNames().forEachRemaining(out::add);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void processedDistributionEqualsTransformers(String name) throws IOException {
        JsonNode c = new ObjectMapper().readTree(DIR.resolve("cases.json").toFile()).get(name);
        SamplingParams p = new SamplingParams(c.get("temperature").asDouble(), c.get("top_k").asInt(), c.get("top_p").asDouble(),
                c.get("min_p").asDouble(), 1, null, 0);
        try (SafetensorsFile fx = SafetensorsFile.open(DIR.resolve("sampling.safetensors"))) {
            float[] logits = fx.floats("logits"), expected = fx.floats("probs." + name);
            int rows = (int) fx.shape("logits")[0], vocab = (int) fx.shape("logits")[1];
            Sampler sampler = new Sampler(vocab);
            double worst = 0;
            for (int r = 0; r < rows; r++) {
                double[] probs = sampler.distribution(logits, r * vocab, p);
                int kept = 0;
                for (int v = 0; v < vocab; v++) {
                    float e = expected[r * vocab + v];
                    assertEquals(e == 0, probs[v] == 0, name + " row " + r + " token " + v + " kept/removed (torch p=" + e
                            + ", java p=" + probs[v] + ")");
                    worst = Math.max(worst, Math.abs(e - probs[v]));
                    kept += probs[v] > 0 ? 1 : 0;
                }
                assertTrue(kept >= 1);
            }
            assertTrue(worst <= 1e-6, name + ": max |diff| " + worst);
        }
    }

    /** 20,000 seeded draws land in each token with the processed probability (within 4 standard errors). */
    @Test
    void drawsFollowTheProcessedDistribution() {
        SplittableRandom data = new SplittableRandom(7);
        int vocab = 50;
        float[] logits = new float[vocab];
        for (int v = 0; v < vocab; v++) logits[v] = (float) (2 * data.nextGaussian());
        SamplingParams p = new SamplingParams(0.8, 30, 0.9, 0.02, 1, null, 0);
        Sampler sampler = new Sampler(vocab);
        double[] probs = sampler.distribution(logits, 0, p);
        int draws = 20_000;
        int[] counts = new int[vocab];
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < draws; i++) counts[sampler.next(logits, 0, p, random)]++;
        for (int v = 0; v < vocab; v++) {
            double se = Math.sqrt(probs[v] * (1 - probs[v]) / draws);
            assertEquals(probs[v], counts[v] / (double) draws, 4 * se + 1e-12, "token " + v);
        }
    }

    @Test
    void greedyTakesTheLowestIdOnTiesAndBadSettingsAreRefused() {
        Sampler sampler = new Sampler(4);
        assertEquals(1, sampler.next(new float[] {0, 3, 3, -1}, 0, SamplingParams.greedy(1), new SplittableRandom(1)));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(-1, 0, 1, 0, 1, null, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, -2, 1, 0, 1, null, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 0, 0, 0, 1, null, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(1, 0, 1, 1.5, 1, null, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingParams(Double.NaN, 0, 1, 0, 1, null, 0));
    }

    /** The captured log-probs: raw log_softmax, the temperature-scaled one, and the top-k largest first. */
    @Test
    void tokenLogprobsAreTheRawAndScaledLogSoftmax() {
        float[] logits = {1f, 4f, -2f, 4f, 0.5f};
        TokenLogprobs t = TokenLogprobs.of(logits, 0, 5, 4, 0.5, 3);
        double z = 0, zt = 0;
        for (float l : logits) {
            z += Math.exp(l);
            zt += Math.exp(l / 0.5);
        }
        assertEquals(0.5 - Math.log(z), t.logprob(), 1e-6);
        assertEquals(1.0 - Math.log(zt), t.scaledLogprob(), 1e-6);
        assertEquals(List.of(1, 3, 0), List.of(t.topIds()[0], t.topIds()[1], t.topIds()[2]));
        assertEquals(4 - Math.log(z), t.topLogprobs()[0], 1e-6);
    }
}
