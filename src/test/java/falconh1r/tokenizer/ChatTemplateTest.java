package falconh1r.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ChatTemplate} renders the fixture conversations (with and without system prompt, multi-turn,
 * reasoning kept and dropped, empty and multi-line contents, a late system message) to exactly the
 * strings transformers 5.24's {@code apply_chat_template} rendered from falcon_h1r_chat_template.jinja
 * with jinja2 3.1.6, with and without the generation prompt; their ids (special tokens matched as
 * added tokens, no BOS added twice) equal tokenizers'.
 */
class ChatTemplateTest {
    static final JsonNode CHAT = TokenizerFixtures.json("chat.expected.json");

    static List<ChatMessage> messages(JsonNode list) {
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : list) {
            JsonNode r = m.get("reasoning_content");
            out.add(new ChatMessage(m.get("role").textValue(), m.get("content").textValue(), r == null ? null : r.textValue()));
        }
        return out;
    }

    @Test
    void rendersWhatJinjaRendered() {
        ChatTemplate template = ChatTemplate.falconH1r(CHAT.get("bos_token").textValue());
        Tokenizer tok = TokenizerFixtures.tokenizer("falcon_like");
        assertEquals(22, CHAT.get("cases").size());
        for (JsonNode c : CHAT.get("cases")) {
            String text = template.render(messages(c.get("messages")), c.get("add_generation_prompt").booleanValue());
            assertEquals(c.get("text").textValue(), text, c.get("messages").toString());
            assertArrayEquals(TokenizerFixtures.ints(c.get("ids")), tok.encode(text, false), c.get("messages").toString());
        }
    }

    @Test
    void specialTokensOfTheTemplateAreSingleIds() {
        Tokenizer tok = TokenizerFixtures.tokenizer("falcon_like");
        for (String s : List.of(ChatTemplate.IM_START, ChatTemplate.IM_END, ChatTemplate.THINK_OPEN, ChatTemplate.THINK_CLOSE)) {
            int id = tok.tokenId(s).orElseThrow();
            assertArrayEquals(new int[] {id}, tok.encode(s, false), s);
            assertEquals(true, tok.isSpecial(id), s);
        }
    }

    @Test
    void refusesMissingContent() {
        assertThrows(NullPointerException.class, () -> new ChatMessage("user", null, null));
    }
}
