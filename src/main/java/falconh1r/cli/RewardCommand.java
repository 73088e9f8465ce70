package falconh1r.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import falconh1r.reward.MathReward;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code falcon-h1r reward ...}: rewards of recorded answers. */
@Command(name = "reward", description = "Rewards of recorded answers.", subcommands = {RewardCommand.Math.class})
public final class RewardCommand {

    @Command(name = "math", mixinStandardHelpOptions = true,
            description = {"The binary math reward (falconh1r.reward.MathReward): 1 if verl's math_reward (last \\boxed,",
                "Hendrycks normalisation) or Math-Verify (subset) accepts the prediction, else 0.",
                "Reads JSON lines {\"gold\": ..., \"prediction\": ...} (other fields kept) and prints each with",
                "\"reward\": 0 or 1 added, in order. Blank lines are skipped."})
    static final class Math implements Callable<Integer> {
        private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

        @Spec
        CommandSpec spec;
        @Option(names = "--input", required = true, paramLabel = "PAIRS.jsonl", description = "one JSON object per line")
        Path input;

        @Override
        public Integer call() throws Exception {
            return UserError.run(spec.commandLine(), () -> {
                PrintWriter out = spec.commandLine().getOut();
                try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
                    int lineNo = 0;
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        lineNo++;
                        if (line.isBlank()) continue;
                        ObjectNode pair = parse(line, lineNo);
                        String gold = text(pair, "gold", lineNo), prediction = text(pair, "prediction", lineNo);
                        pair.put("reward", MathReward.score(gold, prediction));
                        out.println(JSON.writeValueAsString(pair));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + input, e);
                }
                out.flush();
                return 0;
            });
        }

        private ObjectNode parse(String line, int lineNo) {
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new UserError(input + ":" + lineNo + ": not valid JSON: " + e.getOriginalMessage());
            }
            if (!(node instanceof ObjectNode object)) throw new UserError(input + ":" + lineNo + ": expected a JSON object, got " + node.getNodeType());
            return object;
        }

        private String text(ObjectNode pair, String field, int lineNo) {
            JsonNode v = pair.get(field);
            if (v == null) throw new UserError(input + ":" + lineNo + ": missing field \"" + field + "\"");
            if (!v.isTextual()) throw new UserError(input + ":" + lineNo + ": field \"" + field + "\" must be a string, got " + v.getNodeType());
            return v.asText();
        }
    }
}
