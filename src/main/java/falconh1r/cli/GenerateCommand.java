package falconh1r.cli;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Parameters;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code falcon-h1r generate}: greedy continuation of token-id prompts with the cached decode. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Greedy continuation of token-id prompts (cached decode).",
            "Prefills each --ids prompt, then decodes --max-new-tokens tokens greedily (argmax, ties to the",
            "lowest id, as transformers' generate(do_sample=False)) and prints the new ids, one line per",
            "prompt. Several prompts form a left-padded batch as transformers pads it. The decode clamps dt",
            "to time_step_limit as the full forward does (transformers' cached step does not)."})
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "checkpoint folder (config.json + safetensors)")
    Path model;
    @Option(names = "--ids", required = true, paramLabel = "\"ID ID ...\"",
            description = "prompt token ids separated by spaces or commas; repeat for a batch")
    List<String> ids;
    @Option(names = "--max-new-tokens", defaultValue = "32", description = "tokens to generate (default ${DEFAULT-VALUE})")
    int maxNewTokens;
    @Option(names = "--greedy", required = true,
            description = "greedy decoding (the only mode until sampling arrives with the inference issue)")
    boolean greedy;
    @Mixin
    BackendOptions backend;
    @Mixin
    StorageOptions storage;

    @Override
    public Integer call() throws Exception {
        return UserError.run(spec.commandLine(), () -> {
            if (maxNewTokens < 1) throw new UserError("--max-new-tokens must be at least 1, got " + maxNewTokens);
            FalconH1Parameters params = FalconH1Parameters.load(model, storage.packing());
            int vocab = params.config().vocabSize();
            int[][] prompts = new int[ids.size()][];
            for (int s = 0; s < prompts.length; s++) prompts[s] = LogitsCommand.parseIds(ids.get(s), s, vocab);
            try (Backend b = backend.open()) {
                FalconH1.Generation[] out = new FalconH1(params, b).generate(prompts, maxNewTokens);
                for (FalconH1.Generation g : out) {
                    StringBuilder line = new StringBuilder();
                    for (int t : g.tokens()) line.append(line.isEmpty() ? "" : " ").append(t);
                    spec.commandLine().getOut().println(line);
                }
            }
            spec.commandLine().getOut().flush();
            return 0;
        });
    }
}
