package falconh1r.tokenizer;

import java.util.Arrays;

/**
 * The priority queue of candidate merges in one word (tokenizers' {@code Word::merge_all} heap):
 * smallest rank first, then leftmost position, each entry carrying the merged id it was pushed
 * with. A binary min-heap over primitive arrays.
 */
final class MergeQueue {
    private long[] keys = new long[16];
    private int[] ids = new int[16];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    void push(int rank, int pos, int mergedId) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            ids = Arrays.copyOf(ids, size * 2);
        }
        long key = ((long) rank << 32) | pos;
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= key) break;
            keys[i] = keys[parent];
            ids[i] = ids[parent];
            i = parent;
        }
        keys[i] = key;
        ids[i] = mergedId;
    }

    /** Position of the top entry. */
    int topPos() {
        return (int) keys[0];
    }

    /** Merged id of the top entry. */
    int topId() {
        return ids[0];
    }

    void pop() {
        long key = keys[--size];
        int id = ids[size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) break;
            if (child + 1 < size && keys[child + 1] < keys[child]) child++;
            if (key <= keys[child]) break;
            keys[i] = keys[child];
            ids[i] = ids[child];
            i = child;
        }
        keys[i] = key;
        ids[i] = id;
    }
}
