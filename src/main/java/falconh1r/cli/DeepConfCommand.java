package falconh1r.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import falconh1r.infer.Trace;
import falconh1r.infer.Voting;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code falcon-h1r deepconf}: DeepConf test-time scaling with the model over a JSONL of problems;
 * {@code vote} votes over recorded traces.
 */
@Command(name = "deepconf", mixinStandardHelpOptions = true,
        description = {"DeepConf test-time scaling (confidence-filtered voting over parallel traces).",
            "With --model: for each problem of --data (JSONL: \"question\" (or \"problem\"/\"prompt\"), optional",
            "\"answer\" (gold) and \"id\"), samples up to --budget traces of the chat-templated question from one",
            "shared prefill and votes: online (warm-up traces set the threshold, later traces stop early when",
            "their sliding-window confidence drops below it; answer = min_conf-weighted vote), offline (all",
            "traces, then top-10% bottom-window filtered vote) or majority (all traces, plain vote). A trace's",
            "answer is its last \\boxed{...} (deepconf's extract_answer), graded by the math reward. Writes one JSON line per problem to",
            "--out and prints a summary. Without --model, give a subcommand (vote)."},
        subcommands = {DeepConfCommand.Vote.class})
final class DeepConfCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--model", paramLabel = "DIR", description = "checkpoint folder")
    Path model;
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "tokenizer.json")
    Path tokenizer;
    @Option(names = "--data", paramLabel = "FILE.jsonl", description = "problems, one JSON object per line")
    Path data;
    @Option(names = "--out", paramLabel = "FILE.jsonl", description = "results, one JSON object per problem")
    Path out;
    @Option(names = "--mode", defaultValue = "online", description = "online, offline or majority (default ${DEFAULT-VALUE})")
    String mode;
    @Option(names = "--budget", defaultValue = "512", description = "traces per problem K (default ${DEFAULT-VALUE}, Falcon-H1R's)")
    int budget;
    @Option(names = "--warmup", defaultValue = "16", description = "warm-up traces (online; default ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--eta", defaultValue = "10", description = "keep the top eta% (online threshold percentile 100 − eta; default ${DEFAULT-VALUE}: DeepConf-low)")
    double eta;
    @Option(names = "--window", defaultValue = "2048", description = "group-confidence window in tokens (default ${DEFAULT-VALUE})")
    int window;
    @Option(names = "--temperature", defaultValue = "0.6", description = "sampling temperature (default ${DEFAULT-VALUE})")
    double temperature;
    @Option(names = "--top-p", defaultValue = "0.95", description = "nucleus mass (default ${DEFAULT-VALUE})")
    double topP;
    @Option(names = "--max-new-tokens", defaultValue = "64000", description = "tokens per trace at most (default ${DEFAULT-VALUE}, the reference's)")
    int maxNewTokens;
    @Option(names = "--seed", defaultValue = "0", description = "sampling seed (default ${DEFAULT-VALUE})")
    long seed;
    @picocli.CommandLine.Mixin
    BackendOptions backend;
    @picocli.CommandLine.Mixin
    StorageOptions storage;

    @Override
    public Integer call() throws Exception {
        if (model == null) {
            spec.commandLine().getErr().println("falcon-h1r deepconf: give --model, --tokenizer, --data and --out, or a subcommand (vote)");
            spec.commandLine().usage(spec.commandLine().getErr());
            return UserError.EXIT_CODE;
        }
        return UserError.run(spec.commandLine(), () -> DeepConfRun.run(this));
    }

    /** {@code falcon-h1r deepconf vote}: every voting variant of the reference over recorded traces. */
    @Command(name = "vote", mixinStandardHelpOptions = true,
            description = {"Votes over recorded traces as deepconf's compute_all_voting_results does.",
                "Reads one JSON object per line, {\"answer\": string or null, \"confs\": [numbers]}",
                "(per-token confidences; blank lines are skipped). Prints one JSON object keyed",
                "by the variant names: majority, mean_confidence_weighted,",
                "tail_confidence_weighted, bottom_window_weighted, min_window_weighted,",
                "top10_tail_filtered and top10_bottom_window_filtered, each {answer, num_votes,",
                "confidence} (confidence: the mean weight, null for majority). A weighted variant",
                "whose weights are all <= 0 is left out; with no trace that has a non-empty",
                "answer, all are null."})
    static final class Vote implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--traces", required = true, paramLabel = "FILE.jsonl", description = "the traces, one JSON object per line")
        Path traces;
        @Option(names = "--window", defaultValue = "2048", paramLabel = "TOKENS",
                description = "tail length and sliding window of the trace confidences (default ${DEFAULT-VALUE})")
        int window;

        @Override
        public Integer call() throws Exception {
            return UserError.run(spec.commandLine(), () -> {
                if (window < 1) throw new UserError("--window must be at least 1, got " + window);
                Map<String, Voting.Vote> results = Voting.all(read(traces), window);
                ObjectMapper json = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
                ObjectNode out = json.createObjectNode();
                for (Map.Entry<String, Voting.Vote> e : results.entrySet()) {
                    Voting.Vote v = e.getValue();
                    if (v == null) {
                        out.putNull(e.getKey());
                        continue;
                    }
                    ObjectNode o = out.putObject(e.getKey());
                    o.put("answer", v.answer());
                    o.put("num_votes", v.numVotes());
                    if (v.confidence() == null) o.putNull("confidence");
                    else o.put("confidence", v.confidence().doubleValue());
                }
                spec.commandLine().getOut().println(json.writeValueAsString(out));
                spec.commandLine().getOut().flush();
                return 0;
            });
        }
    }

    /** The traces of a JSONL file; a bad line is a {@link UserError} naming {@code file:line}. */
    static List<Trace> read(Path file) {
        ObjectMapper json = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
        List<Trace> out = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) continue;
                String where = file + ":" + lineNo;
                JsonNode node;
                try {
                    node = json.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new UserError(where + ": not JSON: " + e.getOriginalMessage());
                }
                out.add(trace(node, where));
            }
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
        return out;
    }

    private static Trace trace(JsonNode node, String where) {
        if (node == null || !node.isObject()) throw new UserError(where + ": expected a JSON object {\"answer\": ..., \"confs\": [...]}");
        JsonNode answer = node.get("answer");
        if (answer == null) throw new UserError(where + ": missing \"answer\" (a string or null)");
        if (!answer.isTextual() && !answer.isNull()) throw new UserError(where + ": \"answer\" must be a string or null, got " + answer.getNodeType());
        JsonNode confs = node.get("confs");
        if (confs == null || !confs.isArray()) throw new UserError(where + ": \"confs\" must be an array of numbers");
        double[] values = new double[confs.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode c = confs.get(i);
            if (!c.isNumber() || !Double.isFinite(c.asDouble())) {
                throw new UserError(where + ": \"confs\"[" + i + "] must be a finite number, got " + c);
            }
            values[i] = c.asDouble();
        }
        return new Trace(answer.isNull() ? null : answer.asText(), values);
    }
}
