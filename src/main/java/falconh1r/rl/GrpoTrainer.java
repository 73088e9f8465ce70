package falconh1r.rl;

import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Parameters;
import falconh1r.train.AdamW;
import falconh1r.train.GroupAdvantage;
import falconh1r.train.GrpoLoss;
import falconh1r.train.LossAggregation;
import falconh1r.train.LrSchedule;
import falconh1r.train.NonFiniteGradientPolicy;
import falconh1r.train.ParameterGroups;
import falconh1r.train.Reference;
import falconh1r.train.TokenLogprobs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The policy update of one GRPO step (pipeline.md §3.2–§3.5), as verl's {@code dp_actor.update_policy}:
 * <pre>
 *   A   = GroupAdvantage(rewards, group ids)                      one value per rollout (verl: std-normalised)
 *   old = the policy's own log-probs at temperature T, before any update
 *   for epoch in 1..ppoEpochs:
 *     for each of miniBatches contiguous parts of the rollouts:   one optimizer step each
 *       for each micro-batch of microBatch rollouts:
 *         forwardTrain each rollout; gather its response rows / T (ResponseRows)
 *         GrpoLoss: clipped surrogate (ε_low, ε_high, dual clip) × TIS weight min(exp(old − rollout), C), + μ·NLL⁺
 *         scatter dlogits / T back; backward each rollout into the gradients
 *       AdamW (clip, update) at lr(optimizer step); the model is told its weights changed
 * </pre>
 * With one epoch and one mini-batch the update is on-policy: old equals the current log-probs, so
 * ρ ≡ 1 and, as verl's on-policy path, old is not computed separately ({@code oldLogprobs} null:
 * the loss uses its own detached log-probs, for the ratio and the TIS weight alike). The rollout
 * log-probs are the sampler's ({@link Rollout#logprobs}), so TIS corrects the gap between the
 * cached decode that sampled and the full forward that trains.
 * <p>
 * The loss is normalised over each mini-batch as the loss's {@link Reference} does across
 * micro-batches: verl 0.6.0 and TRL divide each micro-batch's aggregate by the number of
 * micro-batches ({@code gradient_accumulation}); verl 0.9 divides by the mini-batch's token and
 * sequence counts. With the micro-batch equal to the mini-batch (the default) verl 0.6.0's
 * token-mean is the token mean of the whole mini-batch, Σ l·m / (Σ m + 1e-8). A micro-batch holds
 * its rollouts' activations at once: it is the memory knob.
 */
public final class GrpoTrainer {

    /**
     * @param loss        the objective (Falcon-H1R: {@link GrpoLoss.Config#FALCON_H1R}, ε 0.2/0.28, dual clip 3, TIS cap 2, β = γ = 0)
     * @param advantage   the advantage estimator (verl's)
     * @param temperature the sampling temperature the logits are divided by (paper 0.85)
     * @param ppoEpochs   passes over the batch (verl {@code ppo_epochs}; paper 1)
     * @param miniBatches optimizer steps per pass (batch / verl {@code ppo_mini_batch_size}; paper 128/128 = 1)
     * @param microBatch  rollouts per forward/backward group (verl {@code ppo_micro_batch_size_per_gpu}); 0: the mini-batch
     * @param schedule    the learning rate of each optimizer step (paper 2e-6, 10 warm-up steps, then constant)
     * @param weightDecay AdamW weight decay (verl's actor default 0.01; not for norms, biases and SSM parameters)
     * @param optimizer   betas, eps, gradient clipping (verl's actor default 1.0) and the non-finite policy
     */
    public record Settings(GrpoLoss.Config loss, GroupAdvantage.Config advantage, double temperature, int ppoEpochs,
                           int miniBatches, int microBatch, LrSchedule schedule, double weightDecay, AdamW.Settings optimizer) {

        public Settings {
            if (loss == null || advantage == null || schedule == null || optimizer == null) {
                throw new IllegalArgumentException("loss, advantage, schedule and optimizer are all needed");
            }
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be finite and > 0, got " + temperature);
            }
            if (ppoEpochs < 1) throw new IllegalArgumentException("ppoEpochs must be at least 1, got " + ppoEpochs);
            if (miniBatches < 1) throw new IllegalArgumentException("miniBatches must be at least 1, got " + miniBatches);
            if (microBatch < 0) throw new IllegalArgumentException("microBatch must be ≥ 0 (0: the mini-batch), got " + microBatch);
            if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("weightDecay must be finite and ≥ 0, got " + weightDecay);
            }
        }

        /**
         * Report Table 2 on verl's actor defaults: {@link GrpoLoss.Config#FALCON_H1R}, verl
         * advantages, T 0.85, one epoch, one mini-batch, lr {@code lr} after 10 linear warm-up
         * steps, weight decay 0.01, AdamW betas (0.9, 0.999), eps 1e-8, clip 1.0; a non-finite
         * gradient skips the step (verl's {@code _optimizer_step}).
         */
        public static Settings falconH1r(double lr) {
            return new Settings(GrpoLoss.Config.FALCON_H1R, GroupAdvantage.Config.VERL, 0.85, 1, 1, 0,
                    LrSchedule.constantWithWarmup(lr, 10), 0.01, new AdamW.Settings(0.9, 0.999, 1e-8, 1.0, NonFiniteGradientPolicy.SKIP));
        }

        public Settings withLoss(GrpoLoss.Config l) {
            return new Settings(l, advantage, temperature, ppoEpochs, miniBatches, microBatch, schedule, weightDecay, optimizer);
        }

        public Settings withTemperature(double t) {
            return new Settings(loss, advantage, t, ppoEpochs, miniBatches, microBatch, schedule, weightDecay, optimizer);
        }

        public Settings withPpo(int epochs, int mini, int micro) {
            return new Settings(loss, advantage, temperature, epochs, mini, micro, schedule, weightDecay, optimizer);
        }

        public Settings withOptimizer(LrSchedule s, double wd, AdamW.Settings o) {
            return new Settings(loss, advantage, temperature, ppoEpochs, miniBatches, microBatch, s, wd, o);
        }
    }

    /** One optimizer step: the mini-batch loss, the loss metrics (token-weighted over its micro-batches), the gradient norm before clipping, the lr. */
    public record Step(double loss, GrpoLoss.Metrics metrics, float gradNorm, double lr) {}

    /** One update: the advantages [N] and its optimizer steps, in order. */
    public record Update(float[] advantages, List<Step> steps) {}

    private final FalconH1 model;
    private final Settings settings;
    private final FalconH1Parameters grads;
    private final Map<String, float[]> gradMap = new LinkedHashMap<>();
    private final AdamW adamw;
    private final float temperature;
    private long optimizerSteps;

    /** Trains {@code params} (f32, the arrays {@code model} runs on) in place. */
    public GrpoTrainer(FalconH1Parameters params, FalconH1 model, Settings settings) {
        if (params == null || model == null || settings == null) throw new IllegalArgumentException("params, model and settings are needed");
        if (params.packing() != null) throw new IllegalArgumentException("training needs f32 parameters, got " + params.packing());
        this.model = model;
        this.settings = settings;
        this.grads = FalconH1Parameters.zeros(params.config());
        for (String name : grads.names()) gradMap.put(name, grads.get(name));
        this.adamw = new AdamW(ParameterGroups.of(params, settings.weightDecay()), settings.optimizer());
        this.temperature = (float) settings.temperature();
    }

    public Settings settings() {
        return settings;
    }

    /** Optimizer steps taken (skipped non-finite ones included). */
    public long optimizerSteps() {
        return optimizerSteps;
    }

    /**
     * Updates the policy on {@code rollouts} [N] with their {@code rewards} [N] and the prompt
     * group of each ({@code groupIds} [N]); N must split into {@code miniBatches} equal parts.
     */
    public Update update(List<Rollout> rollouts, float[] rewards, int[] groupIds) {
        int n = rollouts.size();
        if (n == 0) throw new IllegalArgumentException("no rollouts");
        if (rewards == null || rewards.length != n) throw new IllegalArgumentException("rewards must hold one value per rollout (" + n + ")");
        if (groupIds == null || groupIds.length != n) throw new IllegalArgumentException("groupIds must hold one id per rollout (" + n + ")");
        if (n % settings.miniBatches() != 0) {
            throw new IllegalArgumentException(n + " rollouts do not split into " + settings.miniBatches() + " equal mini-batches");
        }
        for (int i = 0; i < n; i++) {
            if (rollouts.get(i).response().length == 0) throw new IllegalArgumentException("rollout " + i + " has an empty response");
        }
        float[] advantages = GroupAdvantage.compute(rewards, groupIds, settings.advantage());
        float[][] old = settings.ppoEpochs() == 1 && settings.miniBatches() == 1 ? null : ownLogprobs(rollouts);
        int mini = n / settings.miniBatches();
        int micro = settings.microBatch() == 0 ? mini : Math.min(settings.microBatch(), mini);
        List<Step> steps = new ArrayList<>();
        for (int epoch = 0; epoch < settings.ppoEpochs(); epoch++) {
            for (int from = 0; from < n; from += mini) steps.add(miniBatch(rollouts, rewards, advantages, old, from, from + mini, micro));
        }
        return new Update(advantages, List.copyOf(steps));
    }

    /** Rollouts [from, to): forward and backward by micro-batches, then one optimizer step. */
    private Step miniBatch(List<Rollout> rollouts, float[] rewards, float[] advantages, float[][] old, int from, int to, int micro) {
        long tokens = 0;
        for (int i = from; i < to; i++) tokens += rollouts.get(i).response().length;
        int microBatches = (to - from + micro - 1) / micro;
        LossAggregation.Normalizers norm = normalizers(settings.loss().reference(), microBatches, tokens, to - from);
        double loss = 0;
        MetricsSum sum = new MetricsSum();
        for (int s = from; s < to; s += micro) {
            GrpoLoss.Result r = microBatch(rollouts, rewards, advantages, old, s, Math.min(s + micro, to), norm);
            loss += r.loss();
            sum.add(r.metrics());
        }
        double lr = settings.schedule().lr(optimizerSteps);
        float gradNorm = adamw.step(gradMap, lr);
        optimizerSteps++;
        model.weightsChanged();
        for (float[] g : gradMap.values()) Arrays.fill(g, 0f);
        return new Step(loss, sum.mean(), gradNorm, lr);
    }

    /** One micro-batch [from, to): the loss over its right-padded batch, gradients added into {@link #grads}. */
    private GrpoLoss.Result microBatch(List<Rollout> rollouts, float[] rewards, float[] advantages, float[][] old, int from, int to,
                                       LossAggregation.Normalizers norm) {
        int rows = to - from, vocab = model.config().vocabSize(), width = 0;
        for (int i = from; i < to; i++) width = Math.max(width, rollouts.get(i).response().length);
        float[] logits = new float[rows * width * vocab];
        int[] labels = new int[rows * width];
        boolean[] mask = new boolean[rows * width];
        float[] adv = Arrays.copyOfRange(advantages, from, to), rew = Arrays.copyOfRange(rewards, from, to);
        float[] oldLp = old == null ? null : new float[rows * width], rolloutLp = new float[rows * width];
        FalconH1.Trace[] traces = new FalconH1.Trace[rows];
        for (int b = 0; b < rows; b++) {
            Rollout r = rollouts.get(from + b);
            traces[b] = model.forwardTrain(ResponseRows.inputIds(r.prompt(), r.response()));
            ResponseRows.gather(traces[b].logits(), r.prompt().length, r.response().length, temperature, logits, b, width, vocab);
            for (int t = 0; t < r.response().length; t++) {
                labels[b * width + t] = r.response()[t];
                mask[b * width + t] = true;
                rolloutLp[b * width + t] = r.logprobs()[t];
                if (oldLp != null) oldLp[b * width + t] = old[from + b][t];
            }
        }
        float[] dlogits = new float[logits.length];
        GrpoLoss.Result result = GrpoLoss.compute(settings.loss(), new GrpoLoss.Batch(logits, labels, mask, rows, width, vocab, adv,
                oldLp, rolloutLp, null, rew, norm), dlogits);
        for (int b = 0; b < rows; b++) {
            Rollout r = rollouts.get(from + b);
            model.backward(traces[b], ResponseRows.scatter(dlogits, b, width, r.prompt().length, r.response().length, temperature, vocab), grads);
            traces[b] = null;
        }
        return result;
    }

    /** The policy's log-probs of each response at the temperature, log_softmax(logits / T)[token] [N][T_i]. */
    float[][] ownLogprobs(List<Rollout> rollouts) {
        int vocab = model.config().vocabSize();
        float[][] out = new float[rollouts.size()][];
        for (int i = 0; i < out.length; i++) {
            Rollout r = rollouts.get(i);
            int length = r.response().length;
            float[] rows = new float[length * vocab];
            float[] logits = model.forward(ResponseRows.inputIds(r.prompt(), r.response()), null, 0).logits();
            ResponseRows.gather(logits, r.prompt().length, length, temperature, rows, 0, length, vocab);
            boolean[] mask = new boolean[length];
            Arrays.fill(mask, true);
            double[] logp = TokenLogprobs.compute(rows, r.response(), mask, length, vocab, false).logp();
            out[i] = new float[length];
            for (int t = 0; t < length; t++) out[i][t] = (float) logp[t];
        }
        return out;
    }

    /** The batch counts of a mini-batch of {@code sequences} rollouts and {@code tokens} response tokens, split into {@code microBatches}. */
    static LossAggregation.Normalizers normalizers(Reference reference, int microBatches, long tokens, int sequences) {
        return switch (reference) {
            case VERL_0_6_0 -> LossAggregation.Normalizers.LOCAL.withGradAccum(microBatches);
            case VERL_0_9 -> LossAggregation.Normalizers.LOCAL.withGlobalTokens(tokens).withGlobalSequences(sequences);
            case TRL -> LossAggregation.Normalizers.LOCAL.withGradAccum(microBatches).withGlobalTokens(tokens);
        };
    }

    /** Token-weighted means of micro-batch metrics; the loss terms add up. */
    private static final class MetricsSum {
        double pgLoss, clip, clipLower, ppoKl, clipLow, clipHigh, ratio, entropy, kl, nll;
        long tokens;

        void add(GrpoLoss.Metrics m) {
            long w = m.validTokens();
            pgLoss += m.pgLoss();
            clip += w * m.pgClipfrac();
            clipLower += w * m.pgClipfracLower();
            ppoKl += w * m.ppoKl();
            clipLow += w * m.clipLow();
            clipHigh += w * m.clipHigh();
            ratio += w * m.meanRatio();
            entropy += w * m.entropy();
            kl += w * m.kl();
            nll += w * m.nll();
            tokens += w;
        }

        GrpoLoss.Metrics mean() {
            double per = tokens == 0 ? 0 : 1.0 / tokens;
            return new GrpoLoss.Metrics(pgLoss, clip * per, clipLower * per, ppoKl * per, clipLow * per, clipHigh * per, ratio * per,
                    entropy * per, kl * per, nll * per, tokens);
        }
    }
}
