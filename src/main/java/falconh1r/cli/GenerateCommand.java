package falconh1r.cli;

import falconh1r.infer.ParallelTraces;
import falconh1r.infer.SamplingParams;
import falconh1r.infer.TokenLogprobs;
import falconh1r.kernels.Backend;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import falconh1r.tokenizer.ChatMessage;
import falconh1r.tokenizer.ChatTemplate;
import falconh1r.tokenizer.Tokenizer;
import falconh1r.tokenizer.TokenizerException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code falcon-h1r generate}: continuations of a text or token-id prompt, greedy or sampled. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continues a prompt with the cached decode, greedily or by sampling.",
            "The prompt is --prompt TEXT (with --tokenizer; --chat wraps it as a user turn of the Falcon-H1R",
            "chat template with the generation prompt) or token ids (--ids, repeatable for a batch).",
            "--n N samples N traces of one prompt from one shared prefill, decoded as a batch. With a",
            "tokenizer a single trace streams its text as it is generated; otherwise each trace prints when",
            "done (ids without a tokenizer, one line per trace). Sampling follows transformers' warpers",
            "(temperature, top-k, top-p, min-p) with vLLM's defaults (no filtering); --greedy is argmax with",
            "ties to the lowest id, as generate(do_sample=False); several --ids with --greedy form a",
            "left-padded batch exactly as transformers pads it. Generation stops at the config's",
            "eos_token_id (and <|im_end|> with --chat) or after --max-new-tokens."})
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "checkpoint folder (config.json + safetensors)")
    Path model;
    @Option(names = "--ids", paramLabel = "\"ID ID ...\"",
            description = "prompt token ids separated by spaces or commas; repeat for a batch")
    List<String> ids;
    @Option(names = "--prompt", paramLabel = "TEXT", description = "a text prompt (needs --tokenizer)")
    String prompt;
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json (for --prompt, and to print text)")
    Path tokenizerFile;
    @Option(names = "--chat", description = "wrap --prompt as a user turn of the chat template, with the generation prompt")
    boolean chat;
    @Option(names = "--system", paramLabel = "TEXT", description = "a system prompt for --chat")
    String system;
    @Option(names = "--n", defaultValue = "1", description = "traces per prompt (default ${DEFAULT-VALUE})")
    int n;
    @Option(names = "--max-new-tokens", defaultValue = "32", description = "tokens to generate at most (default ${DEFAULT-VALUE})")
    int maxNewTokens;
    @Option(names = "--greedy", description = "argmax decoding (ignores the sampling options)")
    boolean greedy;
    @Option(names = "--temperature", defaultValue = "1.0", description = "sampling temperature (default ${DEFAULT-VALUE})")
    double temperature;
    @Option(names = "--top-k", defaultValue = "0", description = "keep the k most likely tokens; 0 = off (default ${DEFAULT-VALUE})")
    int topK;
    @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus sampling mass; 1 = off (default ${DEFAULT-VALUE})")
    double topP;
    @Option(names = "--min-p", defaultValue = "0.0", description = "drop tokens below min-p × the top probability; 0 = off (default ${DEFAULT-VALUE})")
    double minP;
    @Option(names = "--seed", defaultValue = "0", description = "sampling seed (default ${DEFAULT-VALUE})")
    long seed;
    @Mixin
    BackendOptions backend;
    @Mixin
    StorageOptions storage;

    @Override
    public Integer call() throws Exception {
        return UserError.run(spec.commandLine(), () -> {
            if (maxNewTokens < 1) throw new UserError("--max-new-tokens must be at least 1, got " + maxNewTokens);
            if (n < 1) throw new UserError("--n must be at least 1, got " + n);
            if ((ids == null) == (prompt == null)) throw new UserError("give either --prompt TEXT or --ids \"ID ...\"");
            if (prompt != null && tokenizerFile == null) throw new UserError("--prompt needs --tokenizer FILE");
            if ((chat || system != null) && prompt == null) throw new UserError("--chat and --system apply to --prompt");
            Tokenizer tokenizer = tokenizerFile == null ? null : loadTokenizer();
            FalconH1Parameters params = FalconH1Parameters.load(model, storage.packing());
            FalconH1Config c = params.config();
            int[][] prompts = prompts(tokenizer, c.vocabSize());
            SamplingParams sampling;
            try {
                sampling = new SamplingParams(greedy ? 0 : temperature, topK, topP, minP, maxNewTokens, stopTokens(c, tokenizer), seed);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            try (Backend b = backend.open()) {
                FalconH1 falcon = new FalconH1(params, b);
                if (greedy && n == 1 && prompt == null) {
                    // transformers' generate(do_sample=False) on a left-padded batch, no stop token: ids only
                    for (FalconH1.Generation g : falcon.generate(prompts, maxNewTokens)) {
                        out.println(tokenizer == null ? ids(g.tokens()) : tokenizer.decode(g.tokens(), true));
                    }
                } else {
                    ParallelTraces engine = new ParallelTraces(falcon, 0);
                    for (int[] p : prompts) {
                        boolean stream = tokenizer != null && n == 1;
                        Stream streaming = stream ? new Stream(tokenizer, out) : null;
                        ParallelTraces.Trace[] traces = engine.generate(p, n, sampling, streaming);
                        for (int i = 0; i < traces.length; i++) {
                            if (stream) {
                                streaming.flush();
                            } else if (tokenizer == null) {
                                out.println(ids(traces[i].ids()));
                            } else {
                                out.println("--- trace " + i + " (" + traces[i].tokens().size() + " tokens, "
                                        + traces[i].finish().name().toLowerCase() + ") ---");
                                out.println(tokenizer.decode(traces[i].ids(), true));
                            }
                        }
                    }
                }
            }
            out.flush();
            return 0;
        });
    }

    private Tokenizer loadTokenizer() {
        try {
            return Tokenizer.load(tokenizerFile);
        } catch (TokenizerException e) {
            throw new UserError(e.getMessage());
        }
    }

    private int[][] prompts(Tokenizer tokenizer, int vocab) {
        if (prompt == null) {
            int[][] out = new int[ids.size()][];
            for (int s = 0; s < out.length; s++) out[s] = LogitsCommand.parseIds(ids.get(s), s, vocab);
            return out;
        }
        int[] encoded;
        if (chat) {
            List<ChatMessage> messages = new ArrayList<>();
            if (system != null) messages.add(ChatMessage.system(system));
            messages.add(ChatMessage.user(prompt));
            String bos = tokenizer.tokenId("<|begin_of_text|>").isPresent() ? "<|begin_of_text|>" : "";
            encoded = tokenizer.encode(ChatTemplate.falconH1r(bos).render(messages, true), false);
        } else {
            encoded = tokenizer.encode(prompt);
        }
        if (encoded.length == 0) throw new UserError("--prompt encodes to no tokens");
        for (int t : encoded) {
            if (t >= vocab) throw new UserError("the tokenizer gives id " + t + ", outside the model's vocabulary [0, " + vocab + ")");
        }
        return new int[][] {encoded};
    }

    /** The config's eos ids, and <|im_end|> in chat mode. */
    private int[] stopTokens(FalconH1Config c, Tokenizer tokenizer) {
        List<Integer> stops = new ArrayList<>(c.eosTokenIds() == null ? List.of() : c.eosTokenIds());
        if (chat && tokenizer.tokenId(ChatTemplate.IM_END).isPresent()) stops.add(tokenizer.tokenId(ChatTemplate.IM_END).getAsInt());
        return stops.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String ids(int[] tokens) {
        StringBuilder line = new StringBuilder();
        for (int t : tokens) line.append(line.isEmpty() ? "" : " ").append(t);
        return line.toString();
    }

    /**
     * Prints a single trace's text as it grows: after each token, the decode of all tokens so far,
     * minus what was printed; held back while it ends in U+FFFD (a character whose bytes are not all
     * generated yet).
     */
    private static final class Stream implements ParallelTraces.Listener {
        private final Tokenizer tokenizer;
        private final PrintWriter out;
        private final List<Integer> tokens = new ArrayList<>();
        private int printed;

        Stream(Tokenizer tokenizer, PrintWriter out) {
            this.tokenizer = tokenizer;
            this.out = out;
        }

        @Override
        public boolean onToken(int trace, int step, TokenLogprobs token) {
            tokens.add(token.token());
            String text = tokenizer.decode(tokens.stream().mapToInt(Integer::intValue).toArray(), true);
            if (!text.endsWith("\uFFFD") && text.length() > printed) {
                out.print(text.substring(printed));
                out.flush();
                printed = text.length();
            }
            return true;
        }

        void flush() {
            String text = tokenizer.decode(tokens.stream().mapToInt(Integer::intValue).toArray(), true);
            if (text.length() > printed) out.print(text.substring(printed));
            out.println();
        }
    }
}
