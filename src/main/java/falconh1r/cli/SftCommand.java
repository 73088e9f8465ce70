package falconh1r.cli;

import falconh1r.model.FalconH1Parameters;
import falconh1r.sft.Checkpoints;
import falconh1r.sft.DifficultyWeights;
import falconh1r.sft.MetricsLog;
import falconh1r.sft.SampleEncoder;
import falconh1r.sft.SampleStream;
import falconh1r.sft.SftOptions;
import falconh1r.sft.SftTrainer;
import falconh1r.sft.StepMetrics;
import falconh1r.tokenizer.Tokenizer;
import falconh1r.tokenizer.TokenizerException;
import falconh1r.train.NonFiniteGradientPolicy;
import falconh1r.train.TokenNormalization;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code falcon-h1r sft}: supervised fine-tuning on JSONL conversations (pipeline.md §1). */
@Command(name = "sft", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Supervised fine-tuning of a Falcon-H1 checkpoint on JSONL conversations (pipeline.md §1). Each line: "
                + "{\"messages\": [{\"role\": \"system|user|assistant|tool\", \"content\": ..., \"reasoning\": ...}], "
                + "\"domain\", \"difficulty\" (easy|medium|hard), \"pass_rate\" (0-1)}, the last three optional. Assistant "
                + "reasoning is rendered as <think>...</think> in the Falcon-H1R chat template.",
            "Writes DIR/metrics.jsonl (one line per step) and DIR/checkpoint-N (Hugging Face model, optimizer state, "
                + "trainer_state.json), each checkpoint atomically.",
            "Defaults are the Falcon-H1R report's (Table 1) where it gives one: lr 1.024e-3 (µP), linear schedule, 4%% warmup, "
                + "batch 512, 3 epochs, weight decay 0.01, clipping 1.0, max length 36K, balanced token normalisation; scale "
                + "them down for small models. Errors (bad options, files, a bad data line under --strict) print one line and exit 2."})
final class SftCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", description = "checkpoint folder to start from (not needed with --resume)")
    Path model;
    @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "tokenizer.json whose ids fit the model")
    Path tokenizer;
    @Option(names = "--data", required = true, arity = "1..*", paramLabel = "FILE[:W]",
            description = "JSONL files, each with an optional mixture weight W (default 1): a line of FILE is drawn W "
                    + "times per epoch in expectation, so W = 1 everywhere is plain concatenation")
    List<String> data;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where metrics.jsonl and checkpoints go")
    Path out;
    @Option(names = "--resume", paramLabel = "DIR",
            description = "continue exactly from a checkpoint-N folder, or the latest checkpoint in a run folder; the "
                    + "other options must be the interrupted run's")
    Path resume;
    @Option(names = "--force", description = "start a fresh run in a non-empty --out (its metrics.jsonl is replaced)")
    boolean force;

    @Option(names = "--steps", defaultValue = "0",
            description = "optimizer steps; 0: --epochs over the weighted data (default ${DEFAULT-VALUE})")
    long steps;
    @Option(names = "--epochs", defaultValue = "3", description = "epochs when --steps is 0 (report: ${DEFAULT-VALUE})")
    double epochs;
    @Option(names = "--batch", defaultValue = "512", description = "global batch in sequences (report: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--ranks", defaultValue = "1",
            description = "simulated data-parallel ranks, one worker thread each (default ${DEFAULT-VALUE})")
    int ranks;
    @Option(names = "--micro", defaultValue = "0",
            description = "micro-batches per rank (gradient accumulation); 0: one sample each (default ${DEFAULT-VALUE})")
    int micro;
    @Option(names = "--normalization", defaultValue = "global-batch",
            description = "token normalisation (§1.7): global-batch (the paper's formula), verl-per-micro-step (verl "
                    + "balance_dp_token), per-rank-mean (naive DDP) (default ${DEFAULT-VALUE})")
    String normalization;

    @Option(names = "--lr", defaultValue = "1.024e-3", description = "peak learning rate (report: ${DEFAULT-VALUE}, with µP)")
    double lr;
    @Option(names = "--warmup", defaultValue = "0.04", description = "warmup as a fraction of the steps (report: ${DEFAULT-VALUE})")
    double warmup;
    @Option(names = "--warmup-steps", description = "warmup in steps (overrides --warmup)")
    Long warmupSteps;
    @Option(names = "--schedule", defaultValue = "linear",
            description = "linear, cosine or constant after warmup (report: ${DEFAULT-VALUE})")
    String schedule;
    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay (report: ${DEFAULT-VALUE})")
    double weightDecay;
    @Option(names = "--beta1", defaultValue = "0.9", description = "AdamW beta1 (report: \"default\", torch's ${DEFAULT-VALUE})")
    double beta1;
    @Option(names = "--beta2", defaultValue = "0.999", description = "AdamW beta2 (report: \"default\", torch's ${DEFAULT-VALUE})")
    double beta2;
    @Option(names = "--adam-eps", defaultValue = "1e-8", description = "AdamW eps (default ${DEFAULT-VALUE})")
    double adamEps;
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "gradient clipping; 0: off (report: ${DEFAULT-VALUE})")
    double maxGradNorm;
    @Option(names = "--on-nonfinite", defaultValue = "skip",
            description = "a NaN/Inf gradient norm: skip the step or abort (default ${DEFAULT-VALUE})")
    String onNonFinite;

    @Option(names = "--max-length", defaultValue = "36864",
            description = "tokens per sample; longer ones are right-trimmed (report: 36K = ${DEFAULT-VALUE})")
    int maxLength;
    @Option(names = "--mask", defaultValue = "last",
            description = "loss on the last assistant turn, earlier reasoning stripped (last), or on every assistant turn "
                    + "with its reasoning (all, tool-calling data) (default ${DEFAULT-VALUE})")
    String mask;
    @Option(names = "--pack",
            description = "group samples into micro-batches of up to --pack-tokens tokens instead of by count; each sample "
                    + "stays its own sequence (no attention or Mamba state across samples)")
    boolean pack;
    @Option(names = "--pack-tokens", defaultValue = "0",
            description = "token budget of a packed micro-batch; 0: --max-length (default ${DEFAULT-VALUE})")
    int packTokens;
    @Option(names = "--weighting", defaultValue = "sampling",
            description = "difficulty weights (§1.5) as sampling frequency (sampling), loss multiplier (loss) or not at "
                    + "all (none) (default ${DEFAULT-VALUE})")
    String weighting;
    @Option(names = "--difficulty-by", defaultValue = "pass-rate",
            description = "pass-rate, length (trained tokens) or label (default ${DEFAULT-VALUE})")
    String difficultyBy;
    @Option(names = "--difficulty-table", paramLabel = "B:W,...",
            description = "buckets: a value up to bound B weighs W; defaults: pass-rate "
                    + "0:1.75,0.25:1.5,0.5:1.25,0.75:1,1:0.5; length 2048:0.5,16384:1,inf:1.5; label "
                    + "easy:0.5,medium:1,hard:1.5 (weight 0 drops)")
    String difficultyTable;
    @Option(names = "--shuffle-buffer", defaultValue = "1000", description = "samples in the shuffle buffer (default ${DEFAULT-VALUE})")
    int shuffleBuffer;
    @Option(names = "--seed", defaultValue = "42", description = "data order seed (default ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--strict", description = "stop at the first bad data line (default: skip it with a warning and count it)")
    boolean strict;
    @Option(names = "--bos-token", defaultValue = "<|begin_of_text|>",
            description = "BOS token the chat template starts with (default ${DEFAULT-VALUE})")
    String bosToken;
    @Option(names = "--save-every", defaultValue = "500",
            description = "checkpoint every N steps, and after the last; 0: last only (default ${DEFAULT-VALUE})")
    long saveEvery;
    @Option(names = "--no-progress", description = "print one line per step instead of the progress bar")
    boolean noProgress;
    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        return UserError.run(spec.commandLine(), () -> {
            SftOptions o = options();
            Optional<Path> checkpoint = Optional.empty();
            if (resume != null) {
                checkpoint = Checkpoints.find(resume);
                if (checkpoint.isEmpty()) throw new UserError("--resume: no checkpoint in " + resume);
            } else {
                if (model == null) throw new UserError("--model is required (unless --resume)");
                InitCommand.checkOut(out, force);
            }
            FalconH1Parameters params = FalconH1Parameters.load(checkpoint.orElse(model));
            Tokenizer tok;
            try {
                tok = Tokenizer.load(tokenizer);
            } catch (TokenizerException e) {
                throw new UserError(e.getMessage());
            }
            if (tok.tokenId(bosToken).isEmpty()) throw new UserError("--bos-token: " + bosToken + " is not a token of " + tokenizer);
            PrintWriter w = spec.commandLine().getOut();
            w.printf(Locale.ROOT, "sft: %s, %d files, %s%n", checkpoint.map(p -> "resuming " + p).orElse("from " + model), o.data.size(),
                    o.steps > 0 ? o.steps + " steps" : o.epochs + " epochs");
            w.flush();
            StepMetrics last;
            try (SftProgress progress = new SftProgress(!noProgress, System.err, w)) {
                SftTrainer trainer = new SftTrainer(o, params, tok, out);
                last = checkpoint.isPresent() ? trainer.resume(checkpoint.get(), progress) : trainer.run(progress);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            if (last == null) w.println("sft: the checkpoint was the run's last step; nothing to do");
            else w.printf(Locale.ROOT, "sft: step %d/%d, loss %.4f; metrics in %s%n", last.step(), last.totalSteps(), last.loss(),
                    out.resolve(MetricsLog.FILE));
            w.flush();
            return 0;
        });
    }

    /** The options as the library takes them; a bad value is a {@link UserError} naming the option. */
    SftOptions options() {
        SftOptions o = new SftOptions();
        try {
            o.data = data.stream().map(SampleStream.Source::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new UserError("--data: " + e.getMessage());
        }
        o.steps = steps;
        o.epochs = epochs;
        o.batch = batch;
        o.ranks = ranks;
        o.micro = micro;
        o.normalization = choice("--normalization", normalization, TokenNormalization.Mode.class);
        o.lr = lr;
        o.warmupRatio = warmup;
        o.warmupSteps = warmupSteps == null ? -1 : warmupSteps;
        o.schedule = choice("--schedule", schedule, SftOptions.Schedule.class);
        o.weightDecay = weightDecay;
        o.beta1 = beta1;
        o.beta2 = beta2;
        o.eps = adamEps;
        o.maxGradNorm = maxGradNorm;
        o.onNonFinite = choice("--on-nonfinite", onNonFinite, NonFiniteGradientPolicy.class);
        o.maxLength = maxLength;
        o.lossMask = choice("--mask", mask, SampleEncoder.LossMask.class);
        o.pack = pack;
        o.packTokens = packTokens;
        o.weighting = choice("--weighting", weighting, DifficultyWeights.Mode.class);
        o.difficultyBasis = choice("--difficulty-by", difficultyBy, DifficultyWeights.Basis.class);
        o.difficultyTable = difficultyTable;
        o.shuffleBuffer = shuffleBuffer;
        o.seed = seed;
        o.strict = strict;
        o.bosToken = bosToken;
        o.saveEvery = saveEvery;
        o.backend = backend.name;
        o.threads = backend.threads();
        try {
            o.validate();
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        return o;
    }

    /** An enum constant by its lower-case, dashed name ({@code pass-rate} for PASS_RATE). */
    static <E extends Enum<E>> E choice(String option, String value, Class<E> type) {
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(value.trim().toLowerCase(Locale.ROOT))) return e;
        }
        throw new UserError(option + ": '" + value + "' is not one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
    }
}
