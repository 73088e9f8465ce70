package falconh1r.tokenizer;

import java.util.List;
import java.util.Objects;

/**
 * The Falcon-H1R conversation format, rendered by hand to the same string as transformers'
 * {@code apply_chat_template} (jinja2) gives with fixtures/tokenizer/falcon_h1r_chat_template.jinja:
 * <pre>
 * {bos}&lt;|im_start|&gt;system\n{system}&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;user\n{question}&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;assistant\n&lt;think&gt;\n{reasoning}\n&lt;/think&gt;\n\n{answer}&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;assistant\n                      (the generation prompt)
 * </pre>
 * The turns are Falcon-H1's: ChatML after the BOS token (LLaMA-Factory's {@code falcon_h1} template,
 * stop words {@code <|im_end|>} and {@code <|end_of_text|>}). Falcon-H1R's own tokenizer_config was
 * not at hand; its reasoning follows the report: reasoning inside {@code <think> </think>} before the
 * answer, and (pipeline.md §1.4) kept only in the assistant turns after the last user turn, earlier
 * turns showing the answer alone, as Qwen3's template does. Every message, system ones included,
 * is rendered where it stands.
 */
public final class ChatTemplate {
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String THINK_OPEN = "<think>";
    public static final String THINK_CLOSE = "</think>";

    private final String bosToken;

    private ChatTemplate(String bosToken) {
        this.bosToken = Objects.requireNonNull(bosToken, "bosToken");
    }

    /** The template with the tokenizer's BOS token string (Falcon-H1: {@code <|begin_of_text|>}). */
    public static ChatTemplate falconH1r(String bosToken) {
        return new ChatTemplate(bosToken);
    }

    /** The conversation as text; with {@code addGenerationPrompt}, followed by the opening of an assistant turn. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        int lastUser = -1;
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).role().equals("user")) lastUser = i;
        }
        StringBuilder out = new StringBuilder(bosToken);
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            out.append(IM_START).append(m.role()).append('\n');
            if (m.role().equals("assistant") && m.reasoningContent() != null && i > lastUser) {
                out.append(THINK_OPEN).append('\n').append(m.reasoningContent()).append('\n').append(THINK_CLOSE).append("\n\n");
            }
            out.append(m.content()).append(IM_END).append('\n');
        }
        if (addGenerationPrompt) out.append(IM_START).append("assistant\n");
        return out.toString();
    }
}
