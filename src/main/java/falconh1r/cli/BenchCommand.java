package falconh1r.cli;

import falconh1r.bench.MatmulBench;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code falcon-h1r bench ...}: speed measurements printed as one line each. */
@Command(name = "bench", description = "Benchmarks (see BENCHMARKS.md and bench/compare.sh).",
        subcommands = {BenchCommand.Matmul.class})
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
}
