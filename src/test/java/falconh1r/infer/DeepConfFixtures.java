package falconh1r.infer;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** fixtures/deepconf (written by fixtures/make_deepconf_fixtures.py from deepconf 0.1.0): JSON helpers and comparisons. */
public final class DeepConfFixtures {
    /**
     * Relative tolerance where numpy's summation order cannot be reproduced: np.mean over the
     * np.partition of the window means (calculate_bottom_window_confidence), whose element order is
     * numpy's introselect's. Everything else is compared exactly.
     */
    public static final double PARTITION_RTOL = 1e-12;

    private DeepConfFixtures() {}

    public static Path dir() {
        return Path.of(System.getProperty("falcon.fixtures", "fixtures"), "deepconf");
    }

    public static JsonNode read(String relative) {
        try {
            return new ObjectMapper().readTree(dir().resolve(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asDouble();
        return out;
    }

    /** A JSON string, or null for JSON null. */
    public static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    public static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) out.add(text(n));
        return out;
    }

    /** Asserts {@code |actual − expected| ≤ rtol·|expected|} and returns the relative difference. */
    public static double assertRelative(String what, double expected, double actual, double rtol) {
        double diff = Math.abs(actual - expected);
        double rel = expected == 0 ? diff : diff / Math.abs(expected);
        if (!(diff <= rtol * Math.abs(expected))) {
            fail(String.format("%s: expected %s but was %s, |diff| %.3e (relative %.3e, tolerance %.0e)",
                    what, expected, actual, diff, rel, rtol));
        }
        return rel;
    }

    /** Asserts bit-level equality up to the sign of zero (the reference's value, no tolerance). */
    public static void assertExact(String what, double expected, double actual) {
        if (!(expected == actual || (Double.isNaN(expected) && Double.isNaN(actual)))) {
            fail(String.format("%s: expected %s but was %s, |diff| %.3e (compared exactly)", what, expected, actual,
                    Math.abs(actual - expected)));
        }
    }

    /** Compares one {@code compute_all_voting_results} entry (the fixture's {answer, num_votes, confidence} or null). */
    public static double assertVote(String what, JsonNode expected, Voting.Vote actual, boolean partitionOrder) {
        if (expected.isNull()) {
            if (actual != null) fail(what + ": expected null but was " + actual);
            return 0;
        }
        if (actual == null) fail(what + ": expected " + expected + " but the variant is null");
        if (!java.util.Objects.equals(text(expected.get("answer")), actual.answer())) {
            fail(what + ": answer expected " + expected.get("answer") + " but was " + actual.answer());
        }
        if (expected.get("num_votes").asInt() != actual.numVotes()) {
            fail(what + ": num_votes expected " + expected.get("num_votes") + " but was " + actual.numVotes());
        }
        JsonNode conf = expected.get("confidence");
        if (conf.isNull()) {
            if (actual.confidence() != null) fail(what + ": confidence expected null but was " + actual.confidence());
            return 0;
        }
        if (actual.confidence() == null) fail(what + ": confidence expected " + conf + " but was null");
        if (partitionOrder) return assertRelative(what + " confidence", conf.asDouble(), actual.confidence(), PARTITION_RTOL);
        assertExact(what + " confidence", conf.asDouble(), actual.confidence());
        return 0;
    }

    /** Whether a variant's weights come from np.partition (see {@link #PARTITION_RTOL}). */
    public static boolean partitionOrder(String variant) {
        return variant.equals("bottom_window_weighted") || variant.equals("top10_bottom_window_filtered");
    }
}
