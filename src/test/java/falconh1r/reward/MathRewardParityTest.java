package falconh1r.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Parity with fixtures/reward/math_pairs.json (fixtures/make_reward_fixtures.py): every (gold,
 * prediction) pair labelled by verl's math_reward.compute_score (tier 1) and by Math-Verify 0.8.0 the
 * way verl's math_verify.compute_score calls it (tier 2).
 */
class MathRewardParityTest {
    static final Path DIR = Path.of(System.getProperty("falcon.fixtures", "fixtures")).resolve("reward");

    static JsonNode pairs() throws IOException {
        return new ObjectMapper().readTree(DIR.resolve("math_pairs.json").toFile()).get("pairs");
    }

    @Test
    void dump() throws IOException {
        List<String> out = new ArrayList<>();
        int n = 0, t1 = 0, t2 = 0;
        for (JsonNode p : pairs()) {
            n++;
            String gold = p.get("gold").asText(), pred = p.get("prediction").asText();
            boolean a = MathReward.tier1(gold, pred), b = MathReward.tier2(gold, pred);
            if (a == (p.get("tier1").asInt() == 1)) t1++;
            else out.add("TIER1 " + p.get("id").asText() + " py=" + p.get("tier1").asInt() + " gold=" + gold);
            if (b == (p.get("tier2").asInt() == 1)) t2++;
            else {
                String tail = pred.length() > 160 ? pred.substring(pred.length() - 160) : pred;
                out.add(p.get("id").asText() + " " + p.get("source").asText() + " py=" + p.get("tier2").asInt() + " gold=" + gold
                        + "\n     gp=" + p.get("gold_parsed") + " pp=" + p.get("pred_parsed")
                        + "\n     java gold=" + AnswerExtractor.parseGold(gold, new WorkBudget(WorkBudget.DEFAULT_UNITS)) + "\n     java pred=" + AnswerExtractor.parsePrediction(pred, new WorkBudget(WorkBudget.DEFAULT_UNITS))
                        + "\n     pred tail=" + tail.replace("\n", "\\n"));
            }
        }
        Files.write(Path.of("target/reward-dump.txt"), out);
        System.out.println("n=" + n + " tier1 agree=" + t1 + " tier2 agree=" + t2);
    }
}
