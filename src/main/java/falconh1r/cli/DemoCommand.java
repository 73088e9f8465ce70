package falconh1r.cli;

import falconh1r.demo.DemoOptions;
import falconh1r.demo.DemoRun;
import falconh1r.demo.Report;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code falcon-h1r demo}: the miniature Falcon-H1R, every stage of the paper on a toy task. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The miniature Falcon-H1R: every stage of the paper's pipeline, end to end, on a verifiable toy task "
            + "(chains of digit operations mod 10, e.g. 3+5*2-7, difficulty = number of steps).",
            "",
            "1. data: disjoint SFT, RL and held-out splits; worked solutions as <think> traces ending in \\boxed{answer} "
            + "(the SFT teacher slips on some products, the RL and held-out answers are exact); a character-level BPE "
            + "tokenizer with the chat template's special tokens.",
            "2. a random tiny Falcon-H1 (hybrid attention + Mamba2 layers).",
            "3. SFT with difficulty weights (by step count) and balanced token normalisation over 2 simulated ranks.",
            "4. curation of the RL split by the SFT model's pass rate (8 samples per problem).",
            "5. GRPO with backfill sampling on the kept problems.",
            "6. held-out pass@1 of the base, SFT and RL models; majority@K and DeepConf online at the same budget K "
            + "with the SFT and the RL model, with accuracy and generated tokens.",
            "",
            "Writes DIR/report.md (the tables), DIR/metrics.jsonl (every stage's lines, tagged \"stage\"), a Hugging Face "
            + "checkpoint per stage (DIR/base, DIR/sft/checkpoint-N, DIR/grpo/checkpoint-N), DIR/curation/kept.jsonl, "
            + "DIR/plots/*.png, and prints the tables at the end. The default run takes 3 to 4 minutes on 2 cores "
            + "(more on a busy machine), --quick about 10 seconds (every stage at toy sizes; its numbers mean nothing)."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--quick", description = "the smoke-test run: a tiny model and a few steps of each stage (about 10 seconds)")
    boolean quick;
    @Option(names = "--seed", defaultValue = "0", description = "seed of the data, the initial weights and every sampler (default ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--out", defaultValue = "demo-out", paramLabel = "DIR", description = "the output folder (default ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--force", description = "write into a non-empty --out (files of an earlier run are overwritten, not removed)")
    boolean force;
    @Option(names = "--threads", description = "CPU threads (default: min(2, processors))")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        return UserError.run(spec.commandLine(), () -> {
            InitCommand.checkOut(out, force);
            DemoOptions options = quick ? DemoOptions.quick() : DemoOptions.standard();
            options.seed = seed;
            if (threads != null) options.threads = threads;
            PrintWriter err = spec.commandLine().getErr();
            Report report;
            try {
                report = new DemoRun(options, out, line -> {
                    err.println(line);
                    err.flush();
                }).run();
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            PrintWriter o = spec.commandLine().getOut();
            o.println();
            o.print(report.table());
            o.printf("%nreport: %s; plots: %s; metrics: %s%n", out.resolve("report.md"), out.resolve("plots"), out.resolve("metrics.jsonl"));
            o.flush();
            return 0;
        });
    }
}
