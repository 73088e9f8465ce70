package falconh1r.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import falconh1r.model.FalconH1Config;

/**
 * Every setting of the miniature Falcon-H1R run, scaled down from the paper so that the whole
 * pipeline runs in minutes on two cores: {@link #standard()} (the README's run) and {@link #quick()}
 * (the CI smoke run). The paper's value, where it gives one, is named next to each field.
 */
public final class DemoOptions {
    /** Seeds the data, the initial weights and every sampler. */
    public long seed = 0;
    /** CPU threads (SFT ranks run one each; sampling and GRPO use the backend's pool). */
    public int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));

    // the task
    /** Problems in the SFT, RL and held-out evaluation splits (disjoint). */
    public int sftProblems, rlProblems, evalProblems;
    /** Step counts of the problems: SFT and RL in [minSteps, maxSteps], evaluation in [evalMinSteps, maxSteps]. */
    public int minSteps = 1, evalMinSteps = 2, maxSteps;
    /** The SFT teacher's slip probability on large products ({@link ChainTask#generate}). */
    public double teacherSlip = 0.5;
    /** SFT difficulty buckets by step count: easy up to this, hard from {@link #hardMin}. */
    public int easyMax = 2, hardMin;

    // the model (paper: Falcon-H1-7B, 44 layers, d_model 3072)
    public int hidden, layers;

    // SFT (paper Table 1: batch 512, lr 1.024e-3, 3 epochs, linear, 4% warmup)
    public long sftSteps;
    public int sftBatch;
    public double sftLr;
    /** Simulated data-parallel ranks for the balanced token normalisation. */
    public int sftRanks = 2;

    // curation (paper: 8 rollouts at T 0.6, top-p 0.95)
    public int curateK = 8;
    public double curateTemperature = 0.6, curateTopP = 0.95;

    // GRPO (paper Table 2: B 128, G 16, T 0.85, lr 2e-6, eps 0.2/0.28, TIS cap 2)
    public int grpoSteps, grpoPrompts, grpoGroup;
    public double grpoTemperature = 0.85, grpoLr;
    /** Backfill cache capacity in groups and its age limit in steps (paper: not given). */
    public int cacheCapacity, maxAge = 2;
    /** Generation calls one GRPO step may make to fill its batch before it gives up (verl DAPO: 10). */
    public int grpoMaxGenerationCalls = 10;

    // evaluation (paper: T 0.6, top-p 0.95; DeepConf K 512, 16 warm-up traces, eta 10, window 2048)
    public int passSamples;
    public double evalTemperature = 0.6, evalTopP = 0.95;
    /** Problems of the test-time-scaling comparison (the first of the evaluation split). */
    public int tsProblems;
    public int budget, warmup, window;
    public double eta = 10;

    /** Response length limit of every sampler (paper: 32K curation, 48K RL, 64K evaluation). */
    public int maxNewTokens = 64;

    /** The README's run: 3 to 4 minutes on two cores. */
    public static DemoOptions standard() {
        DemoOptions o = new DemoOptions();
        o.sftProblems = 4000;
        o.rlProblems = 1024;
        o.evalProblems = 400;
        o.maxSteps = 6;
        o.hardMin = 5;
        o.hidden = 64;
        o.layers = 2;
        o.sftSteps = 1600;
        o.sftBatch = 32;
        o.sftLr = 3e-3;
        o.grpoSteps = 100;
        o.grpoPrompts = 16;
        o.grpoGroup = 8;
        o.grpoLr = 1e-4;
        o.cacheCapacity = 16;
        o.passSamples = 4;
        o.tsProblems = 200;
        o.budget = 16;
        o.warmup = 4;
        o.window = 8;
        return o;
    }

    /** The CI smoke run: every stage at tiny sizes, about 10 seconds of work. */
    public static DemoOptions quick() {
        DemoOptions o = standard();
        o.sftProblems = 400;
        o.rlProblems = 24;
        o.evalProblems = 24;
        o.hidden = 32;
        o.sftSteps = 30;
        o.sftBatch = 16;
        o.grpoSteps = 3;
        o.grpoPrompts = 4;
        o.grpoGroup = 4;
        o.cacheCapacity = 4;
        o.passSamples = 2;
        o.tsProblems = 8;
        o.budget = 8;
        o.warmup = 2;
        return o;
    }

    /**
     * The tiny Falcon-H1: {@code layers} hybrid blocks of width {@code hidden}, 4 attention heads
     * (2 KV heads), Mamba2 heads of 16 channels with a 16-wide state, MLP 2×, µP multipliers 1,
     * untied head; vocabulary {@code vocab}, the tokenizer's (every id the model can sample decodes).
     */
    public FalconH1Config modelConfig(int vocab) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("model_type", FalconH1Config.MODEL_TYPE);
        c.put("vocab_size", vocab);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", 2 * hidden);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("head_dim", hidden / 4);
        c.put("mamba_d_ssm", hidden);
        c.put("mamba_n_heads", hidden / 16);
        c.put("mamba_d_head", 16);
        c.put("mamba_d_state", 16);
        c.put("mamba_n_groups", 1);
        c.put("mamba_chunk_size", 16);
        c.put("max_position_embeddings", 256);
        c.put("tie_word_embeddings", false);
        c.put("pad_token_id", TaskTokenizer.PAD_ID);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", TaskTokenizer.EOS_ID);
        return FalconH1Config.parse(c.toString(), "the demo model config");
    }

    /** Refuses impossible settings, naming the field. */
    public void validate() {
        positive("sftProblems", sftProblems);
        positive("rlProblems", rlProblems);
        positive("evalProblems", evalProblems);
        if (hidden < 16 || hidden % 16 != 0) throw new IllegalArgumentException("hidden must be a positive multiple of 16, got " + hidden);
        positive("layers", layers);
        positive("sftSteps", sftSteps);
        positive("grpoSteps", grpoSteps);
        positive("threads", threads);
        positive("passSamples", passSamples);
        if (tsProblems < 1 || tsProblems > evalProblems) throw new IllegalArgumentException("tsProblems must be in [1, evalProblems], got " + tsProblems);
        if (warmup < 1 || warmup >= budget) throw new IllegalArgumentException("warmup must be in [1, budget), got " + warmup + " of " + budget);
    }

    private static void positive(String name, long v) {
        if (v < 1) throw new IllegalArgumentException(name + " must be at least 1, got " + v);
    }
}
