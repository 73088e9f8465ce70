package falconh1r.sft;

import falconh1r.model.FalconH1Parameters;
import falconh1r.train.AdamW;
import falconh1r.train.LrSchedule;
import falconh1r.train.ParameterGroups;
import falconh1r.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The SFT loop (pipeline.md §1): draw a global batch from the {@link SampleStream}, lay it out over
 * ranks and micro-batches ({@link MicroBatches}), compute the rank-averaged gradients with the chosen
 * token normalisation ({@link DataParallel}), take one {@link AdamW} step (clipping, the schedule's
 * lr at this step), log the step to {@code OUT/metrics.jsonl} and, every {@code saveEvery} steps and
 * after the last, write {@code OUT/checkpoint-N} ({@link Checkpoints}).
 *
 * <p>{@link #resume} continues from a checkpoint exactly: the weights, the optimizer moments and
 * step, the data stream (generator, file positions, shuffle buffer) and the step count are restored,
 * and the settings must be those of the interrupted run; every later step then computes what the
 * uninterrupted run computed (bit for bit on a deterministic backend such as scalar).
 */
public final class SftTrainer {

    /** Hears of every step and checkpoint (the CLI's progress bar). */
    public interface Listener {
        void onStep(StepMetrics m);

        default void onCheckpoint(Path checkpoint) {}
    }

    private final SftOptions options;
    private final FalconH1Parameters params;
    private final Tokenizer tokenizer;
    private final Path out;

    /** A run of {@code options} on {@code params} (f32, changed in place), writing into {@code out}. */
    public SftTrainer(SftOptions options, FalconH1Parameters params, Tokenizer tokenizer, Path out) {
        options.validate();
        if (params.packing() != null) throw new IllegalArgumentException("training needs f32 parameters, not " + params.packing());
        this.options = options;
        this.params = params;
        this.tokenizer = tokenizer;
        this.out = out;
    }

    /** A fresh run from step 0. Returns the last step's metrics. */
    public StepMetrics run(Listener listener) {
        BadLines bad = new BadLines(options.strict, 0);
        try (SampleStream stream = new SampleStream(options.data, encoder(), options.difficultyWeights(), bad, options.shuffleBuffer, options.seed)) {
            long total = options.steps > 0 ? options.steps : (long) Math.ceil(options.epochs * stream.epochDraws() / options.batch);
            return loop(stream, bad, newOptimizer(), 0, total, listener);
        }
    }

    /**
     * Continues the run saved in {@code checkpoint} (whose weights {@code params} must already hold:
     * load them with {@link FalconH1Parameters#load} from the checkpoint folder). Its settings must
     * match these options' ({@link SftOptions#trajectory}); a difference is an IllegalArgumentException
     * naming each. Returns the last step's metrics, or null when the checkpoint was the run's last step.
     */
    public StepMetrics resume(Path checkpoint, Listener listener) {
        TrainerState state = TrainerState.read(checkpoint.resolve(TrainerState.FILE));
        Map<String, String> now = options.trajectory(options.steps > 0 ? options.steps : state.totalSteps());
        Set<String> keys = new LinkedHashSet<>(state.trajectory().keySet());
        keys.addAll(now.keySet());
        List<String> diffs = new ArrayList<>();
        for (String k : keys) {
            String saved = state.trajectory().get(k);
            if (!Objects.equals(saved, now.get(k))) diffs.add(k + ": " + saved + " (checkpoint) vs " + now.get(k) + " (now)");
        }
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("cannot resume " + checkpoint + " with other settings: " + String.join("; ", diffs));
        }
        AdamW adamw = newOptimizer();
        adamw.state().load(checkpoint.resolve(Checkpoints.OPTIMIZER));
        BadLines bad = new BadLines(options.strict, state.stream().badLines());
        try (SampleStream stream = SampleStream.restore(options.data, encoder(), options.difficultyWeights(), bad, options.shuffleBuffer, state.stream())) {
            return loop(stream, bad, adamw, state.step(), state.totalSteps(), listener);
        }
    }

    private SampleEncoder encoder() {
        return new SampleEncoder(tokenizer, options.bosToken, options.lossMask, options.maxLength, params.config().vocabSize());
    }

    private AdamW newOptimizer() {
        return new AdamW(ParameterGroups.of(params, options.weightDecay),
                new AdamW.Settings(options.beta1, options.beta2, options.eps, options.maxGradNorm, options.onNonFinite));
    }

    private StepMetrics loop(SampleStream stream, BadLines bad, AdamW adamw, long start, long total, Listener listener) {
        LrSchedule schedule = options.lrSchedule(total);
        FalconH1Parameters grads = FalconH1Parameters.zeros(params.config());
        Map<String, float[]> gradMap = new LinkedHashMap<>();
        for (String name : grads.names()) gradMap.put(name, grads.get(name));
        int threadsPerRank = Math.max(1, options.threads / options.ranks);
        StepMetrics last = null;
        try (DataParallel dp = new DataParallel(params, options.ranks, options.backend, threadsPerRank);
             MetricsLog log = new MetricsLog(out, start)) {
            for (long step = start; step < total; step++) {
                long t0 = System.nanoTime();
                List<SampleStream.Sample> batch = new ArrayList<>(options.batch);
                for (int i = 0; i < options.batch; i++) batch.add(stream.next());
                var layout = options.pack ? MicroBatches.pack(batch, options.ranks, options.packBudget())
                        : MicroBatches.split(batch, options.ranks, options.microBatches());
                DataParallel.Result r = dp.gradients(layout, options.normalization, grads);
                double lr = schedule.lr(step);
                float norm = adamw.step(gradMap, lr);
                dp.weightsChanged();
                double seconds = (System.nanoTime() - t0) / 1e9;
                last = new StepMetrics(step + 1, total, r.loss(), r.tokenLoss(), lr, norm, r.tokens(), r.targetTokens(), seconds,
                        adamw.state().skippedSteps(), bad.count(), stream.dropped(), stream.draws() / stream.epochDraws());
                log.append(last);
                listener.onStep(last);
                if (step + 1 == total || (options.saveEvery > 0 && (step + 1) % options.saveEvery == 0)) {
                    TrainerState state = new TrainerState(step + 1, total, stream.state(), options.trajectory(total));
                    listener.onCheckpoint(Checkpoints.write(out, params, adamw.state(), state));
                }
            }
        }
        return last;
    }
}
