package falconh1r.bench;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Half;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Cache;
import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.SplittableRandom;

/**
 * Times a random-initialised {@link FalconH1} end to end, as {@code bench/model_torch.py} times
 * transformers' {@code FalconH1ForCausalLM}:
 *
 * <ul>
 *   <li><b>prefill</b>: {@link FalconH1#prefillLast} of a random prompt of {@code prompt} tokens into an
 *       empty cache, for each of the {@code batch} rows (rows run one after another: prefill is per
 *       sequence); timed from the first row's start to the last row's end, logits of the last
 *       position only (transformers: one forward of [B, L] with {@code use_cache=True, logits_to_keep=1}).
 *   <li><b>decode</b>: {@code decode} greedy steps after it; each step takes the argmax of every row's
 *       logits and runs one batched {@link FalconH1#decode(FalconH1Cache[], int[])} over all rows
 *       (every weight read once per step). tokens/s = batch · decode / time.
 * </ul>
 *
 * Before timing, one untimed warm-up (a {@code min(prompt, 64)}-token prefill and 4 decode steps on
 * one row) lets C2 compile the kernels. {@code repeats} measurements are taken and the median of each
 * rate reported.
 *
 * <p>Peak heap: each heap {@link MemoryPoolMXBean}'s peak usage is reset at the start (before the
 * weights are initialised), and the sum of the pools' peaks
 * after the run is reported. The pools peak at different moments, so the sum is an upper bound on
 * the true peak of the heap (committed-and-used bytes, garbage not yet collected included).
 */
public final class ModelBench {

    /** One measurement (rates are medians over the repeats). */
    public record Result(String backend, String dtype, int layers, long parameters, int prompt, int decode, int batch, int threads,
                         int repeats, double prefillTokensPerSecond, double decodeTokensPerSecond, long peakHeapBytes,
                         long weightBytes) {
        /** The line `bench model` prints. */
        public String line() {
            return String.format("model %s layers=%d params=%.1fM prompt=%d decode=%d batch=%d dtype=%s threads=%d repeats=%d: "
                            + "prefill tok/s: %.2f, decode tok/s: %.2f, weights MiB: %.0f, peak heap MiB: %.0f",
                    backend, layers, parameters / 1e6, prompt, decode, batch, dtype, threads, repeats, prefillTokensPerSecond,
                    decodeTokensPerSecond, weightBytes / 1048576.0, peakHeapBytes / 1048576.0);
        }
    }

    private ModelBench() {}

    /**
     * Runs on {@code backend} (the caller's; {@code threads} is what it was opened with, for the
     * report), with weights stored in f32 ({@code packing} null) or packed bf16/fp16.
     */
    public static Result run(FalconH1Config config, Half.Format packing, long seed, int prompt, int decode, int batch, Backend backend,
                             int threads, int repeats) {
        if (prompt < 1 || decode < 0 || batch < 1 || repeats < 1) {
            throw new IllegalArgumentException("prompt >= 1, decode >= 0, batch >= 1, repeats >= 1");
        }
        resetPeaks();
        FalconH1Parameters params = FalconH1Parameters.init(config, seed, packing);
        long weights = 0;
        for (String name : params.names()) weights += java.util.Arrays.stream(params.shape(name)).asLongStream().reduce(1, Math::multiplyExact);
        FalconH1 model = new FalconH1(params, backend);
        SplittableRandom rnd = new SplittableRandom(seed + 1);
        int vocab = config.vocabSize();

        // warm-up (untimed)
        int[] warm = randomIds(rnd, Math.min(prompt, 64), vocab);
        FalconH1Cache wc = model.newCache(warm.length + 4);
        float[] wl = model.prefillLast(wc, warm, 0, null);
        for (int s = 0; s < 4; s++) wl = model.decode(wc, FalconH1.argmax(wl, 0, vocab));

        double[] pre = new double[repeats], dec = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            int[][] prompts = new int[batch][];
            for (int b = 0; b < batch; b++) prompts[b] = randomIds(rnd, prompt, vocab);
            FalconH1Cache[] caches = new FalconH1Cache[batch];
            float[][] logits = new float[batch][];
            for (int b = 0; b < batch; b++) caches[b] = model.newCache(prompt + decode);
            long t0 = System.nanoTime();
            for (int b = 0; b < batch; b++) logits[b] = model.prefillLast(caches[b], prompts[b], 0, null);
            long t1 = System.nanoTime();
            int[] next = new int[batch];
            for (int b = 0; b < batch; b++) next[b] = FalconH1.argmax(logits[b], 0, vocab);
            for (int s = 0; s < decode; s++) {
                float[] step = model.decode(caches, next);                  // all rows in one step
                for (int b = 0; b < batch; b++) next[b] = FalconH1.argmax(step, b * vocab, vocab);
            }
            long t2 = System.nanoTime();
            pre[r] = (double) batch * prompt / ((t1 - t0) / 1e9);
            dec[r] = decode == 0 ? 0 : (double) batch * decode / ((t2 - t1) / 1e9);
        }
        java.util.Arrays.sort(pre);
        java.util.Arrays.sort(dec);
        return new Result(backend.name(), packing == null ? "f32" : packing.name().toLowerCase(), config.numHiddenLayers(), weights, prompt, decode, batch, threads, repeats,
                pre[repeats / 2], dec[repeats / 2], peakHeap(), params.bytes());
    }

    /** {@code n} random token ids in [1, vocab) (also {@link TrainBench}'s sequences). */
    static int[] randomIds(SplittableRandom rnd, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = 1 + rnd.nextInt(vocab - 1);      // never the pad id 0
        return ids;
    }

    /** Resets every heap pool's peak usage (also {@link TrainBench}'s). */
    static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) pool.resetPeakUsage();
        }
    }

    /** Sum of the heap pools' peak usage since {@link #resetPeaks} (an upper bound on the heap's peak). */
    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) sum += pool.getPeakUsage().getUsed();
        }
        return sum;
    }
}
