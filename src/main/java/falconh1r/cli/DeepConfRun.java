package falconh1r.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import falconh1r.infer.Answers;
import falconh1r.infer.DeepConfOnline;
import falconh1r.infer.DeepConfRunner;
import falconh1r.infer.SamplingParams;
import falconh1r.infer.Voting;
import falconh1r.io.AtomicFile;
import falconh1r.kernels.Backend;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import falconh1r.reward.MathReward;
import falconh1r.tokenizer.ChatMessage;
import falconh1r.tokenizer.ChatTemplate;
import falconh1r.tokenizer.Tokenizer;
import falconh1r.tokenizer.TokenizerException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The model-driven run of {@code falcon-h1r deepconf}: problems in, one result line per problem out. */
final class DeepConfRun {
    private DeepConfRun() {}

    static int run(DeepConfCommand o) throws IOException {
        if (o.tokenizer == null || o.data == null || o.out == null) throw new UserError("--model needs --tokenizer, --data and --out");
        DeepConfRunner.Mode mode;
        try {
            mode = DeepConfRunner.Mode.valueOf(o.mode.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserError("--mode must be online, offline or majority, got " + o.mode);
        }
        DeepConfOnline.Settings settings;
        Tokenizer tok;
        try {
            settings = DeepConfOnline.Settings.of(o.budget, o.warmup, o.eta, o.window);
            tok = Tokenizer.load(o.tokenizer);
        } catch (IllegalArgumentException | TokenizerException e) {
            throw new UserError(e.getMessage());
        }
        List<JsonNode> problems = readProblems(o);
        FalconH1Parameters params = FalconH1Parameters.load(o.model, o.storage.packing());
        FalconH1Config c = params.config();
        List<Integer> stops = new ArrayList<>();
        tok.tokenId(ChatTemplate.IM_END).ifPresent(stops::add);
        if (c.eosTokenIds() != null) stops.addAll(c.eosTokenIds());
        if (stops.isEmpty()) throw new UserError("neither the tokenizer (<|im_end|>) nor the config (eos_token_id) gives an end token");
        SamplingParams sampling;
        try {
            sampling = new SamplingParams(o.temperature, 0, o.topP, 0, o.maxNewTokens,
                    stops.stream().mapToInt(Integer::intValue).toArray(), o.seed);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        String bos = tok.tokenId("<|begin_of_text|>").isPresent() ? "<|begin_of_text|>" : "";
        ObjectMapper json = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        PrintWriter err = o.spec.commandLine().getErr();
        int correct = 0, graded = 0;
        long tokens = 0;
        try (Backend b = o.backend.open()) {
            FalconH1 falcon = new FalconH1(params, b);
            for (int i = 0; i < problems.size(); i++) {
                JsonNode pr = problems.get(i);
                String question = text(pr, "question", "problem", "prompt");
                int[] prompt = tok.encode(ChatTemplate.falconH1r(bos).render(List.of(ChatMessage.user(question)), true), false);
                DeepConfRunner.Outcome r = DeepConfRunner.run(falcon, prompt, sampling.withSeed(o.seed + 1_000_003L * i), settings,
                        mode, ids -> Answers.extract(tok.decode(ids, true)));
                ObjectNode line = json.createObjectNode();
                line.set("id", pr.has("id") ? pr.get("id") : json.getNodeFactory().numberNode(i));
                String gold = text(pr, "answer", "gold");
                if (gold != null) line.put("gold", gold);
                line.put("answer", r.answer());
                if (gold != null) {
                    boolean ok = r.answer() != null && MathReward.score(gold, "\\boxed{" + r.answer() + "}") == 1;
                    line.put("correct", ok);
                    correct += ok ? 1 : 0;
                    graded++;
                }
                line.put("mode", mode.name().toLowerCase(Locale.ROOT));
                line.put("traces", r.traces());
                line.put("tokens", r.tokens());
                line.put("stopped", r.stopped());
                if (!Double.isNaN(r.confBar())) line.put("conf_bar", r.confBar());
                ObjectNode votes = line.putObject("votes");
                for (Map.Entry<String, Voting.Vote> e : r.votes().entrySet()) {
                    if (e.getValue() == null) votes.putNull(e.getKey());
                    else votes.put(e.getKey(), e.getValue().answer());
                }
                lines.append(json.writeValueAsString(line)).append('\n');
                tokens += r.tokens();
                err.printf("problem %d/%d: answer %s, %d traces, %d tokens%n", i + 1, problems.size(), r.answer(), r.traces(), r.tokens());
                err.flush();
            }
        }
        AtomicFile.write(o.out, lines.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        PrintWriter out = o.spec.commandLine().getOut();
        out.printf("deepconf %s: %d problems, %s, %d generated tokens; wrote %s%n", mode.name().toLowerCase(Locale.ROOT),
                problems.size(), graded == 0 ? "no gold answers" : String.format("accuracy %d/%d", correct, graded), tokens, o.out);
        out.flush();
        return 0;
    }

    private static List<JsonNode> readProblems(DeepConfCommand o) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(o.data);
        for (int n = 0; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) continue;
            String where = o.data + ":" + (n + 1);
            JsonNode node;
            try {
                node = json.readTree(lines.get(n));
            } catch (IOException e) {
                throw new UserError(where + ": not JSON");
            }
            if (node == null || !node.isObject() || text(node, "question", "problem", "prompt") == null) {
                throw new UserError(where + ": expected an object with a \"question\" (or \"problem\"/\"prompt\") string");
            }
            out.add(node);
        }
        if (out.isEmpty()) throw new UserError(o.data + ": no problems");
        return out;
    }

    private static String text(JsonNode node, String... keys) {
        for (String k : keys) {
            JsonNode v = node.get(k);
            if (v != null && !v.isNull()) return v.isTextual() ? v.asText() : v.toString();
        }
        return null;
    }
}
