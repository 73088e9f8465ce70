package falconh1r.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link MicroBatches}: the [R][M] layouts by count and by token budget, by hand. */
class MicroBatchesTest {

    /** Samples of these lengths, each named by its index (the ref's line). */
    static List<SampleStream.Sample> samples(int... lengths) {
        List<SampleStream.Sample> out = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            out.add(new SampleStream.Sample(new int[lengths[i]], new boolean[lengths[i]], 1f, new SampleStream.Ref(0, 0, i)));
        }
        return out;
    }

    static List<List<List<Long>>> names(List<List<List<SampleStream.Sample>>> layout) {
        return layout.stream().map(rank -> rank.stream().map(mb -> mb.stream().map(s -> s.ref().line()).toList()).toList()).toList();
    }

    @Test
    void splitByCount() {
        assertEquals(List.of(List.of(List.of(0L, 1L), List.of(2L, 3L)), List.of(List.of(4L, 5L), List.of(6L, 7L))),
                names(MicroBatches.split(samples(1, 2, 3, 4, 5, 6, 7, 8), 2, 2)));
        assertThrows(IllegalArgumentException.class, () -> MicroBatches.split(samples(1, 2, 3), 2, 1));
    }

    @Test
    void packByTokenBudgetWithEmptyMicroBatchesForShortRanks() {
        // budget 10, in order: rank 0 holds 5 + 4 | 6 + 3 | 3 + 3; rank 1 holds 2 + 2 + 2 + 2 + 2 | 2 | (empty)
        assertEquals(List.of(List.of(List.of(0L, 1L), List.of(2L, 3L), List.of(4L, 5L)),
                        List.of(List.of(6L, 7L, 8L, 9L, 10L), List.of(11L), List.of())),
                names(MicroBatches.pack(samples(5, 4, 6, 3, 3, 3, 2, 2, 2, 2, 2, 2), 2, 10)));
        assertThrows(IllegalArgumentException.class, () -> MicroBatches.pack(samples(11, 1), 1, 10));
    }
}
