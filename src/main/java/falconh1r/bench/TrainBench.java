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
 *       {@link FalconH1#backward} into one gradient accumulator (the sequences run one after another:
 *       the model's training forward is per sequence);
 *   <li>{@link AdamW#step}: {@code clip_grad_norm_(1.0)}, then AdamW with lr 1e-4, betas (0.9, 0.95),
 *       eps 1e-8, weight decay 0.1 ({@link ParameterGroups#of(FalconH1Parameters, double)}: no decay
 *       on norms, biases and the SSM parameters; torch's script decays every tensor, the same work);
 *   <li>the gradients are zeroed for the next step.
 * </ol>
 *
 * One untimed warm-up step, then {@code steps} timed steps; tokens/s = B·L / step time, median over
 * the steps. Peak heap as {@link ModelBench}: the sum of the heap pools' peak usage since before the
 * weights were initialised (an upper bound on the true peak).
 */
public final class TrainBench {

    /** Learning rate, betas, eps, weight decay and clipping of {@code bench/train_torch.py}. */
    static final double LR = 1e-4, WEIGHT_DECAY = 0.1;
    static final AdamW.Settings ADAMW = new AdamW.Settings(0.9, 0.95, 1e-8, 1.0, NonFiniteGradientPolicy.SKIP);

    /** One measurement: the median rate over the timed steps, the last step's loss. */
    public record Result(String backend, int layers, long parameters, int batch, int seq, int threads, int steps,
                         double tokensPerSecond, double loss, long peakHeapBytes) {
        /** The line {@code bench train} prints (the tail has the same fields as train_torch.py's). */
        public String line() {
            return String.format("train %s layers=%d params=%.1fM batch=%d seq=%d threads=%d steps=%d: "
                            + "train tok/s: %.2f, loss: %.4f, peak heap MiB: %.0f",
                    backend, layers, parameters / 1e6, batch, seq, threads, steps, tokensPerSecond, loss,
                    peakHeapBytes / 1048576.0);
        }
    }

    private TrainBench() {}

    /** Runs on {@code backend} (the caller's; {@code threads} is what it was opened with, for the report). */
    public static Result run(FalconH1Config config, long seed, int batch, int seq, int steps, Backend backend, int threads) {
        if (batch < 1 || seq < 2 || steps < 1) throw new IllegalArgumentException("batch >= 1, seq >= 2, steps >= 1");
        ModelBench.resetPeaks();
        FalconH1Parameters params = FalconH1Parameters.init(config, seed);
        long count = 0;
        for (String name : params.names()) count += params.get(name).length;
        FalconH1 model = new FalconH1(params, backend);
        AdamW optimizer = new AdamW(ParameterGroups.of(params, WEIGHT_DECAY), ADAMW);
        FalconH1Parameters grads = FalconH1Parameters.zeros(config);
        Map<String, float[]> gradMap = new LinkedHashMap<>();
        for (String name : grads.names()) gradMap.put(name, grads.get(name));
        Step step = new Step(model, params, optimizer, grads, gradMap, backend, new SplittableRandom(seed + 1), batch, seq);

        step.run();                                                    // warm-up (untimed)
        double[] rates = new double[steps];
        double loss = 0;
        for (int s = 0; s < steps; s++) {
            long t0 = System.nanoTime();
            loss = step.run();
            rates[s] = (double) batch * seq / ((System.nanoTime() - t0) / 1e9);
        }
        Arrays.sort(rates);
        return new Result(backend.name(), config.numHiddenLayers(), count, batch, seq, threads, steps, rates[steps / 2], loss,
                ModelBench.peakHeap());
    }

    /** The state one step works on. */
    private record Step(FalconH1 model, FalconH1Parameters params, AdamW optimizer, FalconH1Parameters grads,
                        Map<String, float[]> gradMap, Backend backend, SplittableRandom rnd, int batch, int seq) {

        /** One training step; returns the batch's mean token loss. */
        double run() {
            int vocab = model.config().vocabSize(), rows = seq - 1;
            double scale = 1.0 / ((double) batch * rows), loss = 0;
            boolean[] mask = new boolean[rows];
            Arrays.fill(mask, true);
            for (int b = 0; b < batch; b++) {
                int[] ids = ModelBench.randomIds(rnd, seq, vocab);
                FalconH1.Trace trace = model.forwardTrain(ids);
                // logits[:-1] predict ids[1:]; the last position gets no gradient
                float[] predictions = Arrays.copyOf(trace.logits(), rows * vocab);
                float[] dPredictions = new float[rows * vocab];
                loss += CrossEntropy.compute(predictions, Arrays.copyOfRange(ids, 1, seq), mask, null, rows, vocab, scale,
                        dPredictions).loss();
                model.backward(trace, Arrays.copyOf(dPredictions, seq * vocab), grads);
            }
            optimizer.step(gradMap, LR);
            for (String name : params.names()) backend.weightsChanged(params.get(name));
            for (float[] g : gradMap.values()) Arrays.fill(g, 0f);
            return loss;
        }
    }
}
