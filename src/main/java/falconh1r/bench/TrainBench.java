package falconh1r.bench;

import falconh1r.kernels.Backend;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import falconh1r.train.AdamW;
import falconh1r.train.CrossEntropy;
import falconh1r.train.NonFiniteGradientPolicy;
import falconh1r.train.ParameterGroups;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Times one training step of a random-initialised f32 {@link FalconH1}, as {@code bench/train_torch.py}
 * times transformers' {@code FalconH1ForCausalLM}. A step:
 *
 * <ol>
 *   <li>for each of {@code batch} random sequences of {@code seq} tokens: {@link FalconH1#forwardTrain},
 *       {@link CrossEntropy} of the next token over its L−1 predictions with scale {@code 1/(B·(L−1))}
 *       (its rows split over the threads)
 *       (the mean over the batch's B·(L−1) predictions, {@code F.cross_entropy}'s default), and
 *       {@link FalconH1#backward} into one gradient accumulator (the sequences run one after another:
 *       the model's training forward is per sequence);
 *   <li>{@link AdamW#step}: {@code clip_grad_norm_(1.0)}, then AdamW with lr 1e-4, betas (0.9, 0.95),
 *       eps 1e-8, weight decay 0.1 ({@link ParameterGroups#of(FalconH1Parameters, double)}: no decay
 *       on norms, biases and the SSM parameters; torch's script decays every tensor, the same work);
 *   <li>the gradients are zeroed for the next step.
 * </ol>
 *
 * Untimed warm-up steps first: one, and more until {@code warmupSeconds} have passed (0: exactly one,
 * as {@code train_torch.py} by default). The JVM compiles the hot code with C2 during the first
 * steps, several seconds of compiler time on 2 cores, so a small model's first dozen steps measure
 * the JIT rather than the kernels; {@code bench/train_compare.sh} gives both sides the same warm-up
 * time. Then {@code steps} timed steps; tokens/s = B·L / step time, median over the steps. Peak heap
 * as {@link ModelBench}: the sum of the heap pools' peak usage since before the weights were
 * initialised (an upper bound on the true peak).
 */
public final class TrainBench {

    /** Learning rate, betas, eps, weight decay and clipping of {@code bench/train_torch.py}. */
    static final double LR = 1e-4, WEIGHT_DECAY = 0.1;
    static final AdamW.Settings ADAMW = new AdamW.Settings(0.9, 0.95, 1e-8, 1.0, NonFiniteGradientPolicy.SKIP);

    /** One measurement: the median rate over the timed steps, the last step's loss. */
    public record Result(String backend, int layers, long parameters, int batch, int seq, int threads, int warmupSteps,
                         int steps, double tokensPerSecond, double loss, long peakHeapBytes) {
        /** The line {@code bench train} prints (the tail has the same fields as train_torch.py's). */
        public String line() {
            return String.format("train %s layers=%d params=%.1fM batch=%d seq=%d threads=%d warmup=%d steps=%d: "
                            + "train tok/s: %.2f, loss: %.4f, peak heap MiB: %.0f",
                    backend, layers, parameters / 1e6, batch, seq, threads, warmupSteps, steps, tokensPerSecond, loss,
                    peakHeapBytes / 1048576.0);
        }
    }

    private TrainBench() {}

    /** Runs on {@code backend} (the caller's; {@code threads} is what it was opened with, for the report). */
    public static Result run(FalconH1Config config, long seed, int batch, int seq, int steps, double warmupSeconds,
                             Backend backend, int threads) {
        if (batch < 1 || seq < 2 || steps < 1 || !(warmupSeconds >= 0)) {
            throw new IllegalArgumentException("batch >= 1, seq >= 2, steps >= 1, warmupSeconds >= 0");
        }
        ModelBench.resetPeaks();
        FalconH1Parameters params = FalconH1Parameters.init(config, seed);
        long count = 0;
        for (String name : params.names()) count += params.get(name).length;
        FalconH1 model = new FalconH1(params, backend);
        AdamW optimizer = new AdamW(ParameterGroups.of(params, WEIGHT_DECAY), ADAMW);
        FalconH1Parameters grads = FalconH1Parameters.zeros(config);
        Map<String, float[]> gradMap = new LinkedHashMap<>();
        for (String name : grads.names()) gradMap.put(name, grads.get(name));
        Step step = new Step(model, params, optimizer, grads, gradMap, backend, threads, new SplittableRandom(seed + 1),
                batch, seq);

        long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        int warmup = 0;
        do {                                                           // warm-up (untimed)
            step.run();
            warmup++;
        } while (System.nanoTime() < warmupEnd);
        double[] rates = new double[steps];
        double loss = 0;
        for (int s = 0; s < steps; s++) {
            long t0 = System.nanoTime();
            loss = step.run();
            rates[s] = (double) batch * seq / ((System.nanoTime() - t0) / 1e9);
        }
        Arrays.sort(rates);
        return new Result(backend.name(), config.numHiddenLayers(), count, batch, seq, threads, warmup, steps, rates[steps / 2], loss,
                ModelBench.peakHeap());
    }

    /** The state one step works on. */
    private record Step(FalconH1 model, FalconH1Parameters params, AdamW optimizer, FalconH1Parameters grads,
                        Map<String, float[]> gradMap, Backend backend, int threads, SplittableRandom rnd, int batch, int seq) {

        /** One training step; returns the batch's mean token loss. */
        double run() {
            int vocab = model.config().vocabSize();
            double scale = 1.0 / ((double) batch * (seq - 1)), loss = 0;
            for (int b = 0; b < batch; b++) {
                int[] ids = ModelBench.randomIds(rnd, seq, vocab);
                FalconH1.Trace trace = model.forwardTrain(ids);
                float[] dLogits = new float[seq * vocab];                  // the last position gets no gradient
                loss += nextTokenLoss(trace.logits(), ids, vocab, scale, dLogits);
                model.backward(trace, dLogits, grads);
            }
            optimizer.step(gradMap, LR);
            for (String name : params.names()) backend.weightsChanged(params.get(name));
            for (float[] g : gradMap.values()) Arrays.fill(g, 0f);
            return loss;
        }

        /**
         * {@link CrossEntropy} of {@code logits[:-1]} against {@code ids[1:]} at {@code scale}, its gradient
         * into the first L−1 rows of {@code dLogits}; returns the scaled loss. The rows are split into
         * one part per thread ({@link Backend#forEach}), each its own {@link CrossEntropy#compute}: the
         * loss is a sum over rows, so the parts add up to the whole.
         */
        double nextTokenLoss(float[] logits, int[] ids, int vocab, double scale, float[] dLogits) {
            int rows = seq - 1, parts = Math.min(threads, rows);
            double[] losses = new double[parts];
            backend.forEach(parts, part -> {
                int r0 = rows * part / parts, r1 = rows * (part + 1) / parts, n = r1 - r0;
                boolean[] mask = new boolean[n];
                Arrays.fill(mask, true);
                float[] d = new float[n * vocab];
                losses[part] = CrossEntropy.compute(Arrays.copyOfRange(logits, r0 * vocab, r1 * vocab),
                        Arrays.copyOfRange(ids, r0 + 1, r1 + 1), mask, null, n, vocab, scale, d).loss();
                System.arraycopy(d, 0, dLogits, r0 * vocab, n * vocab);
            });
            double loss = 0;
            for (double part : losses) loss += part;
            return loss;
        }
    }
}
