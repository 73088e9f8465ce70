package falconh1r.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import falconh1r.infer.DeepConfOnline;
import falconh1r.infer.DeepConfRunner;
import falconh1r.infer.SamplingParams;
import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import falconh1r.reward.MathReward;
import falconh1r.rl.BackfillSampler;
import falconh1r.rl.Curation;
import falconh1r.rl.Curator;
import falconh1r.rl.GrpoRun;
import falconh1r.rl.GrpoTrainer;
import falconh1r.rl.Problem;
import falconh1r.rl.Rollout;
import falconh1r.rl.RolloutSampler;
import falconh1r.rl.SampledGroups;
import falconh1r.rl.TextCodec;
import falconh1r.sft.DifficultyWeights;
import falconh1r.sft.SampleStream;
import falconh1r.sft.SftOptions;
import falconh1r.sft.SftTrainer;
import falconh1r.tokenizer.Tokenizer;
import falconh1r.train.LrSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The miniature Falcon-H1R, end to end (pipeline.md §1–§4 at toy scale), writing into DIR:
 * <ol>
 *   <li>the task ({@link ChainTask}): disjoint SFT, RL and held-out splits in {@code data/}, the
 *       tokenizer ({@link TaskTokenizer}) in {@code tokenizer.json};
 *   <li>a random tiny Falcon-H1 ({@link DemoOptions#modelConfig}), saved to {@code base/};
 *   <li>SFT ({@link SftTrainer}) with difficulty weights by step count (sampling frequency) and the
 *       balanced token normalisation over simulated ranks: {@code sft/};
 *   <li>curation of the RL split by the SFT model's pass rate ({@link Curator}): {@code curation/};
 *   <li>GRPO with backfill ({@link GrpoRun}) on the kept problems: {@code grpo/};
 *   <li>held-out pass@1 of the base, SFT and RL models; majority@K and DeepConf online at the same
 *       budget K with the SFT and the RL model ({@link Evaluation});
 *   <li>{@code report.md}, {@code metrics.jsonl} (every stage's lines, tagged with {@code stage})
 *       and the plots ({@link Plots}).
 * </ol>
 */
public final class DemoRun {

    /** Hears progress lines (the CLI prints them). */
    @FunctionalInterface
    public interface Listener {
        void log(String line);
    }

    private final DemoOptions o;
    private final Path dir;
    private final Listener listener;
    private final ObjectMapper json = new ObjectMapper();
    private final List<ObjectNode> metrics = new ArrayList<>();
    private final long started = System.nanoTime();

    public DemoRun(DemoOptions options, Path dir, Listener listener) {
        options.validate();
        this.o = options;
        this.dir = dir;
        this.listener = listener == null ? line -> {} : listener;
    }

    /** Runs every stage and writes the report; returns what the report shows. */
    public Report run() {
        ChainTask.Splits splits = ChainTask.splits(o.seed, o.sftProblems, o.rlProblems, o.evalProblems, o.minSteps, o.evalMinSteps,
                o.maxSteps, o.teacherSlip);
        Path sftData = dir.resolve("data").resolve("sft.jsonl");
        ChainTask.Difficulty difficulty = new ChainTask.Difficulty(o.easyMax, o.hardMin);
        writeLines(sftData, splits.sft().stream().map(p -> p.toConversation(json, difficulty).toString()).toList());
        writeLines(dir.resolve("data").resolve("rl.jsonl"), splits.rl().stream().map(p -> p.toRlProblem(json).toString()).toList());
        writeLines(dir.resolve("data").resolve("eval.jsonl"), splits.eval().stream().map(p -> p.toRlProblem(json).toString()).toList());
        writeLines(dir.resolve("tokenizer.json"), List.of(TaskTokenizer.json().strip()));
        Tokenizer tokenizer = TaskTokenizer.create();
        FalconH1Config config = o.modelConfig(tokenizer.vocabSize());
        FalconH1Parameters params = FalconH1Parameters.init(config, o.seed);
        params.save(dir.resolve("base"));
        TextCodec codec = TextCodec.chat(tokenizer, config, null);
        SamplingParams eval = new SamplingParams(o.evalTemperature, 0, o.evalTopP, 0, o.maxNewTokens, null, o.seed);
        log(String.format("data: %d SFT, %d RL, %d held-out problems; model: %d parameters (%d layers, width %d), vocab %d",
                splits.sft().size(), splits.rl().size(), splits.eval().size(), count(params), o.layers, o.hidden, config.vocabSize()));

        Report.Builder report = new Report.Builder(o, count(params));
        try (Backend backend = Backends.create("simd", o.threads)) {
            FalconH1 model = new FalconH1(params, backend);
            report.base = evaluate("base", model, codec, splits.eval(), eval);

            long t = System.nanoTime();
            List<Double> sftLoss = sft(params, tokenizer, sftData);
            model.weightsChanged();
            report.sftLoss = sftLoss;
            report.sftSeconds = seconds(t);
            report.sft = evaluate("sft", model, codec, splits.eval(), eval);
            List<ChainTask.Problem> ts = splits.eval().subList(0, o.tsProblems);
            DeepConfOnline.Settings settings = new DeepConfOnline.Settings(o.budget, o.warmup, o.eta, o.window, 20,
                    java.util.OptionalDouble.empty(), 1);
            t = System.nanoTime();
            report.scaling.add(scaling("SFT", "majority@" + o.budget, model, codec, ts, eval, settings, DeepConfRunner.Mode.MAJORITY));
            report.scaling.add(scaling("SFT", "deepconf@" + o.budget, model, codec, ts, eval, settings, DeepConfRunner.Mode.ONLINE));
            report.scalingSeconds = seconds(t);

            t = System.nanoTime();
            Curator.Result curated = curate(model, codec, splits.rl());
            report.curationSeconds = seconds(t);
            report.histogram = curated.histogram().toText();
            report.kept = curated.kept().size();

            t = System.nanoTime();
            List<double[]> grpo = grpo(params, model, codec, curated.kept().stream().map(Curator.Verdict::problem).toList(), report);
            report.grpoSeconds = seconds(t);
            report.grpo = grpo;
            report.rl = evaluate("rl", model, codec, splits.eval(), eval);

            t = System.nanoTime();
            report.scaling.add(scaling("RL", "majority@" + o.budget, model, codec, ts, eval, settings, DeepConfRunner.Mode.MAJORITY));
            report.scaling.add(scaling("RL", "deepconf@" + o.budget, model, codec, ts, eval, settings, DeepConfRunner.Mode.ONLINE));
            report.scalingSeconds += seconds(t);
        }
        report.totalSeconds = seconds(started);
        Report r = report.build();
        writeLines(dir.resolve("metrics.jsonl"), metrics.stream().map(ObjectNode::toString).toList());
        Plots.write(r, dir.resolve("plots"));
        write(dir.resolve("report.md"), r.markdown());
        return r;
    }

    private List<Double> sft(FalconH1Parameters params, Tokenizer tokenizer, Path data) {
        SftOptions s = new SftOptions();
        s.data = List.of(new SampleStream.Source(data, 1));
        s.steps = o.sftSteps;
        s.batch = o.sftBatch;
        s.ranks = o.sftRanks;
        s.lr = o.sftLr;
        s.warmupRatio = 0.04;
        s.maxLength = 192;
        s.saveEvery = 0;
        s.threads = o.threads;
        s.shuffleBuffer = 1000;
        s.seed = o.seed;
        s.weighting = DifficultyWeights.Mode.SAMPLING;
        s.difficultyBasis = DifficultyWeights.Basis.LABEL;
        s.difficultyTable = "easy:0.5,medium:1,hard:1.5";
        List<Double> losses = new ArrayList<>();
        long every = Math.max(1, o.sftSteps / 10);
        new SftTrainer(s, params, tokenizer, dir.resolve("sft")).run(m -> {
            losses.add(m.tokenLoss());
            metrics.add(tagged("sft", m.toJson()));
            if (m.step() % every == 0 || m.step() == m.totalSteps()) {
                log(String.format("sft step %d/%d: loss %.4f, %.0f tokens/s", m.step(), m.totalSteps(), m.tokenLoss(), m.tokensPerSecond()));
            }
        });
        return losses;
    }

    private Curator.Result curate(FalconH1 model, TextCodec codec, List<ChainTask.Problem> rl) {
        SamplingParams sampling = new SamplingParams(o.curateTemperature, 0, o.curateTopP, 0, o.maxNewTokens, null, o.seed);
        RolloutSampler sampler = new RolloutSampler(model, codec, MathReward::score, sampling);
        List<Problem> problems = rl.stream().map(p -> Evaluation.rlProblem(p, json)).toList();
        Curator.Result result = new Curator(sampler, new Curation(Curation.Config.DEFAULT.withSeed(o.seed)), o.curateK, o.seed)
                .run(problems, null);
        write(dir.resolve("curation").resolve("histogram.txt"), result.histogram().toText());
        Curator.writeKept(result, dir.resolve("curation").resolve("kept.jsonl"));
        ObjectNode m = json.createObjectNode().put("stage", "curation").put("problems", result.verdicts().size())
                .put("kept", result.kept().size());
        for (int c = 0; c <= o.curateK; c++) m.put("pass_" + c + "_of_" + o.curateK, result.histogram().problems(c));
        metrics.add(m);
        log(String.format("curation: %d of %d RL problems kept (pass rate 0 < c/%d < 1, or unsolved without a consistent wrong answer)",
                result.kept().size(), problems.size(), o.curateK));
        return result;
    }

    /** GRPO on the kept problems; returns per step {reward mean, on-policy accuracy}. */
    private List<double[]> grpo(FalconH1Parameters params, FalconH1 model, TextCodec codec, List<Problem> kept, Report.Builder report) {
        List<double[]> curve = new ArrayList<>();
        if (kept.isEmpty()) {
            report.grpoNote = "no problem survived curation; GRPO skipped";
            log("grpo: " + report.grpoNote);
            return curve;
        }
        SamplingParams sampling = new SamplingParams(o.grpoTemperature, 0, 1.0, 0, o.maxNewTokens, null, o.seed);
        RolloutSampler sampler = new RolloutSampler(model, codec, MathReward::score, sampling);
        SampledGroups generator = new SampledGroups(kept, sampler, o.grpoGroup, o.grpoPrompts, o.seed);
        GrpoTrainer.Settings settings = GrpoTrainer.Settings.falconH1r(o.grpoLr).withTemperature(o.grpoTemperature);
        settings = settings.withOptimizer(LrSchedule.constantWithWarmup(o.grpoLr, 2), settings.weightDecay(), settings.optimizer());
        BackfillSampler.Config backfill = BackfillSampler.Config.of(o.grpoPrompts, o.grpoGroup).withCache(o.cacheCapacity, o.maxAge)
                .withMaxGenerationCalls(o.grpoMaxGenerationCalls, BackfillSampler.Shortfall.FAIL);
        deleteIfExists(dir.resolve("grpo").resolve(GrpoRun.METRICS_FILE));   // GrpoRun appends; an earlier run's lines go
        GrpoRun run = new GrpoRun(params, new GrpoTrainer(params, model, settings), new BackfillSampler<Rollout>(backfill, generator),
                generator, dir.resolve("grpo"), 0);
        long every = Math.max(1, o.grpoSteps / 10);
        int done = 0;
        try {
            for (int step = 1; step <= o.grpoSteps; step++) {
                JsonNode m = run.step(step).metrics();
                done = step;
                metrics.add(tagged("grpo", m.toString()));
                double acc = m.get("accuracy").isNull() ? Double.NaN : m.get("accuracy").asDouble();
                curve.add(new double[] {m.get("reward/mean").asDouble(), acc});
                report.grpoCacheHits += m.get("backfill/groups_from_cache").asInt();
                report.grpoDrawn += m.get("backfill/groups_drawn").asInt();
                if (step % every == 0 || step == o.grpoSteps) {
                    log(String.format("grpo step %d/%d: batch reward %.3f, on-policy accuracy %s, groups drawn %d, from cache %d",
                            step, o.grpoSteps, m.get("reward/mean").asDouble(), Double.isNaN(acc) ? "-" : String.format("%.3f", acc),
                            m.get("backfill/groups_drawn").asInt(), m.get("backfill/groups_from_cache").asInt()));
                }
            }
        } catch (IllegalStateException e) {
            // the backfill found too few informative groups: the policy (nearly) always agrees with itself on what is left
            report.grpoNote = "ended after step " + done + " of " + o.grpoSteps + ", when the backfill could no longer fill a batch with "
                    + "informative groups (" + e.getMessage() + ")";
            log("grpo: " + report.grpoNote);
        }
        if (done > 0) run.save(done);
        report.grpoStepsDone = done;
        return curve;
    }

    private Evaluation.PassAt1 evaluate(String name, FalconH1 model, TextCodec codec, List<ChainTask.Problem> problems, SamplingParams s) {
        Evaluation.PassAt1 r = Evaluation.passAt1(model, codec, problems, s, o.passSamples, o.seed + 7);
        ObjectNode m = json.createObjectNode().put("stage", "eval").put("model", name).put("pass@1", r.accuracy())
                .put("samples", o.passSamples).put("problems", problems.size()).put("tokens", r.tokens());
        ObjectNode by = m.putObject("pass@1_by_steps");
        r.byStep().forEach((k, v) -> by.put(Integer.toString(k), v));
        metrics.add(m);
        log(String.format("eval %s: held-out pass@1 %.3f (%d problems x %d samples)", name, r.accuracy(), problems.size(), o.passSamples));
        return r;
    }

    private Evaluation.Scaling scaling(String modelName, String method, FalconH1 model, TextCodec codec, List<ChainTask.Problem> problems,
                                       SamplingParams s, DeepConfOnline.Settings settings, DeepConfRunner.Mode mode) {
        Evaluation.Scaling r = Evaluation.scaling(modelName, method, model, codec, problems, s, settings, mode, o.seed + 11);
        metrics.add(json.createObjectNode().put("stage", "scaling").put("model", modelName).put("method", method)
                .put("accuracy", r.accuracy()).put("tokens", r.tokens()).put("traces", r.traces()).put("stopped", r.stopped())
                .put("problems", problems.size()));
        log(String.format("%s %s: accuracy %.3f, %d tokens, %d traces (%d stopped early)", modelName, method, r.accuracy(), r.tokens(),
                r.traces(), r.stopped()));
        return r;
    }

    private ObjectNode tagged(String stage, String line) {
        try {
            ObjectNode m = json.createObjectNode().put("stage", stage);
            m.setAll((ObjectNode) json.readTree(line));
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void log(String line) {
        listener.log(String.format("[%5.1fs] %s", seconds(started), line));
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    static long count(FalconH1Parameters p) {
        long n = 0;
        for (String name : p.names()) n += p.get(name).length;
        return n;
    }

    private static void deleteIfExists(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        }
    }

    private static void writeLines(Path file, List<String> lines) {
        write(file, String.join("\n", lines) + "\n");
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
