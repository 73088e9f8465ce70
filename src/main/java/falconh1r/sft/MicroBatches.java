package falconh1r.sft;

import java.util.ArrayList;
import java.util.List;

/**
 * How one global batch is laid out over R data-parallel ranks and M micro-batches of gradient
 * accumulation, as [R][M] lists of samples. Rank r takes the r-th contiguous share of B/R samples
 * (a {@code DistributedSampler} without shuffling), then either
 * <ul>
 *   <li>{@link #split}: M micro-batches of B/(R·M) samples each, in order; or
 *   <li>{@link #pack}: micro-batches filled in order up to a token budget (a sample that does not
 *       fit starts the next), verl's dynamic batch size ({@code use_dynamic_bsz} with
 *       {@code max_token_len_per_gpu}); ranks that need fewer get empty micro-batches, so every rank
 *       runs the same count (verl takes the maximum over the group too).
 * </ul>
 * Packing groups samples, it never concatenates them: each sample stays its own sequence through
 * the model (as verl's {@code use_remove_padding} keeps sequence boundaries with varlen attention),
 * so no token attends to, or carries Mamba state from, another sample. It changes which samples
 * share a micro-step, which matters to {@code VERL_PER_MICRO_STEP} normalisation only; the global
 * batch mean of the paper's formula is the same whatever the layout.
 */
public final class MicroBatches {
    private MicroBatches() {}

    /** B samples as [R][M] with B/(R·M) each; B must be a multiple of R·M. */
    public static List<List<List<SampleStream.Sample>>> split(List<SampleStream.Sample> batch, int ranks, int micro) {
        check(batch.size(), ranks);
        if (micro < 1) throw new IllegalArgumentException("micro-batches must be at least 1, got " + micro);
        if (batch.size() % ((long) ranks * micro) != 0) {
            throw new IllegalArgumentException("batch size " + batch.size() + " is not a multiple of ranks × micro-batches = " + ranks + " × " + micro);
        }
        int per = batch.size() / (ranks * micro);
        List<List<List<SampleStream.Sample>>> out = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            List<List<SampleStream.Sample>> rank = new ArrayList<>();
            for (int k = 0; k < micro; k++) {
                int from = (r * micro + k) * per;
                rank.add(List.copyOf(batch.subList(from, from + per)));
            }
            out.add(rank);
        }
        return out;
    }

    /** B samples as [R][M'], each rank's share packed into micro-batches of at most {@code tokens} tokens. */
    public static List<List<List<SampleStream.Sample>>> pack(List<SampleStream.Sample> batch, int ranks, int tokens) {
        check(batch.size(), ranks);
        if (batch.size() % ranks != 0) throw new IllegalArgumentException("batch size " + batch.size() + " is not a multiple of ranks = " + ranks);
        if (tokens < 1) throw new IllegalArgumentException("token budget must be at least 1, got " + tokens);
        int per = batch.size() / ranks, most = 0;
        List<List<List<SampleStream.Sample>>> out = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            List<List<SampleStream.Sample>> rank = new ArrayList<>();
            List<SampleStream.Sample> open = new ArrayList<>();
            long filled = 0;
            for (SampleStream.Sample s : batch.subList(r * per, (r + 1) * per)) {
                if (s.ids().length > tokens) {
                    throw new IllegalArgumentException("a sample of " + s.ids().length + " tokens exceeds the micro-batch budget of " + tokens);
                }
                if (filled + s.ids().length > tokens) {
                    rank.add(List.copyOf(open));
                    open.clear();
                    filled = 0;
                }
                open.add(s);
                filled += s.ids().length;
            }
            if (!open.isEmpty()) rank.add(List.copyOf(open));
            most = Math.max(most, rank.size());
            out.add(rank);
        }
        for (List<List<SampleStream.Sample>> rank : out) {
            while (rank.size() < most) rank.add(List.of());
        }
        return out;
    }

    private static void check(int batch, int ranks) {
        if (ranks < 1) throw new IllegalArgumentException("ranks must be at least 1, got " + ranks);
        if (batch < ranks) throw new IllegalArgumentException("batch size " + batch + " is smaller than ranks = " + ranks);
    }
}
