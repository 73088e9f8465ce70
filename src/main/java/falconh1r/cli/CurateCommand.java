package falconh1r.cli;

import falconh1r.infer.SamplingParams;
import falconh1r.kernels.Backend;
import falconh1r.model.FalconH1;
import falconh1r.rl.Curation;
import falconh1r.rl.Curator;
import falconh1r.rl.RolloutSampler;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code falcon-h1r curate}: RL data curation by pass rate (pipeline.md §2). */
@Command(name = "curate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "RL data curation by pass rate (pipeline.md §2.2-2.3). For each problem of --data, samples --k "
            + "responses of the chat-templated question from --model, scores each with the math reward against the "
            + "gold answer (verl's math_reward, else a Math-Verify subset), and applies the paper's filter: all "
            + "correct: drop; some correct: keep; none correct and all truncated: keep a random share (--truncated-keep); none correct and one "
            + "wrong answer given by at least half the responses: drop (likely a bad gold answer); other unsolved: "
            + "keep a random share (--wrong-keep). Writes the kept problems, each its own JSON object with "
            + "pass_rate, correct, k and curation added, to --out (atomically) and prints the pass-rate histogram. "
            + "Defaults are the paper's unless marked.")
final class CurateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    RlOptions rl;
    @Option(names = "--out", required = true, paramLabel = "FILE.jsonl", description = "the kept problems")
    Path out;
    @Option(names = "--k", defaultValue = "8", description = "responses per problem (default ${DEFAULT-VALUE})")
    int k;
    @Option(names = "--temperature", defaultValue = "0.6", description = "sampling temperature (default ${DEFAULT-VALUE})")
    double temperature;
    @Option(names = "--top-p", defaultValue = "0.95", description = "nucleus mass (default ${DEFAULT-VALUE})")
    double topP;
    @Option(names = "--max-new-tokens", defaultValue = "32768",
            description = "response length limit; a response reaching it is truncated (default ${DEFAULT-VALUE}: 32K)")
    int maxNewTokens;
    @Option(names = "--majority", defaultValue = "0.5",
            description = "an unsolved problem whose most frequent wrong answer reaches ceil(this * k) responses is dropped (default ${DEFAULT-VALUE}: 4 of 8)")
    double majority;
    @Option(names = "--truncated-keep", defaultValue = "0.1",
            description = "share of unsolved all-truncated problems kept (default ${DEFAULT-VALUE}; the paper says \"a small random subset\")")
    double truncatedKeep;
    @Option(names = "--wrong-keep", defaultValue = "1.0",
            description = "share of the other unsolved problems kept (default ${DEFAULT-VALUE}; not given in the paper)")
    double wrongKeep;
    @Option(names = "--seed", defaultValue = "0", description = "seed of the sampling and of the kept shares (default ${DEFAULT-VALUE})")
    long seed;
    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        return UserError.run(spec.commandLine(), () -> {
            Curation curation;
            SamplingParams sampling;
            try {
                if (k < 1) throw new IllegalArgumentException("--k must be at least 1, got " + k);
                if (maxNewTokens < 1) throw new IllegalArgumentException("--max-new-tokens must be at least 1, got " + maxNewTokens);
                curation = new Curation(new Curation.Config(majority, truncatedKeep, wrongKeep, seed));
                sampling = new SamplingParams(temperature, 0, topP, 0, maxNewTokens, null, seed);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            RlOptions.Inputs in = rl.load();
            PrintWriter err = spec.commandLine().getErr();
            Curator.Result result;
            try (Backend b = backend.open()) {
                RolloutSampler sampler = new RolloutSampler(new FalconH1(in.params(), b), in.codec(), RlOptions.REWARD, sampling);
                result = new Curator(sampler, curation, k, seed).run(in.problems(), (i, n, p, d) -> {
                    err.printf(Locale.ROOT, "problem %d/%d %s: %d/%d correct, %d truncated: %s%n", i + 1, n, p.id(), d.correct(), d.k(),
                            d.truncated(), d.reason().keep() ? "keep" : "drop (" + d.reason() + ")");
                    err.flush();
                });
            }
            Curator.writeKept(result, out);
            PrintWriter o = spec.commandLine().getOut();
            o.print(result.histogram().toText());
            o.printf(Locale.ROOT, "curate: %d problems, %d kept; wrote %s%n", result.verdicts().size(), result.kept().size(), out);
            o.flush();
            return 0;
        });
    }
}
