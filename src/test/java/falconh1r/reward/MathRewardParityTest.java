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
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Parity with fixtures/reward/math_pairs.json, written by fixtures/make_reward_fixtures.py: (gold,
 * prediction) pairs labelled by verl 0.9.1's math_reward.compute_score (tier 1) and by Math-Verify
 * 0.8.0 called as verl's math_verify.compute_score calls it (tier 2). Tier 1 must agree on every pair;
 * tier 2 on at least 97%, with the pairs where it does not exactly those of
 * fixtures/reward/tier2_disagreements.json (so a new disagreement fails here), each explained in
 * fixtures/README.md.
 */
class MathRewardParityTest {
    static final Path DIR = Path.of(System.getProperty("falcon.fixtures", "fixtures"));
    static final double MIN_AGREEMENT = 0.97;

    static JsonNode fixture;
    static final Map<String, String> tier2Disagreements = new TreeMap<>();
    static final List<String> tier1Disagreements = new ArrayList<>();
    static int pairs;

    static JsonNode pairs() throws IOException {
        return new ObjectMapper().readTree(DIR.resolve("reward/math_pairs.json").toFile()).get("pairs");
    }

    @BeforeAll
    static void score() throws IOException {
        fixture = new ObjectMapper().readTree(DIR.resolve("reward/math_pairs.json").toFile());
        for (JsonNode p : fixture.get("pairs")) {
            pairs++;
            String id = p.get("id").asText(), gold = p.get("gold").asText(), pred = p.get("prediction").asText();
            boolean t1 = MathReward.tier1(gold, pred), t2 = MathReward.tier2(gold, pred);
            if (t1 != (p.get("tier1").asInt() == 1)) tier1Disagreements.add(id + " (" + p.get("source").asText() + ")");
            if (t2 != (p.get("tier2").asInt() == 1)) {
                tier2Disagreements.put(id, p.get("source").asText() + ": Math-Verify " + p.get("tier2").asInt() + ", Java " + (t2 ? 1 : 0)
                        + "; gold " + gold + " parsed " + p.get("gold_parsed") + ", prediction parsed " + p.get("pred_parsed"));
            }
            assertEquals(t1 || t2 ? 1 : 0, MathReward.score(gold, pred), id);
        }
        System.out.printf("math reward parity: %d pairs; tier 1 agrees on %d; tier 2 agrees on %d (%.2f%%)%n",
                pairs, pairs - tier1Disagreements.size(), pairs - tier2Disagreements.size(), 100.0 * (pairs - tier2Disagreements.size()) / pairs);
    }

    @Test
    void fixtureRecordsTheReferenceVersions() {
        assertEquals("0.8.0", fixture.get("versions").get("math-verify").asText());
        assertEquals("1.10.2", fixture.get("versions").get("latex2sympy2_extended").asText());
        assertEquals("0.9.1", fixture.get("versions").get("verl").asText());
        assertTrue(pairs >= 500, "at least 500 labelled pairs, got " + pairs);
    }

    @Test
    void tier1AgreesOnEveryPair() {
        assertEquals(List.of(), tier1Disagreements, "pairs where Java's tier 1 differs from verl math_reward.compute_score");
    }

    @Test
    void tier2AgreesOnAtLeast97PercentAndDisagreesOnlyWhereListed() throws IOException {
        double agreement = (double) (pairs - tier2Disagreements.size()) / pairs;
        assertTrue(agreement >= MIN_AGREEMENT, String.format("tier 2 agreement %.4f < %.2f: %s", agreement, MIN_AGREEMENT, tier2Disagreements));
        JsonNode listed = new ObjectMapper().readTree(DIR.resolve("reward/tier2_disagreements.json").toFile()).get("disagreements");
        TreeSet<String> expected = new TreeSet<>();
        listed.fieldNames().forEachRemaining(expected::add);
        assertEquals(expected, tier2Disagreements.keySet(), "tier 2 disagreements (id: details) " + tier2Disagreements);
    }

    /**
     * The work budget leaves room for long outputs: each accepted boxed-style synthetic pair, behind
     * 100,000 characters of the corpus's own anchor-free reasoning (which cannot outrank a \boxed),
     * is still accepted by tier 2.
     */
    @Test
    void longReasoningStaysWithinTheWorkBudget() {
        StringBuilder reasoning = new StringBuilder("<think>\n");
        while (reasoning.length() < 100_000) {
            int before = reasoning.length();
            for (JsonNode p : fixture.get("pairs")) {
                String t = p.get("prediction").asText();
                if (p.get("source").asText().startsWith("synthetic") && !t.contains("nswer") && !t.contains("inal") && !t.contains("box")) {
                    reasoning.append(t.replace("<think>", "").replace("</think>", "")).append('\n');
                }
            }
            assertTrue(reasoning.length() > before, "the corpus has anchor-free reasoning");
        }
        int checked = 0;
        for (JsonNode p : fixture.get("pairs")) {
            if (!p.get("source").asText().equals("synthetic/boxed") || p.get("tier2").asInt() != 1) continue;
            String pred = reasoning + p.get("prediction").asText().replace("<think>", "");
            assertTrue(MathReward.tier2(p.get("gold").asText(), pred), p.get("id").asText() + " behind " + reasoning.length() + " characters");
            checked++;
        }
        assertTrue(checked >= 20, "boxed pairs checked: " + checked);
    }

    @Test
    void everyDisagreementIsExplainedInTheFixturesReadme() throws IOException {
        String readme = Files.readString(DIR.resolve("README.md"));
        for (String id : tier2Disagreements.keySet()) assertTrue(readme.contains("`" + id + "`"), id + " is not listed in fixtures/README.md");
    }
}
