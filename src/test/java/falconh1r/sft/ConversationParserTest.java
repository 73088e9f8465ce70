package falconh1r.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.tokenizer.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@link ConversationParser}: the fields it reads, and every kind of bad line with its reason. */
class ConversationParserTest {

    static Conversation parse(String json) throws ConversationParser.BadSample {
        return ConversationParser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsMessagesAndLabels() throws Exception {
        Conversation c = parse("""
                {"id": 7, "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"},
                 {"role": "assistant", "content": "A", "reasoning": "R"}], "domain": "math", "difficulty": "Hard", "pass_rate": 0.25}""");
        assertEquals(List.of(ChatMessage.system("S"), ChatMessage.user("Q"), ChatMessage.assistant("A", "R")), c.messages());
        assertEquals("math", c.domain());
        assertEquals(Conversation.Difficulty.HARD, c.difficulty());
        assertEquals(0.25, c.passRate());
        assertEquals(2, c.lastAssistant());
        Conversation plain = parse("{\"messages\": [{\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", \"content\": \"A\", \"reasoning_content\": \"R\"}]}");
        assertEquals(ChatMessage.assistant("A", "R"), plain.messages().get(1));
        assertNull(plain.domain());
        assertNull(plain.difficulty());
        assertNull(plain.passRate());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "{\"messages\": [|not valid JSON",
        "{\"messages\": []} trailing|not valid JSON",
        "[1, 2]|expected a JSON object",
        "{\"msgs\": []}|missing field 'messages'",
        "{\"messages\": []}|'messages' must be a non-empty array",
        "{\"messages\": [\"hi\"]}|messages[0] must be an object",
        "{\"messages\": [{\"content\": \"x\"}]}|messages[0]: missing field 'role'",
        "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}|messages[0]: unknown role 'robot'",
        "{\"messages\": [{\"role\": \"assistant\"}]}|messages[0]: missing field 'content'",
        "{\"messages\": [{\"role\": \"assistant\", \"content\": 3}]}|messages[0]: 'content' must be a string, got number",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"q\", \"reasoning\": \"r\"}]}|messages[0]: only assistant turns carry reasoning",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}]}|no assistant message to train on",
        "{\"messages\": [{\"role\": \"assistant\", \"content\": \"a\"}], \"difficulty\": \"brutal\"}|'difficulty' must be easy, medium or hard",
        "{\"messages\": [{\"role\": \"assistant\", \"content\": \"a\"}], \"pass_rate\": 1.5}|'pass_rate' must be a number in [0, 1]",
        "{\"messages\": [{\"role\": \"assistant\", \"content\": \"a\", \"reasoning\": \"r\", \"reasoning_content\": \"r\"}]}|has both 'reasoning' and 'reasoning_content'",
    })
    void badLinesSayWhy(String line, String reason) {
        ConversationParser.BadSample e = assertThrows(ConversationParser.BadSample.class, () -> parse(line));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void invalidUtf8IsABadLine() {
        byte[] bytes = {'{', '"', 'm', '"', ':', '"', (byte) 0xC3, '"', '}'};
        assertThrows(ConversationParser.BadSample.class, () -> ConversationParser.parse(bytes));
    }
}
