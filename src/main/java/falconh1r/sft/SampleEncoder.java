package falconh1r.sft;

import falconh1r.tokenizer.ChatMessage;
import falconh1r.tokenizer.ChatTemplate;
import falconh1r.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link Conversation} to token ids and a loss mask (pipeline.md §1.4), in the Falcon-H1R chat
 * format of {@link ChatTemplate}:
 * <ul>
 *   <li>{@link LossMask#LAST} (multi-turn chat): the conversation up to its last assistant turn;
 *       earlier assistant turns lose their {@code <think>} reasoning; the loss is on the last
 *       assistant turn only.
 *   <li>{@link LossMask#ALL} (tool calling): every assistant turn keeps its reasoning and carries
 *       the loss.
 * </ul>
 * Messages after the last assistant turn are dropped (nothing would learn from them). A trained
 * turn's loss covers its body, from the first token after {@code <|im_start|>assistant\n} through
 * {@code <|im_end|>} (the model learns to stop), not the header nor the {@code \n} after it.
 *
 * <p>How the token spans are found: the text is the concatenation of the template's turns (each
 * turn rendered by {@link ChatTemplate#render} on its own, less the BOS it starts with), cut into
 * segments at the start and end of every trained body; consecutive untrained text forms one segment,
 * and each segment is encoded on its own ({@code add_special_tokens=False}, as
 * {@code apply_chat_template} tokenizes). The ids are the segments' ids concatenated, so the
 * context before a trained turn is exactly the ids of the prompt {@code render(earlier, true)} that
 * generation would feed. A body ends at the special token {@code <|im_end|>}, where the
 * tokenizer splits anyway; it starts after the header's {@code \n}, and the ids equal those of the
 * whole text unless the pre-tokenizer would have merged that {@code \n} with what follows (a body
 * starting with whitespace; a body with reasoning starts with the special {@code <think>}).
 * SampleEncoderTest checks both on the chat fixtures that transformers tokenized.
 *
 * <p>Right truncation (pipeline.md §1.6): the first {@code maxLength} tokens are kept.
 */
public final class SampleEncoder {

    public enum LossMask { LAST, ALL }

    /**
     * The ids [L] and which tokens are targets [L] ({@code targets[t]}: token t is predicted from
     * tokens 0..t−1 and counted in the loss); {@code trainedTokens} counts the targets before
     * truncation (the trace length of §1.5); {@code truncated} when tokens were cut.
     */
    public record Encoded(int[] ids, boolean[] targets, int trainedTokens, boolean truncated) {
        /** Targets that remain (position 0 never is one: nothing predicts it). */
        public int targetCount() {
            int n = 0;
            for (int t = 1; t < targets.length; t++) n += targets[t] ? 1 : 0;
            return n;
        }
    }

    /** A piece of the rendered text and whether its tokens carry the loss. */
    record Segment(String text, boolean trained) {}

    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final String bos;
    private final String header;               // the generation prompt: "<|im_start|>assistant\n"
    private final LossMask mask;
    private final int maxLength;
    private final int vocab;

    /**
     * @param bosToken  the BOS token string the template starts with ({@code <|begin_of_text|>})
     * @param vocab     the model's vocabulary: an id at or above it is refused
     */
    public SampleEncoder(Tokenizer tokenizer, String bosToken, LossMask mask, int maxLength, int vocab) {
        if (maxLength < 2) throw new IllegalArgumentException("maxLength must be at least 2 (a token and its successor), got " + maxLength);
        if (vocab < 1) throw new IllegalArgumentException("vocab must be at least 1, got " + vocab);
        this.tokenizer = tokenizer;
        this.template = ChatTemplate.falconH1r(bosToken);
        this.bos = bosToken;
        this.header = template.render(List.of(), true).substring(bos.length());
        this.mask = mask;
        this.maxLength = maxLength;
        this.vocab = vocab;
    }

    public LossMask lossMask() {
        return mask;
    }

    public int maxLength() {
        return maxLength;
    }

    /** The ids and targets of {@code c} (which has an assistant turn, as the parser guarantees). */
    public Encoded encode(Conversation c) {
        List<int[]> pieces = new ArrayList<>();
        List<Boolean> trained = new ArrayList<>();
        int total = 0, trainedTokens = 0;
        for (Segment s : segments(c)) {
            int[] ids = tokenizer.encode(s.text(), false);
            pieces.add(ids);
            trained.add(s.trained());
            total += ids.length;
            if (s.trained()) trainedTokens += ids.length;
        }
        int length = Math.min(total, maxLength);
        int[] ids = new int[length];
        boolean[] targets = new boolean[length];
        int at = 0;
        for (int p = 0; p < pieces.size() && at < length; p++) {
            int n = Math.min(pieces.get(p).length, length - at);
            System.arraycopy(pieces.get(p), 0, ids, at, n);
            if (trained.get(p)) Arrays.fill(targets, at, at + n, true);
            at += n;
        }
        for (int t = 0; t < length; t++) {
            if (ids[t] < 0 || ids[t] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[t] + " ('" + tokenizer.token(ids[t]) + "') is outside the model's vocabulary of "
                        + vocab + "; the tokenizer does not fit the model");
            }
        }
        return new Encoded(ids, targets, trainedTokens, total > length);
    }

    /** The rendered text, cut at the start and end of every trained body. */
    List<Segment> segments(Conversation c) {
        List<ChatMessage> messages = c.messages();
        int last = c.lastAssistant();
        if (last < 0) throw new IllegalArgumentException("the conversation has no assistant turn");
        List<Segment> out = new ArrayList<>();
        StringBuilder context = new StringBuilder(bos);
        for (int i = 0; i <= last; i++) {
            ChatMessage m = messages.get(i);
            boolean assistant = m.role().equals("assistant");
            boolean train = assistant && (mask == LossMask.ALL || i == last);
            if (assistant && !train && m.reasoningContent() != null) m = new ChatMessage(m.role(), m.content(), null);
            String turn = template.render(List.of(m), false).substring(bos.length());
            if (!train) {
                context.append(turn);
                continue;
            }
            String end = ChatTemplate.IM_END + "\n";
            if (!turn.startsWith(header) || !turn.endsWith(end)) {
                throw new IllegalStateException("the chat template's assistant turn does not look like " + header + "…" + end);
            }
            context.append(header);
            out.add(new Segment(context.toString(), false));
            context.setLength(0);
            out.add(new Segment(turn.substring(header.length(), turn.length() - 1), true));
            context.append('\n');
        }
        out.add(new Segment(context.toString(), false));
        return out;
    }
}
