package falconh1r.sft;

import falconh1r.train.LrSchedule;
import falconh1r.train.NonFiniteGradientPolicy;
import falconh1r.train.TokenNormalization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting of an SFT run, with the Falcon-H1R report's values as defaults where it gives one
 * (pipeline.md §1.8, Table 1): lr 1.024e-3 (relative to Falcon-H1's µP multipliers), linear
 * schedule, 4% warmup, global batch 512 sequences, 3 epochs, AdamW with weight decay 0.01 and
 * "default" betas (torch's 0.9, 0.999), clipping at 1.0, max length 36K (longer samples right-trimmed),
 * balanced token normalisation as the paper's formula (global batch). The rest are this
 * implementation's choices, documented field by field. Small models scale these down by setting
 * the fields (the demo does).
 */
public final class SftOptions {
    public enum Schedule { LINEAR, COSINE, CONSTANT }

    /** Data files and their mixture weights ({@link SampleStream}). */
    public List<SampleStream.Source> data = new ArrayList<>();
    /** Optimizer steps; 0: {@code ceil(epochs × epoch draws / batch)}. */
    public long steps = 0;
    /** Epochs over the weighted data when {@link #steps} is 0 (report: 3). */
    public double epochs = 3;
    /** Global batch in sequences (report: 512). */
    public int batch = 512;
    /** Simulated data-parallel ranks (each a worker thread with its own model replica). */
    public int ranks = 1;
    /** Micro-batches per rank per step (gradient accumulation); 0: one sample per micro-batch. Ignored with {@link #pack}. */
    public int micro = 0;
    /** Peak learning rate (report: 1024e-6 with µP). */
    public double lr = 1.024e-3;
    /** Warmup as a fraction of the steps (report: 4%). */
    public double warmupRatio = 0.04;
    /** Warmup steps; when set (>= 0) it overrides {@link #warmupRatio}. */
    public long warmupSteps = -1;
    /** LR schedule after warmup (report: linear, to 0 at the last step). */
    public Schedule schedule = Schedule.LINEAR;
    /** AdamW weight decay (report: 0.01), not applied to norms, biases and the SSM's A_log, D, dt_bias. */
    public double weightDecay = 0.01;
    /** AdamW betas (report: "default"; torch's defaults) and eps. */
    public double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    /** Gradient clipping by global norm (report: 1.0; 0 turns it off). */
    public double maxGradNorm = 1.0;
    /** What a non-finite gradient norm does: skip the update (default) or stop. */
    public NonFiniteGradientPolicy onNonFinite = NonFiniteGradientPolicy.SKIP;
    /** Token normalisation across ranks and micro-batches (default: the paper's formula). */
    public TokenNormalization.Mode normalization = TokenNormalization.Mode.GLOBAL_BATCH;
    /** Longest sequence in tokens; longer samples are right-trimmed (report: 36K). */
    public int maxLength = 36 * 1024;
    /** Which assistant turns carry the loss (§1.4). */
    public SampleEncoder.LossMask lossMask = SampleEncoder.LossMask.LAST;
    /** Group samples into micro-batches by token budget instead of count ({@link MicroBatches#pack}). */
    public boolean pack = false;
    /** The token budget of a packed micro-batch; 0: {@link #maxLength}. */
    public int packTokens = 0;
    /** How difficulty weights act (§1.5; the report suggests sampling). */
    public DifficultyWeights.Mode weighting = DifficultyWeights.Mode.SAMPLING;
    /** What difficulty is read from. */
    public DifficultyWeights.Basis difficultyBasis = DifficultyWeights.Basis.PASS_RATE;
    /** The bucket table; null: {@link DifficultyWeights#defaultTable}. */
    public String difficultyTable = null;
    /** Samples in the shuffle buffer. */
    public int shuffleBuffer = 1000;
    /** The data order's seed. */
    public long seed = 42;
    /** Stop at the first bad data line instead of skipping it. */
    public boolean strict = false;
    /** The tokenizer's BOS token string the chat template starts with. */
    public String bosToken = "<|begin_of_text|>";
    /** Checkpoint every this many steps (and always after the last); 0: only after the last. */
    public long saveEvery = 500;
    /** Backend name and threads over all ranks. */
    public String backend = "simd";
    public int threads = Runtime.getRuntime().availableProcessors();

    /** Micro-batches per rank when not packing. */
    public int microBatches() {
        return micro > 0 ? micro : batch / ranks;
    }

    /** The packed micro-batch token budget. */
    public int packBudget() {
        return packTokens > 0 ? packTokens : maxLength;
    }

    public DifficultyWeights difficultyWeights() {
        return DifficultyWeights.of(weighting, difficultyBasis, difficultyTable != null ? difficultyTable : DifficultyWeights.defaultTable(difficultyBasis));
    }

    /** The schedule over {@code total} steps. */
    public LrSchedule lrSchedule(long total) {
        long warmup = warmupSteps >= 0 ? warmupSteps : (long) Math.ceil(warmupRatio * total);
        return switch (schedule) {
            case LINEAR -> LrSchedule.linear(lr, warmup, total);
            case COSINE -> LrSchedule.cosine(lr, warmup, total);
            case CONSTANT -> LrSchedule.constantWithWarmup(lr, warmup);
        };
    }

    /** Refuses impossible settings with the option's name. */
    public void validate() {
        if (data.isEmpty()) throw new IllegalArgumentException("data: no data files");
        positive("batch", batch);
        positive("ranks", ranks);
        if (micro < 0) throw new IllegalArgumentException("micro must be >= 0, got " + micro);
        if (batch % ranks != 0) throw new IllegalArgumentException("batch " + batch + " is not a multiple of ranks " + ranks);
        if (!pack && (batch / ranks) % microBatches() != 0) {
            throw new IllegalArgumentException("batch per rank " + batch / ranks + " is not a multiple of micro " + microBatches());
        }
        if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        if (!(epochs > 0) || Double.isInfinite(epochs)) throw new IllegalArgumentException("epochs must be finite and > 0, got " + epochs);
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) throw new IllegalArgumentException("warmup ratio must be in [0, 1], got " + warmupRatio);
        if (maxLength < 2) throw new IllegalArgumentException("max length must be at least 2, got " + maxLength);
        if (packTokens < 0) throw new IllegalArgumentException("pack tokens must be >= 0, got " + packTokens);
        if (pack && packBudget() < maxLength) throw new IllegalArgumentException("pack tokens " + packBudget() + " is below max length " + maxLength);
        positive("shuffle buffer", shuffleBuffer);
        if (saveEvery < 0) throw new IllegalArgumentException("save every must be >= 0, got " + saveEvery);
        positive("threads", threads);
        difficultyWeights();
        lrSchedule(1);
    }

    private static void positive(String name, long value) {
        if (value < 1) throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }

    /**
     * The settings a resumed run must share with the run it continues (everything the data order,
     * the loss and the updates depend on; not the backend, threads, strictness or checkpoint
     * interval), as strings by name.
     */
    public Map<String, String> trajectory(long totalSteps) {
        Map<String, String> m = new LinkedHashMap<>();
        List<String> files = new ArrayList<>();
        for (SampleStream.Source s : data) files.add(s.file().toAbsolutePath().normalize() + ":" + s.weight());
        m.put("data", String.join(",", files));
        m.put("steps", Long.toString(totalSteps));
        m.put("batch", Integer.toString(batch));
        m.put("ranks", Integer.toString(ranks));
        m.put("micro", pack ? "pack:" + packBudget() : Integer.toString(microBatches()));
        m.put("schedule", lrSchedule(totalSteps).toString());
        m.put("weight_decay", Double.toString(weightDecay));
        m.put("betas", beta1 + "," + beta2);
        m.put("eps", Double.toString(eps));
        m.put("max_grad_norm", Double.toString(maxGradNorm));
        m.put("normalization", normalization.name());
        m.put("max_length", Integer.toString(maxLength));
        m.put("loss_mask", lossMask.name());
        m.put("weighting", weighting.name() + " by " + difficultyBasis.name() + " "
                + (difficultyTable != null ? difficultyTable : DifficultyWeights.defaultTable(difficultyBasis)));
        m.put("shuffle_buffer", Integer.toString(shuffleBuffer));
        m.put("seed", Long.toString(seed));
        m.put("bos_token", bosToken);
        return m;
    }
}
