package falconh1r.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Votes against deepconf's simple/weighted_majority_vote, filter_top_confidence and compute_all_voting_results. */
class VotingTest {

    @Test
    void votesEqualTheReferenceTiesIncluded() {
        JsonNode cases = DeepConfFixtures.read("measures.json").get("votes");
        for (int c = 0; c < cases.size(); c++) {
            JsonNode k = cases.get(c);
            List<String> answers = DeepConfFixtures.texts(k.get("answers"));
            double[] weights = DeepConfFixtures.doubles(k.get("weights"));
            assertEquals(DeepConfFixtures.text(k.get("majority")), Voting.majority(answers), "case " + c + " majority " + answers);
            assertEquals(DeepConfFixtures.text(k.get("weighted")), Voting.weighted(answers, weights), "case " + c + " weighted " + answers);
        }
    }

    @Test
    void filterTopKeepsTheReferencesTraces() {
        JsonNode cases = DeepConfFixtures.read("measures.json").get("filters");
        for (int c = 0; c < cases.size(); c++) {
            JsonNode k = cases.get(c);
            List<Trace> traces = new ArrayList<>();
            for (JsonNode confs : k.get("confs")) traces.add(new Trace("a", DeepConfFixtures.doubles(confs)));
            Voting.Measure m = Voting.Measure.valueOf(k.get("type").asText().toUpperCase());
            List<Trace> kept = Voting.filterTop(traces, m, 2048, k.get("top_percent").asDouble());
            List<Integer> keptIdx = new ArrayList<>();
            for (Trace t : kept) keptIdx.add(traces.indexOf(t));
            List<Integer> expected = new ArrayList<>();
            for (JsonNode i : k.get("kept")) expected.add(i.asInt());
            assertEquals(expected, keptIdx, "case " + c + " (" + m + ", top " + k.get("top_percent") + ")");
        }
    }

    static Stream<String> voteCases() {
        try (Stream<Path> files = Files.list(DeepConfFixtures.dir().resolve("vote"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".expected.json"))
                    .map(n -> n.substring(0, n.length() - ".expected.json".length())).sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("voteCases")
    void allVariantsEqualComputeAllVotingResults(String name) throws IOException {
        JsonNode expected = DeepConfFixtures.read("vote/" + name + ".expected.json");
        List<Trace> traces = new ArrayList<>();
        for (String line : Files.readAllLines(DeepConfFixtures.dir().resolve("vote/" + name + ".traces.jsonl"))) {
            JsonNode t = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            traces.add(new Trace(DeepConfFixtures.text(t.get("answer")), DeepConfFixtures.doubles(t.get("confs"))));
        }
        Map<String, Voting.Vote> actual = Voting.all(traces, expected.get("window").asInt());
        JsonNode result = expected.get("result");
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = result.fieldNames(); it.hasNext(); ) keys.add(it.next());
        assertEquals(keys, new ArrayList<>(actual.keySet()), name + ": variants");
        double worst = 0;
        for (String k : keys) {
            worst = Math.max(worst, DeepConfFixtures.assertVote(name + " " + k, result.get(k), actual.get(k), DeepConfFixtures.partitionOrder(k)));
        }
        System.out.printf("VotingTest %s: max relative |diff| of partition-ordered confidences %.3e%n", name, worst);
    }

    @Test
    void weightedRejectsMismatchedWeights() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Voting.weighted(List.of("a"), new double[2]));
        assertTrue(e.getMessage().contains("weights"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Voting.weighted(List.of("a"), new double[] {Double.NaN}));
        assertTrue(e.getMessage().contains("weights[0]"), e.getMessage());
    }
}
