package falconh1r.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import falconh1r.tokenizer.ChatMessage;
import falconh1r.tokenizer.ChatTemplate;
import falconh1r.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link SampleEncoder} on the conversations of fixtures/tokenizer/chat.expected.json, whose text
 * and ids transformers 5.24's {@code apply_chat_template} produced (make_tokenizer_fixtures.py): in
 * LAST mode the ids of every conversation ending in an assistant turn equal transformers' ids
 * exactly; the targets are exactly the last assistant turn's body (decoded: the think block, the
 * answer and {@code <|im_end|>}); the ids before them are those of the generation prompt. ALL mode
 * keeps every turn's reasoning and trains every body; right truncation; a foreign vocabulary is refused.
 */
class SampleEncoderTest {
    static final JsonNode CHAT = SftFixtures.json(SftFixtures.fixtures().resolve("tokenizer").resolve("chat.expected.json"));
    static final Tokenizer TOK = SftFixtures.tokenizer();
    static final String BOS = CHAT.get("bos_token").textValue();

    static List<ChatMessage> messages(JsonNode list) {
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : list) {
            JsonNode r = m.get("reasoning_content");
            out.add(new ChatMessage(m.get("role").textValue(), m.get("content").textValue(), r == null ? null : r.textValue()));
        }
        return out;
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).intValue();
        return out;
    }

    static SampleEncoder encoder(SampleEncoder.LossMask mask, int maxLength) {
        return new SampleEncoder(TOK, BOS, mask, maxLength, TOK.vocabSize());
    }

    /** The body a trained assistant turn must decode to. */
    static String body(ChatMessage m) {
        String think = m.reasoningContent() == null ? ""
                : ChatTemplate.THINK_OPEN + "\n" + m.reasoningContent() + "\n" + ChatTemplate.THINK_CLOSE + "\n\n";
        return think + m.content() + ChatTemplate.IM_END;
    }

    /** The decoded text of each maximal run of targets. */
    static List<String> targetRuns(SampleEncoder.Encoded e) {
        List<String> runs = new ArrayList<>();
        for (int t = 0; t < e.ids().length; ) {
            if (!e.targets()[t]) {
                t++;
                continue;
            }
            int from = t;
            while (t < e.ids().length && e.targets()[t]) t++;
            runs.add(TOK.decode(Arrays.copyOfRange(e.ids(), from, t), false));
        }
        return runs;
    }

    @Test
    void lastTurnIdsAreTransformersIdsAndTheMaskIsTheLastBody() {
        int checked = 0;
        for (JsonNode c : CHAT.get("cases")) {
            List<ChatMessage> messages = messages(c.get("messages"));
            if (c.get("add_generation_prompt").booleanValue() || !messages.getLast().role().equals("assistant")) continue;
            SampleEncoder.Encoded e = encoder(SampleEncoder.LossMask.LAST, 100_000).encode(new Conversation(messages, null, null, null));
            String what = c.get("messages").toString();
            assertArrayEquals(ints(c.get("ids")), e.ids(), what);
            assertEquals(List.of(body(messages.getLast())), targetRuns(e), what);
            int first = 0;
            while (!e.targets()[first]) first++;
            String prompt = ChatTemplate.falconH1r(BOS).render(messages.subList(0, messages.size() - 1), true);
            assertArrayEquals(TOK.encode(prompt, false), Arrays.copyOf(e.ids(), first), what);
            assertEquals(e.ids().length - first - 1, e.targetCount(), what);     // all but the final "\n"
            assertFalse(e.truncated());
            checked++;
        }
        assertEquals(6, checked);
    }

    @Test
    void everyTurnKeepsReasoningAndTrainsInAllMode() {
        List<ChatMessage> messages = List.of(ChatMessage.user("q1"), ChatMessage.assistant("a1", "r1"), ChatMessage.user("q2"),
                ChatMessage.assistant("a2"), ChatMessage.user("q3"), ChatMessage.assistant("a3", "r3"), ChatMessage.user("trailing"));
        Conversation c = new Conversation(messages, null, null, null);
        SampleEncoder.Encoded all = encoder(SampleEncoder.LossMask.ALL, 100_000).encode(c);
        assertEquals(List.of(body(messages.get(1)), body(messages.get(3)), body(messages.get(5))), targetRuns(all));
        StringBuilder text = new StringBuilder(BOS);
        for (ChatMessage m : messages.subList(0, 6)) text.append(ChatTemplate.falconH1r("").render(List.of(m), false));
        assertArrayEquals(TOK.encode(text.toString(), false), all.ids(), "the turns with reasoning, the trailing user turn dropped");

        SampleEncoder.Encoded last = encoder(SampleEncoder.LossMask.LAST, 100_000).encode(c);
        assertEquals(List.of(body(messages.get(5))), targetRuns(last));
        assertFalse(TOK.decode(last.ids(), false).contains("r1"), "earlier reasoning is stripped");
    }

    @Test
    void bodiesStartingWithWhitespaceStillDecodeToTheText() {
        // The one place where the segment ids may differ from the whole text's: the header's "\n" and a
        // body that starts with whitespace. The ids always decode to the same text.
        List<ChatMessage> messages = List.of(ChatMessage.user("q"), ChatMessage.assistant("\n\n  answer"));
        SampleEncoder.Encoded e = encoder(SampleEncoder.LossMask.LAST, 100_000).encode(new Conversation(messages, null, null, null));
        assertEquals(ChatTemplate.falconH1r(BOS).render(messages, false), TOK.decode(e.ids(), false));
        assertEquals(List.of(body(messages.get(1))), targetRuns(e));
    }

    @Test
    void rightTruncation() {
        Conversation c = new Conversation(List.of(ChatMessage.user("What is 2+2?"), ChatMessage.assistant("4", "two and two")), null, null, null);
        SampleEncoder.Encoded full = encoder(SampleEncoder.LossMask.LAST, 100_000).encode(c);
        SampleEncoder.Encoded cut = encoder(SampleEncoder.LossMask.LAST, full.ids().length - 5).encode(c);
        assertTrue(cut.truncated());
        assertArrayEquals(Arrays.copyOf(full.ids(), full.ids().length - 5), cut.ids());
        assertArrayEquals(Arrays.copyOf(full.targets(), full.ids().length - 5), cut.targets());
        assertEquals(full.trainedTokens(), cut.trainedTokens(), "the trace length is counted before truncation");
        int prompt = 0;
        while (!full.targets()[prompt]) prompt++;
        assertEquals(0, encoder(SampleEncoder.LossMask.LAST, prompt).encode(c).targetCount(), "cut before the answer: nothing to learn");
    }

    @Test
    void refusesIdsOutsideTheModel() {
        Conversation c = new Conversation(List.of(ChatMessage.user("hello"), ChatMessage.assistant("world")), null, null, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SampleEncoder(TOK, BOS, SampleEncoder.LossMask.LAST, 100, 96).encode(c));
        assertTrue(e.getMessage().contains("outside the model's vocabulary of 96"), e.getMessage());
    }
}
