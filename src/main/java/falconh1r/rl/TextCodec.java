package falconh1r.rl;

import falconh1r.model.FalconH1Config;
import falconh1r.tokenizer.ChatMessage;
import falconh1r.tokenizer.ChatTemplate;
import falconh1r.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Text in and out of the policy: a question as prompt token ids, generated ids as text, and the ids
 * that end a response.
 */
public interface TextCodec {

    /** The prompt token ids for {@code question}, ending where the response begins. */
    int[] prompt(String question);

    /** The response text of {@code ids} (special tokens skipped). */
    String decode(int[] ids);

    /** The ids that end a response (kept as its last token). */
    int[] stopTokens();

    /**
     * Falcon-H1R's chat format: the question as the user turn of {@link ChatTemplate#falconH1r}
     * (after an optional system turn, e.g. the RL system prompt of pipeline.md §3.8) with the
     * generation prompt, BOS {@code <|begin_of_text|>} when the tokenizer has it; stop tokens
     * {@code <|im_end|>} and the config's {@code eos_token_id}s. The tokenizer's ids must fit the
     * model's vocabulary.
     *
     * @param system the system message; null for none
     */
    static TextCodec chat(Tokenizer tokenizer, FalconH1Config config, String system) {
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " tokens, the model's vocab_size is " + config.vocabSize());
        }
        String bos = tokenizer.tokenId("<|begin_of_text|>").isPresent() ? "<|begin_of_text|>" : "";
        ChatTemplate template = ChatTemplate.falconH1r(bos);
        Set<Integer> stops = new LinkedHashSet<>();
        tokenizer.tokenId(ChatTemplate.IM_END).ifPresent(stops::add);
        if (config.eosTokenIds() != null) stops.addAll(config.eosTokenIds());
        if (stops.isEmpty()) throw new IllegalArgumentException("neither the tokenizer (<|im_end|>) nor the config (eos_token_id) gives an end token");
        int[] stopIds = stops.stream().mapToInt(Integer::intValue).toArray();
        return new TextCodec() {
            @Override
            public int[] prompt(String question) {
                List<ChatMessage> messages = new ArrayList<>();
                if (system != null) messages.add(ChatMessage.system(system));
                messages.add(ChatMessage.user(question));
                return tokenizer.encode(template.render(messages, true), false);
            }

            @Override
            public String decode(int[] ids) {
                return tokenizer.decode(ids, true);
            }

            @Override
            public int[] stopTokens() {
                return stopIds.clone();
            }
        };
    }
}
