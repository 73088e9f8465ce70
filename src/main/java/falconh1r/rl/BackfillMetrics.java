package falconh1r.rl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one step of the {@link BackfillSampler} did. Identities: {@code fromCache + fromFresh ==
 * batchGroups}; {@code drawn == dropped + fromFresh + toCache}; the cache went from its size before
 * the step to {@code cacheSize} by − evictedByAge − fromCache + toCache − evictedByCapacity.
 *
 * @param step              the training step
 * @param generationCalls   generator calls (verl's {@code train/num_gen_batches})
 * @param drawn             groups the calls returned
 * @param dropped           of those, groups with equal rewards (zero advantage), discarded
 * @param fromFresh         batch groups generated in this step
 * @param fromCache         batch groups served from the cache (cache hits)
 * @param toCache           informative groups beyond the batch, put in the cache
 * @param evictedByAge      cached groups older than the age limit, discarded unused
 * @param evictedByCapacity cached groups pushed out of a full cache, discarded unused
 * @param cacheSize         groups in the cache after the step
 * @param batchGroups       groups in the policy batch: B, fewer only when allowed to run short
 */
public record BackfillMetrics(int step, int generationCalls, int drawn, int dropped, int fromFresh, int fromCache, int toCache,
                              int evictedByAge, int evictedByCapacity, int cacheSize, int batchGroups) {

    /** The fields under "backfill/…" keys, in declaration order, for metrics.jsonl. */
    public Map<String, Number> toMap() {
        Map<String, Number> m = new LinkedHashMap<>();
        m.put("backfill/generation_calls", generationCalls);
        m.put("backfill/groups_drawn", drawn);
        m.put("backfill/groups_dropped", dropped);
        m.put("backfill/groups_fresh", fromFresh);
        m.put("backfill/groups_from_cache", fromCache);
        m.put("backfill/groups_to_cache", toCache);
        m.put("backfill/evicted_by_age", evictedByAge);
        m.put("backfill/evicted_by_capacity", evictedByCapacity);
        m.put("backfill/cache_size", cacheSize);
        m.put("backfill/batch_groups", batchGroups);
        return m;
    }
}
