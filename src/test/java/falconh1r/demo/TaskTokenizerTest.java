package falconh1r.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.tokenizer.ChatMessage;
import falconh1r.tokenizer.ChatTemplate;
import falconh1r.tokenizer.Tokenizer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link TaskTokenizer}: its tokenizer.json loads through {@link Tokenizer#fromJson}; a rendered
 * conversation of the task decodes back to itself; the special tokens have the fixed ids; the
 * merges make the roles and {@code \boxed{} single tokens and every other character its own.
 */
class TaskTokenizerTest {
    final Tokenizer tok = TaskTokenizer.create();

    @Test
    void conversationsRoundTrip() {
        SplittableRandom random = new SplittableRandom(5);
        ChatTemplate template = ChatTemplate.falconH1r(TaskTokenizer.BOS);
        for (int i = 0; i < 40; i++) {
            ChainTask.Problem p = ChainTask.generate("p", 1 + random.nextInt(6), 0.5, random);
            String text = template.render(List.of(ChatMessage.system("you are falcon"), ChatMessage.user(p.question()),
                    ChatMessage.assistant(p.boxed(), p.reasoning())), false);
            int[] ids = tok.encode(text, false);
            assertEquals(text, tok.decode(ids, false));
            // the question's characters are one token each
            assertEquals(p.question().length(), tok.encode(p.question(), false).length, p.question());
        }
    }

    @Test
    void specialTokensAndMerges() {
        String[] specials = {TaskTokenizer.PAD, TaskTokenizer.BOS, TaskTokenizer.EOS, ChatTemplate.IM_START, ChatTemplate.IM_END,
            ChatTemplate.THINK_OPEN, ChatTemplate.THINK_CLOSE};
        for (int id = 0; id < specials.length; id++) assertEquals(id, tok.tokenId(specials[id]).orElseThrow(), specials[id]);
        assertEquals(TaskTokenizer.EOS_ID, tok.tokenId(TaskTokenizer.EOS).orElseThrow());
        assertTrue(tok.isSpecial(4) && !tok.isSpecial(5), "im_end is special, <think> is not");
        for (String word : List.of("user", "assistant", "system", "\\boxed{")) {
            assertEquals(1, tok.encode(word, false).length, word);
        }
        int[] ids = tok.encode("<|im_start|>assistant\n<think>\n3*4=2\n</think>\n\n\\boxed{2}<|im_end|>", false);
        assertEquals(18, ids.length, java.util.Arrays.toString(ids));   // im_start assistant \n <think> \n 3 * 4 = 2 \n </think> \n \n \boxed{ 2 } im_end
        assertEquals("<think>\n3*4=2\n</think>\n\n\\boxed{2}", tok.decode(java.util.Arrays.copyOfRange(ids, 3, ids.length), true));
        assertArrayEquals(tok.encode("7", false), new int[] {tok.tokenId("7").orElseThrow()});
        assertEquals(tok.vocabSize(), TaskTokenizer.create().vocabSize());
    }
}
