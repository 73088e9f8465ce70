package falconh1r.sft;

import falconh1r.tokenizer.ChatMessage;
import java.util.List;

/**
 * One SFT sample as read from a JSONL line: the messages (system, user, assistant, tool turns; an
 * assistant turn may carry its reasoning, rendered inside {@code <think>}) and the optional labels
 * the difficulty weighting reads (pipeline.md §1.5): {@code domain}, {@code difficulty}
 * ({@code easy}, {@code medium} or {@code hard}) and {@code passRate} in [0, 1]. Absent labels are
 * null.
 */
public record Conversation(List<ChatMessage> messages, String domain, Difficulty difficulty, Double passRate) {

    /** The three buckets of pipeline.md §1.5. */
    public enum Difficulty { EASY, MEDIUM, HARD }

    public Conversation {
        messages = List.copyOf(messages);
        if (passRate != null && !(passRate >= 0 && passRate <= 1)) {
            throw new IllegalArgumentException("passRate must be in [0, 1], got " + passRate);
        }
    }

    /** The index of the last assistant message, or -1. */
    public int lastAssistant() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role().equals("assistant")) return i;
        }
        return -1;
    }
}
