package falconh1r.cli;

import falconh1r.bench.TracesBench;
import falconh1r.kernels.Backend;
import falconh1r.model.FalconH1Config;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code falcon-h1r bench traces}: batched decode throughput of parallel traces with top-20 logprob capture. */
@Command(name = "traces", mixinStandardHelpOptions = true,
        description = {"Times N sampled traces of one random prompt (T 0.6, top-p 0.95) decoded as a batch, with every",
            "token's raw log-prob and top-20 log-probs captured, as DeepConf runs them; one line per --batch size",
            "with the decode tokens/s of all traces (the shared prefill is not timed)."})
final class BenchTracesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--config", required = true, paramLabel = "CONFIG.json", description = "a Falcon-H1 config.json")
    Path config;
    @Option(names = "--batch", defaultValue = "1,4,16,64", split = ",", description = "batch sizes (default ${DEFAULT-VALUE})")
    int[] batches;
    @Option(names = "--prompt", defaultValue = "64", description = "prompt tokens (default ${DEFAULT-VALUE})")
    int prompt;
    @Option(names = "--decode", defaultValue = "32", description = "tokens per trace (default ${DEFAULT-VALUE})")
    int decode;
    @Option(names = "--seed", defaultValue = "0", description = "weight, prompt and sampling seed (default ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--repeats", defaultValue = "1", description = "measurements per batch size; median reported (default ${DEFAULT-VALUE})")
    int repeats;
    @Mixin
    BackendOptions backend;
    @Mixin
    StorageOptions storage;

    @Override
    public Integer call() throws Exception {
        return UserError.run(spec.commandLine(), () -> {
            if (prompt < 1 || decode < 2 || repeats < 1 || Arrays.stream(batches).anyMatch(b -> b < 1)) {
                throw new UserError("need --prompt >= 1, --decode >= 2, --repeats >= 1 and batch sizes >= 1");
            }
            FalconH1Config c = FalconH1Config.read(config);
            try (Backend b = backend.open()) {
                for (TracesBench.Result r : TracesBench.run(c, storage.packing(), seed, prompt, decode, batches, b,
                        backend.threads(), repeats)) {
                    spec.commandLine().getOut().println(r.line());
                    spec.commandLine().getOut().flush();
                }
            }
            return 0;
        });
    }
}
