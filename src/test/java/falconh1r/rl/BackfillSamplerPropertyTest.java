package falconh1r.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import falconh1r.rl.BackfillSampler.CacheOrder;
import falconh1r.rl.BackfillSampler.Config;
import falconh1r.rl.BackfillSampler.Shortfall;
import falconh1r.train.GroupAdvantage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded property tests of the backfill sampler over random reward streams and random B, G, cache
 * capacity C, age limit A, cache order and step gaps: the batch is always full, holds no group with
 * equal rewards (so GRPO advantages are never all zero), never serves a group twice, respects the
 * age limit, the cache never exceeds C and serves oldest first; every metric is recounted from the
 * generator's side. A second test bounds the generation calls.
 */
class BackfillSamplerPropertyTest {

    /**
     * Random groups: each call returns 0 … maxPerCall groups; a group is all 0, all 1, Bernoulli(p)
     * with a random p, or drawn from {0, 0.5, 1}. Remembers what it returned, in order, so that
     * group id i must be {@code returned.get(i)}.
     */
    static final class RandomStream implements GroupGenerator<Integer> {
        private final SplittableRandom r;
        private final int groupSize;
        private final int maxPerCall;
        private final int batchPrompts;
        final List<ScoredGroup<Integer>> returned = new ArrayList<>();
        final List<Integer> returnedAtStep = new ArrayList<>();
        int step = Integer.MIN_VALUE;
        int calls, drawn, informative;

        RandomStream(SplittableRandom r, int groupSize, int maxPerCall, int batchPrompts) {
            this.r = r;
            this.groupSize = groupSize;
            this.maxPerCall = maxPerCall;
            this.batchPrompts = batchPrompts;
        }

        @Override
        public List<ScoredGroup<Integer>> generate(int atStep, int missing) {
            if (atStep != step) {
                step = atStep;
                calls = drawn = informative = 0;
            }
            assertTrue(missing >= 1 && missing <= batchPrompts, "missing " + missing);
            calls++;
            int n = r.nextInt(maxPerCall + 1);
            List<ScoredGroup<Integer>> groups = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                float[] rewards = new float[groupSize];
                int kind = r.nextInt(4);
                double p = r.nextDouble();
                for (int j = 0; j < groupSize; j++) {
                    rewards[j] = switch (kind) {
                        case 0 -> 0;
                        case 1 -> 1;
                        case 2 -> r.nextDouble() < p ? 1 : 0;
                        default -> r.nextInt(3) * 0.5f;
                    };
                }
                List<Integer> rollouts = new ArrayList<>();
                for (int j = 0; j < groupSize; j++) rollouts.add(returned.size() * groupSize + j);
                ScoredGroup<Integer> g = new ScoredGroup<>("prompt" + returned.size(), rollouts, rewards);
                groups.add(g);
                returned.add(g);
                returnedAtStep.add(atStep);
                drawn++;
                if (varies(rewards) || groupSize == 1) informative++;
            }
            return groups;
        }
    }

    static boolean varies(float[] rewards) {
        for (float x : rewards) if (x != rewards[0]) return true;
        return false;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
    void batchesAreFullInformativeFreshAndUnique(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int b = 1 + r.nextInt(8), g = 1 + r.nextInt(6), capacity = r.nextInt(13), maxAge = r.nextInt(4);
        CacheOrder order = r.nextBoolean() ? CacheOrder.CACHE_FIRST : CacheOrder.FRESH_FIRST;
        Config config = new Config(b, g, capacity, maxAge, order, Config.UNLIMITED, Shortfall.FAIL);
        RandomStream stream = new RandomStream(r, g, 1 + r.nextInt(2 * b + 2), b);
        BackfillSampler<Integer> sampler = new BackfillSampler<>(config, stream);
        String where = "seed " + seed + " " + config;

        Set<Long> used = new HashSet<>();
        long served = 0, evicted = 0;
        int step = r.nextInt(3);
        for (int s = 0; s < 60; s++, step += 1 + (r.nextInt(5) == 0 ? 1 + r.nextInt(3) : 0)) {
            List<RolloutGroup<Integer>> before = sampler.cached();
            int returnedBefore = stream.returned.size();
            PolicyBatch<Integer> batch = sampler.next(step);
            BackfillMetrics m = batch.metrics();
            String at = where + " step " + step;
            if (stream.step != step) stream.calls = stream.drawn = stream.informative = 0;     // no call this step

            // full, informative, identified, fresh enough, never served before
            assertEquals(b, batch.groups().size(), at);
            assertEquals(b * g, batch.trajectories(), at);
            int fresh = 0;
            for (RolloutGroup<Integer> group : batch.groups()) {
                assertSame(stream.returned.get((int) group.id()), group.scored(), at + ": id " + group.id() + " is not the group generated with it");
                assertEquals((int) stream.returnedAtStep.get((int) group.id()), group.createdStep(), at);
                assertEquals(g, group.scored().size(), at);
                assertTrue(g == 1 || varies(group.scored().rewards()), at + ": group " + group.id() + " has equal rewards");
                assertTrue(group.age(step) >= 0 && group.age(step) <= maxAge, at + ": group " + group.id() + " is " + group.age(step) + " steps old");
                assertTrue(used.add(group.id()), at + ": group " + group.id() + " served twice");
                if (group.createdStep() == step) fresh++;
            }
            if (g > 1) {
                float[] adv = GroupAdvantage.compute(batch.rewards(), batch.groupIndex(), GroupAdvantage.Config.VERL);
                for (int i = 0; i < b; i++) {
                    boolean nonzero = false;
                    for (int j = 0; j < g; j++) nonzero |= adv[i * g + j] != 0;
                    assertTrue(nonzero, at + ": group " + i + " of the batch has zero advantage");
                }
            }

            // the cache: oldest surviving groups are served first, it stays within C, fresh enough, unused
            List<RolloutGroup<Integer>> survivors = new ArrayList<>();
            for (RolloutGroup<Integer> c : before) if (c.age(step) <= maxAge) survivors.add(c);
            List<RolloutGroup<Integer>> fromCache = new ArrayList<>();
            for (RolloutGroup<Integer> group : batch.groups()) if (group.createdStep() < step) fromCache.add(group);
            assertEquals(survivors.subList(0, fromCache.size()).stream().map(RolloutGroup::id).sorted().toList(),
                    fromCache.stream().map(RolloutGroup::id).sorted().toList(), at + ": the cache did not serve its oldest groups");
            if (order == CacheOrder.CACHE_FIRST && survivors.size() >= b) {
                assertEquals(0, m.generationCalls(), at + ": cache first generated though the cache sufficed");
            } else if (order == CacheOrder.CACHE_FIRST) {
                assertEquals(survivors.size(), m.fromCache(), at + ": cache first generated before emptying the cache");
            } else {
                assertTrue(m.generationCalls() >= 1, at + ": fresh first always generates");
            }
            List<RolloutGroup<Integer>> after = sampler.cached();
            assertTrue(after.size() <= capacity, at + ": cache holds " + after.size() + " > " + capacity);
            long previousId = -1;
            for (RolloutGroup<Integer> c : after) {
                assertTrue(c.id() > previousId, at + ": cache out of FIFO order");
                previousId = c.id();
                assertTrue(c.age(step) <= maxAge, at + ": cached group " + c.id() + " too old");
                assertTrue(!used.contains(c.id()), at + ": cached group " + c.id() + " was served");
                assertTrue(g == 1 || varies(c.scored().rewards()), at + ": cached group " + c.id() + " has equal rewards");
            }

            // metrics, recounted
            assertEquals(stream.calls, m.generationCalls(), at);
            assertEquals(stream.returned.size() - returnedBefore, m.drawn(), at);
            assertEquals(stream.drawn, m.drawn(), at);
            assertEquals(stream.drawn - stream.informative, m.dropped(), at);
            assertEquals(fresh, m.fromFresh(), at);
            assertEquals(fromCache.size(), m.fromCache(), at);
            assertEquals(before.size() - survivors.size(), m.evictedByAge(), at);
            assertEquals(stream.informative - fresh, m.toCache(), at);
            assertEquals(after.size(), m.cacheSize(), at);
            assertEquals(b, m.batchGroups(), at);
            assertEquals(step, m.step(), at);
            assertEquals(before.size() - m.evictedByAge() - m.fromCache() + m.toCache() - m.evictedByCapacity(), m.cacheSize(), at);
            served += b;
            evicted += m.evictedByAge() + m.evictedByCapacity();
        }
        long informative = 0;
        for (ScoredGroup<Integer> s : stream.returned) if (g == 1 || varies(s.rewards())) informative++;
        assertEquals(informative, served + evicted + sampler.cached().size(), where + ": every kept group is served, evicted or cached");
    }

    /**
     * With at most M calls per step, mostly equal-reward groups: FAIL either fills the batch in ≤ M
     * calls or throws after exactly M; PROCEED_SHORT never throws and is short only after M calls.
     * Either way no group is served twice, and the sampler goes on after a failed step.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22, 23, 24, 25, 26, 27, 28})
    void generationCallsAreBounded(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int b = 1 + r.nextInt(6), g = 2 + r.nextInt(4), calls = 2 + r.nextInt(3);
        Shortfall shortfall = r.nextBoolean() ? Shortfall.FAIL : Shortfall.PROCEED_SHORT;
        Config config = new Config(b, g, r.nextInt(8), r.nextInt(3), r.nextBoolean() ? CacheOrder.CACHE_FIRST : CacheOrder.FRESH_FIRST,
                calls, shortfall);
        RandomStream stream = new RandomStream(r, g, b + r.nextInt(2 * b), b);
        BackfillSampler<Integer> sampler = new BackfillSampler<>(config, stream);
        Set<Long> used = new HashSet<>();
        int failed = 0, short_ = 0, full = 0;
        for (int step = 0; step < 60; step++) {
            String at = "seed " + seed + " " + config + " step " + step;
            PolicyBatch<Integer> batch;
            try {
                batch = sampler.next(step);
            } catch (IllegalStateException e) {
                if (shortfall != Shortfall.FAIL) fail(at + ": threw " + e);
                assertEquals(step, stream.step, at);
                assertEquals(calls, stream.calls, at + ": failed before its calls were spent");
                failed++;
                continue;
            }
            int made = stream.step == step ? stream.calls : 0;
            assertEquals(made, batch.metrics().generationCalls(), at);
            assertTrue(made <= calls, at + ": " + made + " calls");
            if (batch.groups().size() < b) {
                assertEquals(Shortfall.PROCEED_SHORT, shortfall, at);
                assertEquals(calls, made, at + ": short before its calls were spent");
                short_++;
            }
            else full++;
            assertEquals(batch.groups().size(), batch.metrics().batchGroups(), at);
            for (RolloutGroup<Integer> group : batch.groups()) {
                assertTrue(used.add(group.id()), at + ": group " + group.id() + " served twice");
                assertTrue(varies(group.scored().rewards()), at);
            }
        }
        assertTrue(full > 0 && failed + short_ > 0, "the stream should exercise both outcomes: " + full + " full, " + failed + " failed, " + short_ + " short");
    }
}
