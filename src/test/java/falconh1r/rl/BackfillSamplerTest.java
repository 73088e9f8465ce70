package falconh1r.rl;

import static falconh1r.rl.CurationTest.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.rl.BackfillSampler.CacheOrder;
import falconh1r.rl.BackfillSampler.Config;
import falconh1r.rl.BackfillSampler.Shortfall;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-traced runs of the backfill sampler (pipeline.md §3.6; verl DAPO's {@code filter_groups}
 * with capacity 0), the bound on generation calls, and bad inputs. The seeded property tests are in
 * {@link BackfillSamplerPropertyTest}.
 */
class BackfillSamplerTest {

    /**
     * A generator that plays back scripted calls. A call is a space-separated list of groups, a group
     * its rewards as digits ("01": two rollouts rewarded 0 and 1). Prompts are numbered in order,
     * rollout j of prompt p is "p/j".
     */
    static final class Script implements GroupGenerator<String> {
        private final List<String> calls;
        private int next;
        private int prompts;
        final List<Integer> missing = new ArrayList<>();

        Script(String... calls) {
            this.calls = List.of(calls);
        }

        @Override
        public List<ScoredGroup<String>> generate(int step, int missingGroups) {
            missing.add(missingGroups);
            String call = calls.get(Math.min(next++, calls.size() - 1));     // the last call repeats
            List<ScoredGroup<String>> groups = new ArrayList<>();
            for (String group : call.split(" ")) {
                String prompt = "p" + prompts++;
                List<String> rollouts = new ArrayList<>();
                float[] rewards = new float[group.length()];
                for (int j = 0; j < rewards.length; j++) {
                    rollouts.add(prompt + "/" + j);
                    rewards[j] = group.charAt(j) - '0';
                }
                groups.add(new ScoredGroup<>(prompt, rollouts, rewards));
            }
            return groups;
        }

        int calls() {
            return next;
        }
    }

    static long[] ids(PolicyBatch<?> batch) {
        return batch.groups().stream().mapToLong(RolloutGroup::id).toArray();
    }

    static long[] ids(List<? extends RolloutGroup<?>> groups) {
        return groups.stream().mapToLong(RolloutGroup::id).toArray();
    }

    /** B 3, G 2, capacity 2, age 1, cache first. */
    @Test
    void cacheFirstTrace() {
        Script script = new Script("01 00 10 11 01 01 10", "00 01 01 01 01", "11", "10 01 01");
        BackfillSampler<String> sampler = new BackfillSampler<>(Config.of(3, 2).withCache(2, 1), script);

        // step 0: ids 0–6; 1 and 3 have equal rewards; 0, 2, 4 fill the batch; 5, 6 are cached
        PolicyBatch<String> b0 = sampler.next(0);
        assertArrayEquals(new long[] {0, 2, 4}, ids(b0));
        assertArrayEquals(new long[] {5, 6}, ids(sampler.cached()));
        assertEquals(new BackfillMetrics(0, 1, 7, 2, 3, 0, 2, 0, 0, 2, 3), b0.metrics());

        // step 1: 5, 6 from the cache, then one call (ids 7–11, 7 dropped): 8 completes the batch;
        // 9, 10, 11 go to the cache, where 11 pushes 9 out
        PolicyBatch<String> b1 = sampler.next(1);
        assertArrayEquals(new long[] {5, 6, 8}, ids(b1));
        assertArrayEquals(new long[] {10, 11}, ids(sampler.cached()));
        assertEquals(new BackfillMetrics(1, 1, 5, 1, 1, 2, 3, 0, 1, 2, 3), b1.metrics());
        assertEquals(List.of(3, 1), script.missing);

        // step 3 (step 2 skipped): 10 and 11 are 2 steps old, beyond the limit; id 12 has equal
        // rewards, so a second call (13–15) fills the batch
        PolicyBatch<String> b3 = sampler.next(3);
        assertArrayEquals(new long[] {13, 14, 15}, ids(b3));
        assertEquals(List.of(), sampler.cached());
        assertEquals(new BackfillMetrics(3, 2, 4, 1, 3, 0, 0, 2, 0, 0, 3), b3.metrics());
        assertEquals(List.of(3, 1, 3, 3), script.missing);
        assertEquals(3, b3.groups().get(0).createdStep());
    }

    /** B 3, G 2, capacity 2, age 2, fresh first. */
    @Test
    void freshFirstTrace() {
        Script script = new Script("01 00 10 11 01 01 10", "00 01 01 01 01", "01");
        BackfillSampler<String> sampler = new BackfillSampler<>(Config.of(3, 2).withCache(2, 2).withOrder(CacheOrder.FRESH_FIRST), script);
        assertArrayEquals(new long[] {0, 2, 4}, ids(sampler.next(0)));

        // step 1: the call comes first and fills the batch with 8, 9, 10; 11 is cached and pushes 5 out
        PolicyBatch<String> b1 = sampler.next(1);
        assertArrayEquals(new long[] {8, 9, 10}, ids(b1));
        assertArrayEquals(new long[] {6, 11}, ids(sampler.cached()));
        assertEquals(new BackfillMetrics(1, 1, 5, 1, 3, 0, 1, 0, 1, 2, 3), b1.metrics());

        // step 2: the call gives 12 only, the cache fills the rest, oldest first (6 is 2 steps old: still allowed)
        PolicyBatch<String> b2 = sampler.next(2);
        assertArrayEquals(new long[] {12, 6, 11}, ids(b2));
        assertEquals(new BackfillMetrics(2, 1, 1, 0, 1, 2, 0, 0, 0, 0, 3), b2.metrics());
        assertEquals(0, b2.groups().get(1).createdStep());
        assertEquals(2, b2.groups().get(1).age(2));
    }

    @Test
    void aFullCacheServesAStepWithoutGenerating() {
        Script script = new Script("01 01 01 01");
        BackfillSampler<String> sampler = new BackfillSampler<>(Config.of(2, 2).withCache(4, 1), script);
        assertArrayEquals(new long[] {0, 1}, ids(sampler.next(0)));
        PolicyBatch<String> b1 = sampler.next(1);
        assertArrayEquals(new long[] {2, 3}, ids(b1));
        assertEquals(1, script.calls());
        assertEquals(new BackfillMetrics(1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2), b1.metrics());
    }

    /** Capacity 0 is verl's recipe: the surplus of the last call is dropped (counted as evicted by capacity). */
    @Test
    void withoutACacheTheSurplusIsDropped() {
        Script script = new Script("01 10 01", "00 01", "10");
        BackfillSampler<String> sampler = new BackfillSampler<>(Config.of(2, 2).withCache(0, 0), script);
        PolicyBatch<String> b0 = sampler.next(0);
        assertArrayEquals(new long[] {0, 1}, ids(b0));
        assertEquals(new BackfillMetrics(0, 1, 3, 0, 2, 0, 1, 0, 1, 0, 2), b0.metrics());
        PolicyBatch<String> b1 = sampler.next(1);
        assertArrayEquals(new long[] {4, 5}, ids(b1));
        assertEquals(new BackfillMetrics(1, 2, 3, 1, 2, 0, 0, 0, 0, 0, 2), b1.metrics());
    }

    /** With G = 1 every group is kept (verl: {@code std > 0 or len == 1}), whatever its reward. */
    @Test
    void singletonsAreAlwaysKept() {
        BackfillSampler<String> sampler = new BackfillSampler<>(Config.of(4, 1), new Script("0 1 0 0 1"));
        PolicyBatch<String> b = sampler.next(0);
        assertArrayEquals(new long[] {0, 1, 2, 3}, ids(b));
        assertEquals(0, b.metrics().dropped());
    }

    @Test
    void theBatchFlattensGroupAfterGroup() {
        BackfillSampler<String> sampler = new BackfillSampler<>(Config.of(2, 3), new Script("001 111 210"));
        PolicyBatch<String> b = sampler.next(0);
        assertEquals(List.of("p0/0", "p0/1", "p0/2", "p2/0", "p2/1", "p2/2"), b.rollouts());
        assertArrayEquals(new float[] {0, 0, 1, 2, 1, 0}, b.rewards());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, b.groupIndex());
        assertEquals(6, b.trajectories());
        assertEquals("p2", b.groups().get(1).promptId());
    }

    @Test
    void boundedCallsFailWithAClearMessage() {
        Script script = new Script("01", "00 11");
        BackfillSampler<String> sampler = new BackfillSampler<>(Config.of(2, 2).withMaxGenerationCalls(3, Shortfall.FAIL), script);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> sampler.next(5));
        assertEquals(3, script.calls());
        assertTrue(e.getMessage().contains("step 5: 3 generation calls drew 5 groups, 4 with equal rewards, leaving 1 of the 2 groups"), e.getMessage());
        assertTrue(e.getMessage().contains("maxGenerationCalls"), e.getMessage());
    }

    @Test
    void boundedCallsCanProceedShort() {
        Script script = new Script("01", "00 11");
        BackfillSampler<String> sampler = new BackfillSampler<>(Config.of(2, 2).withMaxGenerationCalls(3, Shortfall.PROCEED_SHORT), script);
        PolicyBatch<String> b = sampler.next(0);
        assertArrayEquals(new long[] {0}, ids(b));
        assertEquals(new BackfillMetrics(0, 3, 5, 4, 1, 0, 0, 0, 0, 0, 1), b.metrics());
    }

    @Test
    void unlimitedCallsKeepGenerating() {
        String[] calls = new String[51];
        java.util.Arrays.fill(calls, "11");
        calls[50] = "01 10";
        Script script = new Script(calls);
        BackfillSampler<String> sampler = new BackfillSampler<>(Config.of(2, 2).withMaxGenerationCalls(Config.UNLIMITED, Shortfall.FAIL), script);
        PolicyBatch<String> b = sampler.next(0);
        assertArrayEquals(new long[] {50, 51}, ids(b));
        assertEquals(51, b.metrics().generationCalls());
    }

    @Test
    void theDefaultsAreStated() {
        assertEquals(new Config(128, 16, 128, 1, CacheOrder.CACHE_FIRST, 10, Shortfall.FAIL), Config.of(128, 16));
    }

    @Test
    void theMetricsMapHasStableKeys() {
        BackfillMetrics m = new BackfillMetrics(4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertEquals(List.of("backfill/generation_calls", "backfill/groups_drawn", "backfill/groups_dropped", "backfill/groups_fresh",
                "backfill/groups_from_cache", "backfill/groups_to_cache", "backfill/evicted_by_age", "backfill/evicted_by_capacity",
                "backfill/cache_size", "backfill/batch_groups"), List.copyOf(m.toMap().keySet()));
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), List.copyOf(m.toMap().values()));
    }

    @Test
    void badInputsNameTheArgument() {
        expect("batchPrompts", () -> Config.of(0, 2));
        expect("groupSize", () -> Config.of(2, 0));
        expect("cacheCapacity", () -> Config.of(2, 2).withCache(-1, 1));
        expect("maxAge", () -> Config.of(2, 2).withCache(1, -1));
        expect("order", () -> Config.of(2, 2).withOrder(null));
        expect("maxGenerationCalls", () -> Config.of(2, 2).withMaxGenerationCalls(-1, Shortfall.FAIL));
        expect("shortfall", () -> Config.of(2, 2).withMaxGenerationCalls(1, null));
        expect("config", () -> new BackfillSampler<>(null, new Script("01")));
        expect("generator", () -> new BackfillSampler<String>(Config.of(2, 2), null));

        expect("groupSize is 2", () -> new BackfillSampler<>(Config.of(2, 2), new Script("011")).next(0));
        expect("generator returned null", () -> new BackfillSampler<String>(Config.of(2, 2), (step, missing) -> null).next(0));
        BackfillSampler<String> sampler = new BackfillSampler<>(Config.of(1, 2), new Script("01"));
        sampler.next(3);
        expect("step 3", () -> sampler.next(3));

        expect("promptId", () -> new ScoredGroup<>(null, List.of("a"), new float[] {1}));
        expect("rollouts", () -> new ScoredGroup<>("p", List.of(), new float[0]));
        expect("rewards", () -> new ScoredGroup<>("p", List.of("a", "b"), new float[] {1}));
        expect("rewards", () -> new ScoredGroup<>("p", List.of("a"), null));
        expect("rewards[1]", () -> new ScoredGroup<>("p", List.of("a", "b"), new float[] {1, Float.NaN}));
        expect("rewards[0]", () -> new ScoredGroup<>("p", List.of("a"), new float[] {Float.POSITIVE_INFINITY}));
        expect("scored", () -> new RolloutGroup<String>(0, 0, null));
    }

    @Test
    void scoredGroupsCopyTheirInputs() {
        float[] rewards = {0, 1};
        List<String> rollouts = new ArrayList<>(List.of("a", "b"));
        ScoredGroup<String> g = new ScoredGroup<>("p", rollouts, rewards);
        rewards[0] = 1;
        rollouts.clear();
        g.rewards()[1] = 0;
        assertArrayEquals(new float[] {0, 1}, g.rewards());
        assertEquals(List.of("a", "b"), g.rollouts());
        assertTrue(g.informative());
    }
}
