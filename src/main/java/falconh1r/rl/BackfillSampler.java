package falconh1r.rl;

import java.util.ArrayList;
import java.util.List;

/**
 * Online sampling with backfill (pipeline.md §3.6, the strategy Falcon-H1R adopted): every step's
 * policy batch holds exactly B groups of G rollouts, none of them with equal rewards (zero
 * advantage). Groups come from the generator, one call at a time, and from a bounded cache of the
 * surplus of earlier steps:
 * <pre>
 *   evict cached groups older than maxAge steps
 *   [CACHE_FIRST] serve cached groups, oldest first, until B
 *   while batch &lt; B:
 *       if maxGenerationCalls calls made: FAIL (throw) or PROCEED_SHORT
 *       groups = generate(step, B − batch); drop those with equal rewards (unless G == 1)
 *       append the rest until B; the surplus of this call goes to the cache (full: oldest evicted)
 *       [FRESH_FIRST] if still short, serve cached groups, oldest first
 * </pre>
 * With capacity 0 this is verl's DAPO {@code filter_groups} (recipe/dapo/dapo_ray_trainer.py at
 * 7f277899): keep a group iff its reward std &gt; 0 or it has one member, generate until B prompts
 * are kept, truncate to B·G trajectories, raise after {@code max_num_gen_batches} calls. The cache
 * is Falcon's addition (about 30% fewer generation calls); its capacity, age limit and refresh
 * are not given [UNCERTAIN], so {@link Config#of} picks capacity B and age 1 (only the previous
 * step's surplus is served) as a default to tune. The age limit is the refresh: nothing older is
 * ever served.
 * <p>
 * Each group gets an id in generation order and the step that generated it; a group is served at
 * most once, because it is in the batch, in the cache or discarded, never two of these. When a
 * step fails, the groups it had collected are discarded. Not thread-safe: one trainer loop calls
 * {@link #next}.
 */
public final class BackfillSampler<R> {

    /** Where a step looks first. */
    public enum CacheOrder {
        /** Serve cached groups before generating (fewest generation calls). */
        CACHE_FIRST,
        /** Generate first; serve cached groups only to fill what a call left short (more on-policy). */
        FRESH_FIRST
    }

    /** What a step does when {@code maxGenerationCalls} calls leave it short. */
    public enum Shortfall {
        /** Throw {@link IllegalStateException}, as verl raises {@code ValueError}. */
        FAIL,
        /** Return the groups it has, fewer than B. */
        PROCEED_SHORT
    }

    /**
     * @param batchPrompts       B, groups per policy batch (paper 128)
     * @param groupSize          G, rollouts per group (paper 16); every generated group must have it
     * @param cacheCapacity      groups the cache holds at most; 0 turns it off
     * @param maxAge             cached groups older than this many steps are evicted unused
     * @param order              cache before or after fresh generation
     * @param maxGenerationCalls generator calls per step at most; {@link #UNLIMITED} (0) for no bound,
     *                           as verl's {@code max_num_gen_batches} (its DAPO scripts use 10)
     * @param shortfall          what happens when the bound is hit short of B
     */
    public record Config(int batchPrompts, int groupSize, int cacheCapacity, int maxAge, CacheOrder order,
                         int maxGenerationCalls, Shortfall shortfall) {
        public static final int UNLIMITED = 0;

        public Config {
            if (batchPrompts < 1) throw new IllegalArgumentException("batchPrompts must be at least 1, got " + batchPrompts);
            if (groupSize < 1) throw new IllegalArgumentException("groupSize must be at least 1, got " + groupSize);
            if (cacheCapacity < 0) throw new IllegalArgumentException("cacheCapacity must be ≥ 0, got " + cacheCapacity);
            if (maxAge < 0) throw new IllegalArgumentException("maxAge must be ≥ 0, got " + maxAge);
            if (order == null) throw new IllegalArgumentException("order is null");
            if (maxGenerationCalls < 0) throw new IllegalArgumentException("maxGenerationCalls must be ≥ 0 (0: unlimited), got " + maxGenerationCalls);
            if (shortfall == null) throw new IllegalArgumentException("shortfall is null");
        }

        /** B and G with the defaults: cache of B groups, age limit 1, cache first, at most 10 calls, fail when short. */
        public static Config of(int batchPrompts, int groupSize) {
            return new Config(batchPrompts, groupSize, batchPrompts, 1, CacheOrder.CACHE_FIRST, 10, Shortfall.FAIL);
        }

        public Config withCache(int capacity, int age) {
            return new Config(batchPrompts, groupSize, capacity, age, order, maxGenerationCalls, shortfall);
        }

        public Config withOrder(CacheOrder newOrder) {
            return new Config(batchPrompts, groupSize, cacheCapacity, maxAge, newOrder, maxGenerationCalls, shortfall);
        }

        public Config withMaxGenerationCalls(int calls, Shortfall whenShort) {
            return new Config(batchPrompts, groupSize, cacheCapacity, maxAge, order, calls, whenShort);
        }
    }

    private final Config config;
    private final GroupGenerator<R> generator;
    private final GroupCache<R> cache;
    private long nextId;
    private int lastStep = Integer.MIN_VALUE;

    public BackfillSampler(Config config, GroupGenerator<R> generator) {
        if (config == null) throw new IllegalArgumentException("config is null");
        if (generator == null) throw new IllegalArgumentException("generator is null");
        this.config = config;
        this.generator = generator;
        this.cache = new GroupCache<>(config.cacheCapacity(), config.maxAge());
    }

    public Config config() {
        return config;
    }

    /** The cached groups, oldest first. */
    public List<RolloutGroup<R>> cached() {
        return cache.snapshot();
    }

    /** Assembles the policy batch of training step {@code step}; steps must increase from call to call. */
    public PolicyBatch<R> next(int step) {
        if (step <= lastStep) throw new IllegalArgumentException("step " + step + " does not follow the last step " + lastStep);
        lastStep = step;
        int b = config.batchPrompts();
        List<RolloutGroup<R>> batch = new ArrayList<>(b);
        List<RolloutGroup<R>> surplus = new ArrayList<>();
        int calls = 0, drawn = 0, dropped = 0, fromFresh = 0, fromCache = 0;
        int evictedByAge = cache.evictStale(step);
        if (config.order() == CacheOrder.CACHE_FIRST) fromCache += serveCached(batch);
        while (batch.size() < b) {
            if (config.maxGenerationCalls() != Config.UNLIMITED && calls == config.maxGenerationCalls()) {
                if (config.shortfall() == Shortfall.PROCEED_SHORT) break;
                throw new IllegalStateException("step " + step + ": " + calls + " generation calls drew " + drawn + " groups, "
                        + dropped + " with equal rewards, leaving " + batch.size() + " of the " + b
                        + " groups a batch needs; the data may be too easy or too hard for the policy, or raise maxGenerationCalls (0: unlimited)");
            }
            List<ScoredGroup<R>> generated = generator.generate(step, b - batch.size());
            calls++;
            if (generated == null) throw new IllegalArgumentException("generator returned null at step " + step);
            for (ScoredGroup<R> scored : generated) {
                if (scored == null || scored.size() != config.groupSize()) {
                    throw new IllegalArgumentException("generator returned a group of " + (scored == null ? "null" : scored.size() + " rollouts for prompt " + scored.promptId())
                            + " at step " + step + ", groupSize is " + config.groupSize());
                }
                RolloutGroup<R> group = new RolloutGroup<>(nextId++, step, scored);
                drawn++;
                if (!scored.informative()) {
                    dropped++;
                } else if (batch.size() < b) {
                    batch.add(group);
                    fromFresh++;
                } else {
                    surplus.add(group);
                }
            }
            if (config.order() == CacheOrder.FRESH_FIRST) fromCache += serveCached(batch);
        }
        int evictedByCapacity = 0;
        for (RolloutGroup<R> group : surplus) evictedByCapacity += cache.add(group);
        BackfillMetrics metrics = new BackfillMetrics(step, calls, drawn, dropped, fromFresh, fromCache, surplus.size(),
                evictedByAge, evictedByCapacity, cache.size(), batch.size());
        return new PolicyBatch<>(step, batch, metrics);
    }

    /** Moves cached groups, oldest first, into {@code batch} until it is full; returns how many. */
    private int serveCached(List<RolloutGroup<R>> batch) {
        int served = 0;
        while (batch.size() < config.batchPrompts() && cache.size() > 0) {
            batch.add(cache.poll());
            served++;
        }
        return served;
    }
}
