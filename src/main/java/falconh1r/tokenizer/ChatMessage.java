package falconh1r.tokenizer;

import java.util.Objects;

/**
 * One message of a conversation: {@code role} ({@code system}, {@code user}, {@code assistant}, or
 * any other role name), {@code content}, and for assistant turns the optional reasoning that
 * {@link ChatTemplate} renders as a {@code <think>} block ({@code reasoning_content} in the
 * transformers message dicts); null when there is none.
 */
public record ChatMessage(String role, String content, String reasoningContent) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content, null);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content, null);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content, null);
    }

    public static ChatMessage assistant(String content, String reasoning) {
        return new ChatMessage("assistant", content, reasoning);
    }
}
