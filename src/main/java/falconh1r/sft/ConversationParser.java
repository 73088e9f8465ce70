package falconh1r.sft;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import falconh1r.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One JSONL line to a {@link Conversation}. The line is an object:
 * <pre>
 * {"messages": [{"role": "system" | "user" | "assistant" | "tool", "content": "...",
 *                "reasoning": "..."}, ...],          reasoning: assistant turns only, optional
 *  "domain": "math", "difficulty": "easy" | "medium" | "hard", "pass_rate": 0.25}   all optional
 * </pre>
 * {@code reasoning_content} (transformers' name) is accepted for {@code reasoning}; other fields are
 * ignored. Anything else (not JSON or not UTF-8, trailing data, a missing or mistyped field, an
 * unknown role, no assistant turn, a pass rate outside [0, 1]) is a {@link BadSample} whose message
 * says what and where in the line.
 */
public final class ConversationParser {
    private ConversationParser() {}

    /** Why a line is not a sample. */
    public static final class BadSample extends Exception {
        private static final long serialVersionUID = 1L;

        BadSample(String message) {
            super(message);
        }
    }

    /** Roles a message may have. */
    public static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    /** Parses the UTF-8 bytes of one line. */
    public static Conversation parse(byte[] line) throws BadSample {
        JsonNode root;
        try {
            root = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new BadSample("not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new BadSample("not readable: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new BadSample("expected a JSON object");
        JsonNode list = root.get("messages");
        if (list == null) throw new BadSample("missing field 'messages'");
        if (!list.isArray() || list.isEmpty()) throw new BadSample("'messages' must be a non-empty array");
        List<ChatMessage> messages = new ArrayList<>(list.size());
        boolean assistant = false;
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject()) throw new BadSample(where + " must be an object");
            String role = text(m, "role", where, true);
            if (!ROLES.contains(role)) throw new BadSample(where + ": unknown role '" + role + "' (expected one of system, user, assistant, tool)");
            String content = text(m, "content", where, true);
            String reasoning = text(m, "reasoning", where, false);
            String alias = text(m, "reasoning_content", where, false);
            if (reasoning != null && alias != null) throw new BadSample(where + " has both 'reasoning' and 'reasoning_content'");
            if (reasoning == null) reasoning = alias;
            if (reasoning != null && !role.equals("assistant")) throw new BadSample(where + ": only assistant turns carry reasoning, not " + role);
            assistant |= role.equals("assistant");
            messages.add(new ChatMessage(role, content, reasoning));
        }
        if (!assistant) throw new BadSample("no assistant message to train on");
        String domain = text(root, "domain", "the line", false);
        String label = text(root, "difficulty", "the line", false);
        Conversation.Difficulty difficulty = null;
        if (label != null) {
            try {
                difficulty = Conversation.Difficulty.valueOf(label.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BadSample("'difficulty' must be easy, medium or hard, got '" + label + "'");
            }
        }
        Double passRate = null;
        JsonNode p = root.get("pass_rate");
        if (p != null && !p.isNull()) {
            if (!p.isNumber() || !(p.doubleValue() >= 0 && p.doubleValue() <= 1)) {
                throw new BadSample("'pass_rate' must be a number in [0, 1], got " + p);
            }
            passRate = p.doubleValue();
        }
        return new Conversation(messages, domain, difficulty, passRate);
    }

    /** A string field; absent or null is an error when {@code required}, else null. */
    private static String text(JsonNode node, String field, String where, boolean required) throws BadSample {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new BadSample(where + ": missing field '" + field + "'");
            return null;
        }
        if (!v.isTextual()) throw new BadSample(where + ": '" + field + "' must be a string, got " + v.getNodeType().name().toLowerCase(Locale.ROOT));
        return v.textValue();
    }
}
