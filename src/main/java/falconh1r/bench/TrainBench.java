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
 *       (the mean over the batch's B·(L−1) predictions, {@code F.cross_entropy}'s default), and
 *       {@link FalconH1#backward} into a gradient accumulator. The model's training forward is per
 *       sequence; how the sequences use the threads is the {@link Split}: in parallel, one part of the
 *       batch per thread (the default), or one after another with every kernel split;
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
    public record Result(String backend, Split split, int layers, long parameters, int batch, int seq, int threads,
                         int warmupSteps, int steps, double tokensPerSecond, double loss, long peakHeapBytes) {
        /** The line {@code bench train} prints (the tail has the same fields as train_torch.py's). */
        public String line() {
            return String.format("train %s split=%s layers=%d params=%.1fM batch=%d seq=%d threads=%d warmup=%d steps=%d: "
                            + "train tok/s: %.2f, loss: %.4f, peak heap MiB: %.0f",
                    backend, split, layers, parameters / 1e6, batch, seq, threads,
                    warmupSteps, steps, tokensPerSecond, loss, peakHeapBytes / 1048576.0);
        }
    }

    private TrainBench() {}

    /** How a step spreads over the threads. */
    public enum Split {
        /**
         * The batch's sequences in parallel: one part of the batch per thread ({@link Backend#forEach}),
         * each sequence's kernels unsplit on its thread, each part with its own gradient accumulator,
         * added up before the optimizer step. Data parallelism within the step: one join per step.
         */
        sequences,
        /** The sequences one after another, every kernel split over the threads (one join per kernel). */
        kernels
    }

    /** Runs on {@code backend} (the caller's; {@code threads} is what it was opened with). */
    public static Result run(FalconH1Config config, long seed, int batch, int seq, int steps, double warmupSeconds,
                             Split split, Backend backend, int threads) {
        if (batch < 1 || seq < 2 || steps < 1 || !(warmupSeconds >= 0) || threads < 1) {
            throw new IllegalArgumentException("batch >= 1, seq >= 2, steps >= 1, warmupSeconds >= 0, threads >= 1");
        }
        ModelBench.resetPeaks();
        FalconH1Parameters params = FalconH1Parameters.init(config, seed);
        long count = 0;
        for (String name : params.names()) count += params.get(name).length;
        FalconH1 model = new FalconH1(params, backend);
        AdamW optimizer = new AdamW(ParameterGroups.of(params, WEIGHT_DECAY), ADAMW);
        FalconH1Parameters[] grads = new FalconH1Parameters[split == Split.sequences ? Math.min(threads, batch) : 1];
        for (int i = 0; i < grads.length; i++) grads[i] = FalconH1Parameters.zeros(config);
        Map<String, float[]> gradMap = new LinkedHashMap<>();                 // what the optimizer sees: grads[0]
        for (String name : params.names()) gradMap.put(name, grads[0].get(name));
        Step step = new Step(model, params, optimizer, grads, gradMap, backend, new SplittableRandom(seed + 1), batch, seq);

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
        return new Result(backend.name(), split, config.numHiddenLayers(), count, batch, seq, threads, warmup, steps,
                rates[steps / 2], loss, ModelBench.peakHeap());
    }

    /** The state one step works on: {@code grads[i]} is part i's accumulator, grads[0] the optimizer's. */
    private record Step(FalconH1 model, FalconH1Parameters params, AdamW optimizer, FalconH1Parameters[] grads,
                        Map<String, float[]> gradMap, Backend backend, SplittableRandom rnd, int batch, int seq) {

        /** One training step; returns the batch's mean token loss. */
        double run() {
            int[][] ids = new int[batch][];
            for (int b = 0; b < batch; b++) ids[b] = ModelBench.randomIds(rnd, seq, model.config().vocabSize());
            double loss = gradients(model, ids, grads, backend);
            optimizer.step(gradMap, LR);
            for (String name : params.names()) backend.weightsChanged(params.get(name));
            for (float[] g : gradMap.values()) Arrays.fill(g, 0f);
            return loss;
        }
    }

    /**
     * The gradient of the batch's mean next-token loss, added into {@code grads[0]}: sequence b runs
     * in part {@code b mod parts}, parts = {@code grads.length}; more than one part run in parallel
     * ({@link Backend#forEach}), part i into {@code grads[i]}, which is then added into grads[0] and
     * zeroed. Returns the loss.
     */
    static double gradients(FalconH1 model, int[][] ids, FalconH1Parameters[] grads, Backend backend) {
        int parts = grads.length, batch = ids.length;
        double[] losses = new double[parts];
        Backend.Task part = i -> {
            for (int b = i; b < batch; b += parts) losses[i] += sequence(model, ids[b], batch, grads[i]);
        };
        if (parts == 1) {
            part.run(0);
        } else {
            backend.forEach(parts, part);
        }
        if (parts > 1) {
            String[] names = grads[0].names().toArray(String[]::new);
            backend.forEach(names.length, t -> {                       // tensors split over the threads
                float[] g = grads[0].get(names[t]);
                for (int i = 1; i < parts; i++) {
                    backend.add(g, g, grads[i].get(names[t]), g.length);
                    Arrays.fill(grads[i].get(names[t]), 0f);
                }
            });
        }
        double loss = 0;
        for (double l : losses) loss += l;
        return loss;
    }

    /**
     * Forward, {@link CrossEntropy} of {@code logits[:-1]} against {@code ids[1:]} at scale
     * 1/(B·(L−1)), and backward of one sequence into {@code g}; returns its share of the loss.
     */
    private static double sequence(FalconH1 model, int[] ids, int batch, FalconH1Parameters g) {
        int vocab = model.config().vocabSize(), rows = ids.length - 1;
        FalconH1.Trace trace = model.forwardTrain(ids);
        boolean[] mask = new boolean[rows];
        Arrays.fill(mask, true);
        float[] dLogits = new float[ids.length * vocab];                  // the last position gets no gradient
        float[] d = new float[rows * vocab];
        double loss = CrossEntropy.compute(Arrays.copyOf(trace.logits(), rows * vocab), Arrays.copyOfRange(ids, 1, ids.length),
                mask, null, rows, vocab, 1.0 / ((double) batch * rows), d).loss();
        System.arraycopy(d, 0, dLogits, 0, rows * vocab);
        model.backward(trace, dLogits, g);
        return loss;
    }
}
