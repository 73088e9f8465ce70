package falconh1r.bench;

import falconh1r.infer.ParallelTraces;
import falconh1r.infer.SamplingParams;
import falconh1r.kernels.Backend;
import falconh1r.kernels.Half;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import java.util.SplittableRandom;

/**
 * Batched decode throughput of {@link ParallelTraces}, as test-time scaling runs it: {@code batch}
 * sampled traces (T 0.6, top-p 0.95, DeepConf's settings) of one random prompt share its prefill,
 * then decode together for {@code decode} tokens each (no stop token), capturing every token's raw
 * log-prob and top-20 log-probs. tokens/s = batch · (decode − 1) / the time from the first token (drawn
 * from the prefill's logits) to the last: the decode steps alone, each sampling and capturing as it goes. One untimed warm-up run of 4 tokens first; the median of {@code repeats}.
 */
public final class TracesBench {

    public record Result(String backend, String dtype, int layers, int prompt, int decode, int batch, int threads,
                         int repeats, double decodeTokensPerSecond) {
        public String line() {
            return String.format("traces %s layers=%d prompt=%d decode=%d batch=%d dtype=%s threads=%d repeats=%d top-logprobs=20: "
                            + "decode tok/s: %.2f", backend, layers, prompt, decode, batch, dtype, threads, repeats,
                    decodeTokensPerSecond);
        }
    }

    private TracesBench() {}

    /** Runs every batch size of {@code batches} on one model (initialised once). */
    public static Result[] run(FalconH1Config config, Half.Format packing, long seed, int prompt, int decode, int[] batches,
                               Backend backend, int threads, int repeats) {
        if (prompt < 1 || decode < 2 || repeats < 1) throw new IllegalArgumentException("prompt >= 1, decode >= 2, repeats >= 1");
        FalconH1 model = new FalconH1(FalconH1Parameters.init(config, seed, packing), backend);
        SplittableRandom rnd = new SplittableRandom(seed + 1);
        int[] ids = new int[prompt];
        for (int i = 0; i < prompt; i++) ids[i] = 1 + rnd.nextInt(config.vocabSize() - 1);
        ParallelTraces engine = new ParallelTraces(model, 20);
        engine.generate(ids, 2, new SamplingParams(0.6, 0, 0.95, 0, 4, null, seed), null);      // warm-up
        Result[] out = new Result[batches.length];
        for (int b = 0; b < batches.length; b++) {
            if (batches[b] < 1) throw new IllegalArgumentException("batch sizes must be >= 1");
            double[] rates = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long[] firstToken = new long[1];
                SamplingParams p = new SamplingParams(0.6, 0, 0.95, 0, decode, null, seed + r);
                engine.generate(ids, batches[b], p, (trace, step, token) -> {
                    if (step == 0 && trace == 0) firstToken[0] = System.nanoTime();    // prefill done
                    return true;
                });
                long t1 = System.nanoTime();
                rates[r] = (double) batches[b] * (decode - 1) / ((t1 - firstToken[0]) / 1e9);
            }
            java.util.Arrays.sort(rates);
            out[b] = new Result(backend.name(), packing == null ? "f32" : packing.name().toLowerCase(), config.numHiddenLayers(),
                    prompt, decode, batches[b], threads, repeats, rates[repeats / 2]);
        }
        return out;
    }
}
