package falconh1r.cli;

import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code falcon-h1r init}: a random-initialised checkpoint (config.json + model.safetensors). */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Writes a random-initialised checkpoint: DIR/config.json and DIR/model.safetensors (f32).",
            "Weights follow transformers' init rules; the same seed gives the same weights.",
            "Errors (bad config, non-empty DIR without --force) print one line and exit 2."})
final class InitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--config", required = true, paramLabel = "CONFIG.json", description = "a Falcon-H1 config.json")
    Path config;
    @Option(names = "--seed", defaultValue = "0", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the checkpoint folder to write")
    Path out;
    @Option(names = "--force", description = "write into DIR even if it is not empty (replaces config.json and the weights)")
    boolean force;

    @Override
    public Integer call() throws Exception {
        return UserError.run(spec.commandLine(), () -> {
            FalconH1Config cfg = FalconH1Config.read(config);
            checkOut(out, force);
            FalconH1Parameters params = FalconH1Parameters.init(cfg, seed);
            params.save(out);
            long count = 0;
            for (String name : params.names()) count += Arrays.stream(params.shape(name)).asLongStream().reduce(1, Math::multiplyExact);
            PrintWriter o = spec.commandLine().getOut();
            o.printf("wrote %s (%s, %s): %,d parameters, %d tensors, f32, seed %d%n", out,
                    FalconH1Parameters.CONFIG_FILE, "model.safetensors", count, params.names().size(), seed);
            o.flush();
            return 0;
        });
    }

    /** Refuses a DIR that is a file, or a non-empty folder unless {@code force}. */
    static void checkOut(Path dir, boolean force) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UserError(dir + " exists and is not a folder");
        if (force || !Files.isDirectory(dir)) return;
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new UserError(dir + " is not empty; use --force to write into it anyway");
            }
        } catch (IOException e) {
            throw new UserError("cannot list " + dir + ": " + e.getMessage());
        }
    }
}
