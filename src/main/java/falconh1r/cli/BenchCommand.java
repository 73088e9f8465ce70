package falconh1r.cli;

import falconh1r.bench.MatmulBench;
import falconh1r.bench.ModelBench;
import falconh1r.bench.TrainBench;
import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.model.FalconH1Config;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code falcon-h1r bench ...}: speed measurements printed as one line each. */
@Command(name = "bench", description = "Benchmarks (see BENCHMARKS.md and bench/compare.sh).",
        subcommands = {BenchCommand.Matmul.class, BenchCommand.Model.class, BenchCommand.Train.class, BenchTracesCommand.class})
public final class BenchCommand {

    @Command(name = "matmul", mixinStandardHelpOptions = true,
            description = {"Times C[m,n] = A[m,k]·B[n,k]ᵀ (B as a PyTorch Linear weight).",
                "Prints one line ending in 'GFLOP/s: <number>'. --m 1 is the decode matvec."})
    static final class Matmul implements Callable<Integer> {
        @Option(names = "--m", defaultValue = "1024", description = "rows of A and C (default ${DEFAULT-VALUE})")
        int m;
        @Option(names = "--n", defaultValue = "1024", description = "rows of B, columns of C (default ${DEFAULT-VALUE})")
        int n;
        @Option(names = "--k", defaultValue = "1024", description = "reduction length (default ${DEFAULT-VALUE})")
        int k;
        @Option(names = "--backend", defaultValue = "simd",
                description = "scalar, simd, opencl, or ojalgo (the baseline) (default ${DEFAULT-VALUE})")
        String backend;
        @Option(names = "--dtype", defaultValue = "f32",
                description = "${COMPLETION-CANDIDATES}: bf16/f16 are packed weights for a matvec (--m 1) (default ${DEFAULT-VALUE})")
        MatmulBench.Dtype dtype;
        @Option(names = "--threads", description = "threads (default: all processors)")
        Integer threads;
        @Option(names = "--warmup", defaultValue = "2", description = "warm-up seconds (default ${DEFAULT-VALUE})")
        double warmup;
        @Option(names = "--seconds", defaultValue = "3", description = "measured seconds (default ${DEFAULT-VALUE})")
        double seconds;

        @Override
        public Integer call() {
            int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            System.out.println(MatmulBench.run(backend, m, n, k, dtype, t, warmup, seconds).line());
            return 0;
        }
    }

    @Command(name = "model", mixinStandardHelpOptions = true,
            description = {"Times a random-initialised Falcon-H1 of a config: prefill of a --prompt-token prompt,",
                "then --decode greedy cached decode steps, for --batch independent sequences.",
                "Prints one line with prefill and decode tokens/s (all rows) and the peak heap",
                "(sum of the heap pools' peak usage). See bench/model_compare.sh."})
    static final class Model implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--config", required = true, paramLabel = "CONFIG.json", description = "a Falcon-H1 config.json")
        Path config;
        @Option(names = "--seed", defaultValue = "0", description = "weight and prompt seed (default ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--prompt", defaultValue = "512", description = "prompt tokens per row (default ${DEFAULT-VALUE})")
        int prompt;
        @Option(names = "--decode", defaultValue = "32", description = "greedy decode steps (default ${DEFAULT-VALUE})")
        int decode;
        @Option(names = "--batch", defaultValue = "1", description = "independent sequences (default ${DEFAULT-VALUE})")
        int batch;
        @Mixin
        StorageOptions storage;
        @Mixin
        BackendOptions backend;
        @Option(names = "--repeats", defaultValue = "1", description = "measurements; medians reported (default ${DEFAULT-VALUE})")
        int repeats;

        @Override
        public Integer call() throws Exception {
            return UserError.run(spec.commandLine(), () -> {
                if (prompt < 1 || decode < 0 || batch < 1 || repeats < 1) {
                    throw new UserError("need --prompt >= 1, --decode >= 0, --batch >= 1, --repeats >= 1");
                }
                FalconH1Config c = FalconH1Config.read(config);
                try (Backend b = backend.open()) {
                    spec.commandLine().getOut().println(
                            ModelBench.run(c, storage.packing(), seed, prompt, decode, batch, b, backend.threads(), repeats).line());
                }
                spec.commandLine().getOut().flush();
                return 0;
            });
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {"Times training steps of a random-initialised f32 Falcon-H1 of a config: per step, --batch",
                "random sequences of --seq tokens (forward, next-token cross-entropy, backward), then",
                "clip_grad_norm_(1.0) and AdamW (lr 1e-4). Untimed warm-up: one step, or more for --warmup-seconds.",
                "Prints one line with the median tokens/s, the last loss and the peak heap.",
                "See bench/train_compare.sh."})
    static final class Train implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--config", required = true, paramLabel = "CONFIG.json", description = "a Falcon-H1 config.json")
        Path config;
        @Option(names = "--seed", defaultValue = "0", description = "weight and token seed (default ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--batch", defaultValue = "4", description = "sequences per step (default ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--seq", defaultValue = "256", description = "tokens per sequence (default ${DEFAULT-VALUE})")
        int seq;
        @Option(names = "--steps", defaultValue = "5", description = "timed steps; median reported (default ${DEFAULT-VALUE})")
        int steps;
        @Option(names = "--split", defaultValue = "sequences",
                description = "${COMPLETION-CANDIDATES}: the batch's sequences in parallel, one part per thread, or "
                        + "one sequence at a time with every kernel split (default ${DEFAULT-VALUE})")
        TrainBench.Split split;
        @Option(names = "--warmup-seconds", defaultValue = "0",
                description = "untimed warm-up: one step, then more until this many seconds have passed (default ${DEFAULT-VALUE})")
        double warmupSeconds;
        @Mixin
        BackendOptions backend;

        @Override
        public Integer call() throws Exception {
            return UserError.run(spec.commandLine(), () -> {
                if (batch < 1 || seq < 2 || steps < 1 || !(warmupSeconds >= 0)) {
                    throw new UserError("need --batch >= 1, --seq >= 2, --steps >= 1, --warmup-seconds >= 0");
                }
                FalconH1Config c = FalconH1Config.read(config);
                try (Backend b = backend.open()) {
                    spec.commandLine().getOut().println(
                            TrainBench.run(c, seed, batch, seq, steps, warmupSeconds, split, b, backend.threads()).line());
                }
                spec.commandLine().getOut().flush();
                return 0;
            });
        }
    }

}
