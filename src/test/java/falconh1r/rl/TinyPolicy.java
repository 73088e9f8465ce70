package falconh1r.rl;

import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test doubles for the RL loop on a tiny random Falcon-H1 (fixtures/falcon_h1/gqa_g1_norm_before_gate,
 * vocab 96): prompts are a few ids fixed by the question, a response decodes to
 * "\boxed{letters}" with one letter per token ('a' + id mod m), and the stub reward accepts an
 * answer that starts with the gold text.
 */
final class TinyPolicy {
    private TinyPolicy() {}

    static final Path CONFIG = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "falcon_h1", "gqa_g1_norm_before_gate",
            "config.json");

    static FalconH1Parameters params(long seed) {
        return FalconH1Parameters.init(FalconH1Config.read(CONFIG), seed);
    }

    /** Question "q&lt;n&gt;" → prompt [1, 10 + n, 20 + n, 30 + n]; token id v → letter 'a' + v mod {@code modulus}, all boxed; the given stop ids. */
    static TextCodec codec(int modulus, int... stops) {
        return new TextCodec() {
            @Override
            public int[] prompt(String question) {
                int n = Integer.parseInt(question.substring(1));
                return new int[] {1, 10 + n, 20 + n, 30 + n};
            }

            @Override
            public String decode(int[] ids) {
                StringBuilder s = new StringBuilder("\\boxed{");
                for (int id : ids) s.append((char) ('a' + id % modulus));
                return s.append('}').toString();
            }

            @Override
            public int[] stopTokens() {
                return stops.clone();
            }
        };
    }

    /** 1 when the extracted answer starts with the gold text. */
    static final Rewarder PREFIX = (gold, prediction) -> {
        String answer = falconh1r.infer.Answers.extract(prediction);
        return answer != null && answer.startsWith(gold) ? 1 : 0;
    };

    /** Every token id of the model: as stop tokens, every response ends after one token. */
    static int[] allIds() {
        int[] ids = new int[96];
        for (int i = 0; i < ids.length; i++) ids[i] = i;
        return ids;
    }

    /** Problems q0..q(n−1), each with the gold answer {@code gold}. */
    static List<Problem> problems(int n, String gold) {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<Problem> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            com.fasterxml.jackson.databind.node.ObjectNode o = json.createObjectNode().put("id", "q" + i).put("question", "q" + i)
                    .put("answer", gold);
            out.add(new Problem("q" + i, "q" + i, gold, o));
        }
        return out;
    }
}
