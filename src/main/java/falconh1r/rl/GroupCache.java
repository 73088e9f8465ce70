package falconh1r.rl;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Falcon-H1R's cache of surplus groups (pipeline.md §3.6: "a fixed size and optional periodic
 * refreshes"; capacity and staleness policy [UNCERTAIN], §8 item 12): a first-in first-out queue of
 * at most {@code capacity} groups. Adding to a full cache evicts the oldest group; a group more than
 * {@code maxAge} training steps old is evicted before it can be served. Groups enter in order of
 * their creation step, so the oldest are always at the head and both evictions take from there.
 * Capacity 0 turns the cache off (verl's DAPO recipe, which drops the surplus).
 */
final class GroupCache<R> {
    private final int capacity;
    private final int maxAge;
    private final ArrayDeque<RolloutGroup<R>> queue = new ArrayDeque<>();

    GroupCache(int capacity, int maxAge) {
        this.capacity = capacity;
        this.maxAge = maxAge;
    }

    /** Evicts the groups older than {@code maxAge} at training step {@code step}; returns how many. */
    int evictStale(int step) {
        int evicted = 0;
        while (!queue.isEmpty() && queue.peekFirst().age(step) > maxAge) {
            queue.pollFirst();
            evicted++;
        }
        return evicted;
    }

    /** Appends {@code group} (no older than any cached group), evicting the oldest first when full; returns how many were evicted (0 or 1). */
    int add(RolloutGroup<R> group) {
        if (capacity == 0) return 1;
        int evicted = 0;
        if (queue.size() == capacity) {
            queue.pollFirst();
            evicted = 1;
        }
        queue.addLast(group);
        return evicted;
    }

    /** The oldest group, removed; null when empty. */
    RolloutGroup<R> poll() {
        return queue.pollFirst();
    }

    int size() {
        return queue.size();
    }

    /** The cached groups, oldest first. */
    List<RolloutGroup<R>> snapshot() {
        return List.copyOf(queue);
    }
}
