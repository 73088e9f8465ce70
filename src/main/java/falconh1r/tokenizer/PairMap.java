package falconh1r.tokenizer;

import java.util.Arrays;

/**
 * The merges table: a pair of token ids {@code (left, right)} to its {@code (rank, merged id)},
 * in an open-addressing table of primitive longs (no boxing on the merge loop's lookups).
 */
final class PairMap {
    private static final long EMPTY = -1L;

    private long[] keys;
    private long[] values;
    private int size;
    private int mask;

    PairMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        Arrays.fill(keys, EMPTY);
        mask = capacity - 1;
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Sets the pair's rank and merged id; a pair given again keeps the last (as tokenizers' HashMap collect does). */
    void put(int left, int right, int rank, int mergedId) {
        if (2 * (size + 1) > keys.length) grow();
        long key = pair(left, right);
        int i = slot(key);
        if (keys[i] == EMPTY) {
            keys[i] = key;
            size++;
        }
        values[i] = ((long) rank << 32) | (mergedId & 0xFFFFFFFFL);
    }

    /** {@code rank << 32 | mergedId} of the pair, or -1 when it has no merge. */
    long get(int left, int right) {
        long key = pair(left, right);
        int i = slot(key);
        return keys[i] == EMPTY ? -1L : values[i];
    }

    private int slot(long key) {
        int i = (int) mix(key) & mask;
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        return i;
    }

    private static long mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                int j = slot(oldKeys[i]);
                keys[j] = oldKeys[i];
                values[j] = oldValues[i];
            }
        }
    }
}
