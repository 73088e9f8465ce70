package falconh1r.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import falconh1r.infer.SamplingParams;
import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.model.FalconH1;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Curation on a tiny random model with stub decoders and reward, each problem built to reach one
 * branch of pipeline.md §2.3 whatever the model samples (k = 8):
 * <ul>
 *   <li>gold "" accepts every answer: 8/8, dropped (ALL_CORRECT);
 *   <li>answers of one letter out of 2, gold "a": 0 &lt; c &lt; 8 (the seeded draw; 0 or 8 would have
 *       probability 2⁻⁷), kept (PARTIALLY_SOLVED);
 *   <li>every response one token (all ids stop), one letter for all of them, gold "b": 0/8 with the
 *       same wrong answer 8 times, dropped (CONSISTENT_WRONG_MAJORITY);
 *   <li>one token, letters out of 96, gold "!": 0/8 with scattered answers, kept (ALL_WRONG_SAMPLED);
 *   <li>no stop token and 2 new tokens: every rollout truncated, kept with the all-truncated share 1
 *       (ALL_TRUNCATED_SAMPLED) and dropped with share 0 (ALL_TRUNCATED_UNSAMPLED).
 * </ul>
 * The counts of correct and truncated rollouts are checked against the construction, the kept file
 * holds the kept problems with their own fields and pass rates, and the histogram counts them.
 */
class CuratorTest {

    @Test
    void everyBranchOnATinyModel(@TempDir Path tmp) throws Exception {
        try (Backend backend = Backends.create("scalar", 1)) {
            FalconH1 model = new FalconH1(TinyPolicy.params(7), backend);
            Curation keepAll = new Curation(new Curation.Config(0.5, 1.0, 1.0, 0));

            Curator.Result easy = curate(model, TinyPolicy.codec(4, 2), 5, keepAll, problem("easy", ""));
            expect(easy, Curation.Reason.ALL_CORRECT, 8, -1);

            Curator.Result partial = curate(model, TinyPolicy.codec(2, 2), 5, keepAll, problem("partial", "a"));
            expect(partial, Curation.Reason.PARTIALLY_SOLVED, -1, -1);
            int c = partial.verdicts().get(0).decision().correct();
            assertTrue(c > 0 && c < 8, "partial: " + c + "/8");

            Curator.Result wrong = curate(model, TinyPolicy.codec(1, TinyPolicy.allIds()), 5, keepAll, problem("bad-gold", "b"));
            expect(wrong, Curation.Reason.CONSISTENT_WRONG_MAJORITY, 0, 0);
            assertEquals("a", wrong.verdicts().get(0).decision().majorityAnswer());
            assertEquals(8, wrong.verdicts().get(0).decision().majorityCount());

            Curator.Result hard = curate(model, TinyPolicy.codec(96, TinyPolicy.allIds()), 1, keepAll, problem("hard", "!"));
            expect(hard, Curation.Reason.ALL_WRONG_SAMPLED, 0, 0);

            Curator.Result truncated = curate(model, TinyPolicy.codec(4), 2, keepAll, problem("long", "!"));
            expect(truncated, Curation.Reason.ALL_TRUNCATED_SAMPLED, 0, 8);
            Curator.Result dropped = curate(model, TinyPolicy.codec(4), 2, new Curation(new Curation.Config(0.5, 0.0, 1.0, 0)),
                    problem("long", "!"));
            expect(dropped, Curation.Reason.ALL_TRUNCATED_UNSAMPLED, 0, 8);

            List<Problem> all = List.of(problem("easy", ""), problem("partial", "a"));
            Curator.Result both = new Curator(new RolloutSampler(model, TinyPolicy.codec(2, 2), TinyPolicy.PREFIX,
                    SamplingParams.temperature(0.6, 5, 0).withTopP(0.95)), keepAll, 8, 0).run(all, null);
            assertEquals(partial.verdicts().get(0).decision().correct(), both.verdicts().get(1).decision().correct(),
                    "problem i draws with seed + i·1000003, the same as alone at that seed");
            Path out = tmp.resolve("kept.jsonl");
            Curator.writeKept(both, out);
            List<String> lines = Files.readAllLines(out);
            assertEquals(1, lines.size());
            JsonNode line = new ObjectMapper().readTree(lines.get(0));
            assertEquals("partial", line.get("id").asText());
            assertEquals("q0", line.get("question").asText());
            assertEquals("extra", line.get("note").asText());
            assertEquals(both.verdicts().get(1).decision().correct() / 8.0, line.get("pass_rate").asDouble(), 0);
            assertEquals(8, line.get("k").asInt());
            assertEquals("PARTIALLY_SOLVED", line.get("curation").asText());
            assertEquals(2, both.histogram().totalProblems());
            assertEquals(1, both.histogram().totalKept());
            assertEquals(1, both.histogram().count(Curation.Reason.ALL_CORRECT));
        }
    }

    /** One problem curated with k = 8 at T 0.6, top-p 0.95, at most {@code maxNewTokens}; the seed makes it problem 1 of a run seeded 0. */
    static Curator.Result curate(FalconH1 model, TextCodec codec, int maxNewTokens, Curation curation, Problem p) {
        RolloutSampler sampler = new RolloutSampler(model, codec, TinyPolicy.PREFIX,
                SamplingParams.temperature(0.6, maxNewTokens, 0).withTopP(0.95));
        return new Curator(sampler, curation, 8, 1_000_003L).run(List.of(p), null);
    }

    static Problem problem(String id, String gold) {
        com.fasterxml.jackson.databind.node.ObjectNode o = new ObjectMapper().createObjectNode().put("id", id).put("question", "q0")
                .put("answer", gold).put("note", "extra");
        return new Problem(id, "q0", gold, o);
    }

    /** The one verdict has {@code reason}, and {@code correct} / {@code truncated} rollouts when those are ≥ 0. */
    static void expect(Curator.Result r, Curation.Reason reason, int correct, int truncated) {
        assertEquals(1, r.verdicts().size());
        Curation.Decision d = r.verdicts().get(0).decision();
        assertEquals(reason, d.reason(), d.toString());
        if (correct >= 0) assertEquals(correct, d.correct(), d.toString());
        if (truncated >= 0) assertEquals(truncated, d.truncated(), d.toString());
        assertEquals(reason.keep() ? 1 : 0, r.kept().size());
        assertEquals(1, r.histogram().count(reason));
    }
}
