package falconh1r.cli;

import com.fasterxml.jackson.databind.JsonNode;
import falconh1r.infer.SamplingParams;
import falconh1r.kernels.Backend;
import falconh1r.model.FalconH1;
import falconh1r.rl.BackfillSampler;
import falconh1r.rl.GrpoRun;
import falconh1r.rl.GrpoTrainer;
import falconh1r.rl.Rollout;
import falconh1r.rl.RolloutSampler;
import falconh1r.rl.SampledGroups;
import falconh1r.train.AdamW;
import falconh1r.train.GroupAdvantage;
import falconh1r.train.GrpoLoss;
import falconh1r.train.LrSchedule;
import falconh1r.train.NonFiniteGradientPolicy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code falcon-h1r grpo}: GRPO with backfill sampling (pipeline.md §3). */
@Command(name = "grpo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "GRPO training (pipeline.md §3) with online backfill sampling. Each step fills a batch of "
            + "--prompts-per-step prompts whose --group responses got different rewards (groups with equal rewards "
            + "have zero advantage and are dropped; surplus groups of a generation call wait in a bounded cache, at "
            + "most --max-age steps), scores responses with the math reward against the gold answer, computes "
            + "group-normalised advantages, and updates the policy with the clipped surrogate (clip-higher, dual "
            + "clip), truncated importance sampling against the sampler's log-probs, an optional positive-sample "
            + "NLL term, and AdamW. Appends one JSON line of metrics per step to OUT/metrics.jsonl and saves the "
            + "policy in Hugging Face format to OUT/checkpoint-STEP. Defaults are the paper's (report Table 2) or "
            + "verl's where the paper gives none, as marked.")
final class GrpoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    RlOptions rl;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the output folder: metrics.jsonl and checkpoint-STEP/")
    Path out;
    @Option(names = "--force", description = "write into a non-empty --out (metrics.jsonl is appended to)")
    boolean force;
    @Option(names = "--steps", defaultValue = "100", description = "training steps (default ${DEFAULT-VALUE}; not given in the paper)")
    int steps;
    @Option(names = "--prompts-per-step", defaultValue = "128", paramLabel = "B",
            description = "prompts per batch (default ${DEFAULT-VALUE})")
    int promptsPerStep;
    @Option(names = "--group", defaultValue = "16", paramLabel = "G", description = "responses per prompt (default ${DEFAULT-VALUE})")
    int group;
    @Option(names = "--temperature", defaultValue = "0.85", description = "sampling temperature (default ${DEFAULT-VALUE})")
    double temperature;
    @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus mass (default ${DEFAULT-VALUE}; not given in the paper)")
    double topP;
    @Option(names = "--max-new-tokens", defaultValue = "49152", description = "response length limit (default ${DEFAULT-VALUE}: 48K)")
    int maxNewTokens;
    @Option(names = "--lr", defaultValue = "2e-6", description = "learning rate (default ${DEFAULT-VALUE})")
    double lr;
    @Option(names = "--warmup-steps", defaultValue = "10",
            description = "linear warm-up optimizer steps, then constant (default ${DEFAULT-VALUE})")
    int warmupSteps;
    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay (default ${DEFAULT-VALUE}: verl's)")
    double weightDecay;
    @Option(names = "--max-grad-norm", defaultValue = "1.0",
            description = "gradient clipping, 0 for none (default ${DEFAULT-VALUE}: verl's)")
    double maxGradNorm;
    @Option(names = "--eps-low", defaultValue = "0.2", description = "lower clip ratio epsilon (default ${DEFAULT-VALUE})")
    double epsLow;
    @Option(names = "--eps-high", defaultValue = "0.28", description = "upper clip ratio epsilon, clip-higher (default ${DEFAULT-VALUE})")
    double epsHigh;
    @Option(names = "--dual-clip", defaultValue = "3.0",
            description = "dual-clip bound c for negative advantages (default ${DEFAULT-VALUE}: verl's)")
    double dualClip;
    @Option(names = "--tis-cap", defaultValue = "2.0",
            description = "truncated importance sampling cap, Infinity for none (default ${DEFAULT-VALUE})")
    double tisCap;
    @Option(names = "--nll-coef", defaultValue = "0",
            description = "coefficient mu of the NLL term on positive responses (default ${DEFAULT-VALUE}; not given in the paper, VAPO uses 0.1)")
    double nllCoef;
    @Option(names = "--nll-positive", defaultValue = "REWARD",
            description = "positive responses for the NLL term: REWARD (> 0) or ADVANTAGE (> 0) (default ${DEFAULT-VALUE})")
    GrpoLoss.Positive nllPositive;
    @Option(names = "--ppo-epochs", defaultValue = "1", description = "passes over each batch (default ${DEFAULT-VALUE})")
    int ppoEpochs;
    @Option(names = "--mini-batches", defaultValue = "1",
            description = "optimizer steps per pass; must divide B*G (default ${DEFAULT-VALUE}: PPO batch = batch, on-policy)")
    int miniBatches;
    @Option(names = "--micro-batch", defaultValue = "0",
            description = "responses per forward/backward, bounding memory; the loss is verl's token mean per micro-batch over the micro-batch count (default ${DEFAULT-VALUE}: the whole mini-batch)")
    int microBatch;
    @Option(names = "--gen-batch", description = "prompts per generation call (default: B)")
    Integer genBatch;
    @Option(names = "--cache-capacity",
            description = "surplus groups the backfill cache holds, 0 for none (default: B; not given in the paper)")
    Integer cacheCapacity;
    @Option(names = "--max-age", defaultValue = "1",
            description = "cached groups older than this many steps are discarded (default ${DEFAULT-VALUE}; not given in the paper)")
    int maxAge;
    @Option(names = "--cache-order", defaultValue = "CACHE_FIRST", description = "CACHE_FIRST or FRESH_FIRST (default ${DEFAULT-VALUE})")
    BackfillSampler.CacheOrder cacheOrder;
    @Option(names = "--max-gen-calls", defaultValue = "10",
            description = "generation calls per step before failing, 0 for no bound (default ${DEFAULT-VALUE}: verl DAPO's)")
    int maxGenCalls;
    @Option(names = "--save-every", defaultValue = "50",
            description = "steps between checkpoints, 0 for the last only (default ${DEFAULT-VALUE})")
    int saveEvery;
    @Option(names = "--seed", defaultValue = "0", description = "seed of the prompt order and the sampling (default ${DEFAULT-VALUE})")
    long seed;
    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        return UserError.run(spec.commandLine(), () -> {
            InitCommand.checkOut(out, force);
            SamplingParams sampling;
            GrpoTrainer.Settings settings;
            BackfillSampler.Config backfill;
            try {
                if (steps < 1) throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
                if (maxNewTokens < 1) throw new IllegalArgumentException("--max-new-tokens must be at least 1, got " + maxNewTokens);
                if (warmupSteps < 0) throw new IllegalArgumentException("--warmup-steps must be ≥ 0, got " + warmupSteps);
                if (miniBatches < 1 || (long) promptsPerStep * group % miniBatches != 0) {
                    throw new IllegalArgumentException("--mini-batches must divide B*G = " + (long) promptsPerStep * group + ", got " + miniBatches);
                }
                sampling = new SamplingParams(temperature, 0, topP, 0, maxNewTokens, null, seed);
                GrpoLoss.Config loss = GrpoLoss.Config.FALCON_H1R.withClip(epsLow, epsHigh).withDualClip(dualClip).withTisCap(tisCap)
                        .withNll(nllCoef, nllPositive);
                settings = new GrpoTrainer.Settings(loss, GroupAdvantage.Config.VERL, temperature, ppoEpochs, miniBatches, microBatch,
                        LrSchedule.constantWithWarmup(lr, warmupSteps), weightDecay,
                        new AdamW.Settings(0.9, 0.999, 1e-8, maxGradNorm, NonFiniteGradientPolicy.SKIP));
                backfill = new BackfillSampler.Config(promptsPerStep, group, cacheCapacity == null ? promptsPerStep : cacheCapacity, maxAge,
                        cacheOrder, maxGenCalls, BackfillSampler.Shortfall.FAIL);
                if (genBatch != null && genBatch < 1) throw new IllegalArgumentException("--gen-batch must be at least 1, got " + genBatch);
                if (saveEvery < 0) throw new IllegalArgumentException("--save-every must be ≥ 0, got " + saveEvery);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            RlOptions.Inputs in = rl.load();
            PrintWriter err = spec.commandLine().getErr();
            Path last;
            try (Backend b = backend.open()) {
                FalconH1 model = new FalconH1(in.params(), b);
                RolloutSampler sampler = new RolloutSampler(model, in.codec(), RlOptions.REWARD, sampling);
                SampledGroups generator = new SampledGroups(in.problems(), sampler, group, genBatch == null ? promptsPerStep : genBatch, seed);
                GrpoRun run = new GrpoRun(in.params(), new GrpoTrainer(in.params(), model, settings),
                        new BackfillSampler<Rollout>(backfill, generator), generator, out, saveEvery);
                last = run.run(steps, r -> {
                    err.println(progress(r.metrics(), steps));
                    err.flush();
                });
            } catch (IllegalStateException e) {
                throw new UserError(e.getMessage());
            }
            PrintWriter o = spec.commandLine().getOut();
            o.printf("grpo: %d steps; metrics in %s, policy in %s%n", steps, out.resolve(GrpoRun.METRICS_FILE), last);
            o.flush();
            return 0;
        });
    }

    /** One line per step: reward, on-policy accuracy, length, clip fraction, entropy, groups, time. */
    static String progress(JsonNode m, int steps) {
        return String.format(Locale.ROOT, "step %d/%d: reward %.3f, accuracy %s, length %.1f, clipfrac %.4f, entropy %.3f, "
                        + "groups drawn %d kept %d cached %d, %.1fs",
                m.get("step").asInt(), steps, m.get("reward/mean").asDouble(), m.get("accuracy").isNull() ? "-"
                        : String.format(Locale.ROOT, "%.3f", m.get("accuracy").asDouble()), m.get("response_length/mean").asDouble(),
                m.get("actor/pg_clipfrac").asDouble(), m.get("actor/entropy").asDouble(), m.get("backfill/groups_drawn").asInt(),
                m.get("backfill/groups_fresh").asInt(), m.get("backfill/groups_from_cache").asInt(),
                m.get("time/generate_s").asDouble() + m.get("time/update_s").asDouble());
    }
}
