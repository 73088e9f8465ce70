package falconh1r.rl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import falconh1r.model.FalconH1Parameters;
import falconh1r.train.GrpoLoss;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * The GRPO loop (pipeline.md §3): each step the {@link BackfillSampler} assembles a policy batch of
 * B informative groups of G rollouts (fresh from {@link SampledGroups}, or surplus of earlier steps
 * from its cache), the {@link GrpoTrainer} updates the policy on it, one JSON line of metrics is
 * appended to {@code DIR/metrics.jsonl}, and every {@code saveEvery} steps (and after the last) the
 * policy is saved in Hugging Face format to {@code DIR/checkpoint-STEP} (written atomically).
 * <p>
 * Metrics of a step (verl's names where it has one; non-finite values are null):
 * {@code step}, {@code epoch}; {@code reward/mean}, {@code response_length/mean},
 * {@code response_length/clip_ratio} (truncated share) over the policy batch; {@code accuracy}
 * (correct share), {@code generated/rollouts}, {@code generated/truncated},
 * {@code generated/response_tokens} over everything the step generated, kept or not (the on-policy
 * accuracy; null when the batch came from the cache alone); {@code actor/loss}, {@code actor/pg_loss},
 * {@code actor/pg_clipfrac}, {@code actor/pg_clipfrac_lower}, {@code actor/ppo_kl},
 * {@code actor/clip_low}, {@code actor/clip_high}, {@code actor/ratio_mean}, {@code actor/entropy},
 * {@code actor/nll}, {@code actor/grad_norm}, {@code actor/lr} (means over the step's optimizer
 * steps); the {@link BackfillMetrics} ({@code backfill/…}: groups drawn, dropped, kept fresh, cache
 * hits, …); {@code time/generate_s}, {@code time/update_s}.
 */
public final class GrpoRun {

    /** One step: its batch, the trainer's update and the metrics line written. */
    public record StepResult(PolicyBatch<Rollout> batch, GrpoTrainer.Update update, ObjectNode metrics) {}

    /** Sees every step as it ends. */
    @FunctionalInterface
    public interface Listener {
        void onStep(StepResult result);
    }

    public static final String METRICS_FILE = "metrics.jsonl";

    private final FalconH1Parameters params;
    private final GrpoTrainer trainer;
    private final BackfillSampler<Rollout> sampler;
    private final SampledGroups generator;
    private final Path dir;
    private final int saveEvery;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param params    the policy's parameters (the trainer's), saved at checkpoints
     * @param sampler   the backfill sampler over {@code generator}
     * @param dir       the output folder (created when missing)
     * @param saveEvery steps between checkpoints; 0: only after the last step
     */
    public GrpoRun(FalconH1Parameters params, GrpoTrainer trainer, BackfillSampler<Rollout> sampler, SampledGroups generator,
                   Path dir, int saveEvery) {
        if (params == null || trainer == null || sampler == null || generator == null || dir == null) {
            throw new IllegalArgumentException("params, trainer, sampler, generator and dir are all needed");
        }
        if (saveEvery < 0) throw new IllegalArgumentException("saveEvery must be ≥ 0 (0: only at the end), got " + saveEvery);
        this.params = params;
        this.trainer = trainer;
        this.sampler = sampler;
        this.generator = generator;
        this.dir = dir;
        this.saveEvery = saveEvery;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /** Steps 1..steps, a checkpoint every {@code saveEvery} and after the last; returns the last checkpoint's folder. */
    public Path run(int steps, Listener listener) {
        if (steps < 1) throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        Path last = null;
        for (int step = 1; step <= steps; step++) {
            StepResult r = step(step);
            if (listener != null) listener.onStep(r);
            if ((saveEvery > 0 && step % saveEvery == 0) || step == steps) last = save(step);
        }
        return last;
    }

    /** One training step: batch, update, metrics line. Steps must increase. */
    public StepResult step(int step) {
        long t0 = System.nanoTime();
        PolicyBatch<Rollout> batch = sampler.next(step);
        long t1 = System.nanoTime();
        List<Rollout> rollouts = batch.rollouts();
        GrpoTrainer.Update update = trainer.update(rollouts, batch.rewards(), batch.groupIndex());
        long t2 = System.nanoTime();
        ObjectNode m = metrics(step, batch, rollouts, update, (t1 - t0) * 1e-9, (t2 - t1) * 1e-9);
        append(m);
        return new StepResult(batch, update, m);
    }

    /** Saves the policy to {@code DIR/checkpoint-STEP}. */
    public Path save(int step) {
        Path out = dir.resolve("checkpoint-" + step);
        params.save(out);
        return out;
    }

    private ObjectNode metrics(int step, PolicyBatch<Rollout> batch, List<Rollout> rollouts, GrpoTrainer.Update update,
                               double generateSeconds, double updateSeconds) {
        ObjectNode m = json.createObjectNode();
        m.put("step", step);
        m.put("epoch", generator.epoch());
        double reward = 0, length = 0, truncated = 0;
        for (Rollout r : rollouts) {
            reward += r.reward();
            length += r.response().length;
            truncated += r.truncated() ? 1 : 0;
        }
        int n = rollouts.size();
        put(m, "reward/mean", reward / n);
        put(m, "response_length/mean", length / n);
        put(m, "response_length/clip_ratio", truncated / n);
        SampledGroups.Stats generated = generator.stats(step);
        put(m, "accuracy", generated.accuracy());
        m.put("generated/rollouts", generated.rollouts());
        m.put("generated/truncated", generated.truncated());
        m.put("generated/response_tokens", generated.responseTokens());
        List<GrpoTrainer.Step> steps = update.steps();
        double loss = 0, gradNorm = 0, lr = 0;
        double[] means = new double[9];
        for (GrpoTrainer.Step s : steps) {
            GrpoLoss.Metrics x = s.metrics();
            double[] v = {x.pgLoss(), x.pgClipfrac(), x.pgClipfracLower(), x.ppoKl(), x.clipLow(), x.clipHigh(), x.meanRatio(),
                x.entropy(), x.nll()};
            for (int i = 0; i < v.length; i++) means[i] += v[i] / steps.size();
            loss += s.loss() / steps.size();
            gradNorm += s.gradNorm() / steps.size();
            lr += s.lr() / steps.size();
        }
        put(m, "actor/loss", loss);
        String[] names = {"actor/pg_loss", "actor/pg_clipfrac", "actor/pg_clipfrac_lower", "actor/ppo_kl", "actor/clip_low",
            "actor/clip_high", "actor/ratio_mean", "actor/entropy", "actor/nll"};
        for (int i = 0; i < names.length; i++) put(m, names[i], means[i]);
        put(m, "actor/grad_norm", gradNorm);
        put(m, "actor/lr", lr);
        for (Map.Entry<String, Number> e : batch.metrics().toMap().entrySet()) m.put(e.getKey(), e.getValue().intValue());
        put(m, "time/generate_s", generateSeconds);
        put(m, "time/update_s", updateSeconds);
        return m;
    }

    private static void put(ObjectNode m, String key, double value) {
        if (Double.isFinite(value)) m.put(key, value);
        else m.putNull(key);
    }

    private void append(ObjectNode line) {
        Path file = dir.resolve(METRICS_FILE);
        try {
            Files.writeString(file, json.writeValueAsString(line) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("metrics of step " + line.get("step") + " do not serialise", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }
}
