package falconh1r.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import falconh1r.model.ParameterShapes;
import falconh1r.rl.TextCodec;
import falconh1r.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code falcon-h1r curate} and {@code falcon-h1r grpo} end to end on a tiny model whose answers are
 * known: a Falcon-H1 (fixtures/falcon_h1/gqa_g1_norm_before_gate with the fixture tokenizer's vocab)
 * with every mixer and MLP output projection zeroed, so each next token depends on the current one
 * only, and embeddings and LM head set so that after the chat prompt it writes "\boxed{4}" or
 * "\boxed{5}" with even odds, then {@code <|im_end|>} (a bigram chain; other tokens have
 * probability about e⁻²⁰). Gold "4" is solved by about half the responses, gold "7" by none,
 * with one wrong answer at least 4 times in 8.
 */
class RlCommandsTest {

    static final Path FIXTURES = Path.of(System.getProperty("falcon.fixtures", "fixtures"));
    static final Path TOKENIZER = FIXTURES.resolve("tokenizer").resolve("falcon_like.tokenizer.json");

    @Test
    void curateKeepsThePartlySolvedProblemAndDropsTheBadGold(@TempDir Path tmp) throws Exception {
        Path model = boxedBigram(tmp.resolve("m"));
        Path data = tmp.resolve("problems.jsonl");
        Files.writeString(data, "{\"id\": \"half\", \"question\": \"What is 2+2?\", \"answer\": \"4\", \"domain\": \"math\"}\n"
                + "{\"id\": \"bad\", \"question\": \"What is 3+3?\", \"answer\": \"7\"}\n");
        Path out = tmp.resolve("kept.jsonl");
        DeepConfRunTest.Result r = DeepConfRunTest.run("curate", "--model", model.toString(), "--tokenizer", TOKENIZER.toString(),
                "--data", data.toString(), "--out", out.toString(), "--max-new-tokens", "8", "--seed", "2", "--backend", "scalar");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("pass rate") && r.out().contains("CONSISTENT_WRONG_MAJORITY"), r.out());
        assertTrue(r.out().endsWith("curate: 2 problems, 1 kept; wrote " + out + System.lineSeparator()), r.out());
        assertTrue(r.err().contains("problem 2/2 bad: 0/8 correct, 0 truncated: drop (CONSISTENT_WRONG_MAJORITY)"), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(1, lines.size());
        JsonNode kept = new ObjectMapper().readTree(lines.get(0));
        assertEquals("half", kept.get("id").asText());
        assertEquals("math", kept.get("domain").asText());
        int c = kept.get("correct").asInt();
        assertTrue(c > 0 && c < 8, lines.get(0));
        assertEquals(c / 8.0, kept.get("pass_rate").asDouble(), 0);
        assertEquals("PARTIALLY_SOLVED", kept.get("curation").asText());
    }

    @Test
    void grpoTrainsTwoStepsWithMetricsAndCheckpoints(@TempDir Path tmp) throws Exception {
        Path model = boxedBigram(tmp.resolve("m"));
        Path data = tmp.resolve("problems.jsonl");
        Files.writeString(data, "{\"question\": \"What is 2+2?\", \"answer\": \"4\"}\n{\"question\": \"What is 1+3?\", \"answer\": \"4\"}\n"
                + "{\"question\": \"What is 8/2?\", \"answer\": \"4\"}\n");
        Path out = tmp.resolve("run");
        DeepConfRunTest.Result r = DeepConfRunTest.run("grpo", "--model", model.toString(), "--tokenizer", TOKENIZER.toString(),
                "--data", data.toString(), "--out", out.toString(), "--steps", "2", "--prompts-per-step", "2", "--group", "4",
                "--max-new-tokens", "8", "--lr", "1e-3", "--warmup-steps", "0", "--save-every", "1", "--seed", "1", "--backend", "scalar");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("step 1/2: reward ") && r.err().contains("step 2/2: reward "), r.err());
        assertTrue(r.out().contains("grpo: 2 steps; metrics in " + out.resolve("metrics.jsonl")), r.out());
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(2, lines.size());
        ObjectMapper json = new ObjectMapper();
        for (int s = 0; s < 2; s++) {
            JsonNode m = json.readTree(lines.get(s));
            assertEquals(s + 1, m.get("step").asInt());
            assertEquals(2, m.get("backfill/batch_groups").asInt());
            double reward = m.get("reward/mean").asDouble();
            assertTrue(reward > 0 && reward < 1, "informative groups hold both rewards: " + m);
            assertEquals(6.0, m.get("response_length/mean").asDouble(), 0, "\\ boxed { 4|5 } <|im_end|>: " + m);
            assertTrue(m.get("actor/grad_norm").asDouble() > 0, m.toString());
            assertEquals(1e-3, m.get("actor/lr").asDouble(), 0);
        }
        FalconH1Parameters before = FalconH1Parameters.load(model), after = FalconH1Parameters.load(out.resolve("checkpoint-2"));
        assertTrue(Files.exists(out.resolve("checkpoint-1").resolve("model.safetensors")));
        assertTrue(!Arrays.equals(before.get(ParameterShapes.LM_HEAD), after.get(ParameterShapes.LM_HEAD)), "the policy moved");

        DeepConfRunTest.Result again = DeepConfRunTest.run("grpo", "--model", model.toString(), "--tokenizer", TOKENIZER.toString(),
                "--data", data.toString(), "--out", out.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("is not empty; use --force"), again.err());
    }

    @Test
    void helpDocumentsEveryOptionWithItsDefault() {
        for (String command : List.of("curate", "grpo")) {
            DeepConfRunTest.Result r = DeepConfRunTest.run(command, "--help");
            assertEquals(0, r.code(), r.err());
            String help = r.out().replaceAll("\\s+", " ");
            for (String option : command.equals("curate")
                    ? List.of("--k", "--temperature", "--top-p", "--max-new-tokens", "--majority", "--truncated-keep", "--wrong-keep")
                    : List.of("--prompts-per-step", "--group", "--temperature", "--lr", "--eps-low", "--eps-high", "--tis-cap", "--nll-coef",
                            "--cache-capacity", "--max-age", "--micro-batch")) {
                assertTrue(help.contains(option), command + " --help lacks " + option);
            }
            for (String value : command.equals("curate") ? List.of("default 8)", "default 0.6)", "default 0.95)")
                    : List.of("default 16)", "default 0.85)", "default 0.2)", "default 0.28)", "default 2.0)", "default 2e-6)", "default 128)")) {
                assertTrue(help.contains(value), command + " --help lacks " + value + ":\n" + r.out());
            }
        }
    }

    @Test
    void badInputIsOneLine(@TempDir Path tmp) throws Exception {
        Path model = boxedBigram(tmp.resolve("m"));
        Path data = tmp.resolve("p.jsonl");
        Files.writeString(data, "{\"question\": \"q\", \"answer\": \"1\"}\n{\"question\": \"no gold\"}\n");
        DeepConfRunTest.Result r = DeepConfRunTest.run("curate", "--model", model.toString(), "--tokenizer", TOKENIZER.toString(),
                "--data", data.toString(), "--out", tmp.resolve("o.jsonl").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("falcon-h1r curate: " + data + ":2: no gold"), r.err());
        DeepConfRunTest.Result mini = DeepConfRunTest.run("grpo", "--model", model.toString(), "--tokenizer", TOKENIZER.toString(),
                "--data", data.toString(), "--out", tmp.resolve("run").toString(), "--prompts-per-step", "3", "--group", "5",
                "--mini-batches", "2");
        assertEquals(2, mini.code());
        assertTrue(mini.err().contains("--mini-batches must divide B*G = 15"), mini.err());
    }

    /** Writes the bigram checkpoint described above to {@code dir}. */
    static Path boxedBigram(Path dir) {
        Tokenizer tok = Tokenizer.load(TOKENIZER);
        FalconH1Config base = FalconH1Config.read(FIXTURES.resolve("falcon_h1/gqa_g1_norm_before_gate/config.json"));
        FalconH1Config config = FalconH1Config.parse(
                base.toJson().replaceFirst("\"vocab_size\"\\s*:\\s*\\d+", "\"vocab_size\": " + tok.vocabSize()), "test");
        FalconH1Parameters p = FalconH1Parameters.init(config, 3);
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            for (String name : List.of("self_attn.o_proj.weight", "mamba.out_proj.weight", "feed_forward.down_proj.weight")) {
                Arrays.fill(p.get(ParameterShapes.layer(layer, name)), 0f);
            }
        }
        int[] prompt = TextCodec.chat(tok, config, null).prompt("any question");
        int[] boxed4 = tok.encode("\\boxed{4}", false), boxed5 = tok.encode("\\boxed{5}", false);
        int end = tok.tokenId("<|im_end|>").getAsInt();
        int[][] edges = {                                        // from, to: the chain after the prompt's last token
            {prompt[prompt.length - 1], boxed4[0]}, {boxed4[0], boxed4[1]}, {boxed4[1], boxed4[2]},
            {boxed4[2], boxed4[3]}, {boxed4[2], boxed5[3]}, {boxed4[3], boxed4[4]}, {boxed5[3], boxed5[4]}, {boxed4[4], end}};
        int d = config.hiddenSize();
        float[] embed = p.get(ParameterShapes.EMBED), head = p.get(ParameterShapes.LM_HEAD);
        Arrays.fill(embed, 0f);
        Arrays.fill(head, 0f);
        List<Integer> states = new java.util.ArrayList<>();
        for (int[] e : edges) {
            if (!states.contains(e[0])) states.add(e[0]);
            int state = states.indexOf(e[0]);
            embed[e[0] * d + state] = 1f;
            head[e[1] * d + state] = 6f;                         // logit 6 · sqrt(d) · lm_head_multiplier ≈ 20
        }
        p.save(dir);
        return dir;
    }
}
