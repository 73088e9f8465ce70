package falconh1r.cli;

import falconh1r.model.FalconH1Parameters;
import falconh1r.reward.MathReward;
import falconh1r.rl.Problem;
import falconh1r.rl.Rewarder;
import falconh1r.rl.TextCodec;
import falconh1r.tokenizer.Tokenizer;
import falconh1r.tokenizer.TokenizerException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The policy, tokenizer, problems and system prompt of {@code curate} and {@code grpo} (a picocli mixin). */
final class RlOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "the policy checkpoint, a Hugging Face folder (Falcon-H1R: the SFT model)")
    Path model;
    @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "tokenizer.json")
    Path tokenizer;
    @Option(names = "--data", required = true, paramLabel = "FILE.jsonl",
            description = "problems, one JSON object per line: \"question\" (or \"problem\"/\"prompt\"), the gold \"answer\" (or \"gold\"), optional \"id\"")
    Path data;
    @Option(names = "--system", paramLabel = "TEXT",
            description = "a system message before every question (default: none; the paper's RL prompt introduces Falcon and asks for the reasoning in <think> tags before the answer)")
    String system;

    /** The math reward of pipeline.md §3.7 ({@link MathReward}): verl's tier 1 (last \boxed{}, Hendrycks normalisation) or Math-Verify's tier 2. */
    static final Rewarder REWARD = MathReward::score;

    /** What the options name, loaded; a bad file is a {@link UserError}. */
    record Inputs(FalconH1Parameters params, TextCodec codec, List<Problem> problems) {}

    Inputs load() {
        try {
            Tokenizer tok = Tokenizer.load(tokenizer);
            List<Problem> problems = Problem.readJsonl(data);
            FalconH1Parameters params = FalconH1Parameters.load(model);
            return new Inputs(params, TextCodec.chat(tok, params.config(), system), problems);
        } catch (IllegalArgumentException | TokenizerException e) {
            throw new UserError(e.getMessage());
        }
    }
}
