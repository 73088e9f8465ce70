package falconh1r.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import falconh1r.tokenizer.ChatTemplate;
import falconh1r.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's tokenizer, written as a Hugging Face {@code tokenizer.json} and read back through
 * {@link Tokenizer#fromJson}: a BPE model over single characters (digits, the operators, lower-case
 * letters, the LaTeX of {@code \boxed{}}, space and newline) with merges that spell the chat
 * template's role names and {@code \boxed{} as one token each, no pre-tokenizer or normalizer, and
 * a {@code Fuse} decoder (tokens are plain text, so decoding concatenates them). The special tokens
 * come first: {@code <|pad|>} 0, {@code <|begin_of_text|>} 1, {@code <|end_of_text|>} 2,
 * {@code <|im_start|>} 3, {@code <|im_end|>} 4, {@code <think>} 5, {@code </think>} 6; the think
 * tags are not special, so a decoded response keeps them.
 */
public final class TaskTokenizer {
    private TaskTokenizer() {}

    public static final String PAD = "<|pad|>";
    public static final String BOS = "<|begin_of_text|>";
    public static final String EOS = "<|end_of_text|>";

    /** The added tokens in id order, and whether each is special. */
    private static final String[] ADDED = {PAD, BOS, EOS, ChatTemplate.IM_START, ChatTemplate.IM_END, ChatTemplate.THINK_OPEN,
        ChatTemplate.THINK_CLOSE};
    private static final boolean[] SPECIAL = {true, true, true, true, true, false, false};

    /** Single characters after the added tokens. */
    private static final String CHARACTERS = "\n 0123456789+-*/=()[]{}\\^_.,:;?!'\"abcdefghijklmnopqrstuvwxyz";

    /** Words the merges spell as one token: the template's roles and the answer's box. */
    private static final String[] WORDS = {"user", "assistant", "system", "\\boxed{"};

    /** The pad id (the model's {@code pad_token_id}). */
    public static final int PAD_ID = 0;
    /** The end-of-text id (the model's {@code eos_token_id}). */
    public static final int EOS_ID = 2;

    /** The tokenizer.json text. */
    public static String json() {
        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String t : ADDED) vocab.put(t, vocab.size());
        for (char c : CHARACTERS.toCharArray()) vocab.put(String.valueOf(c), vocab.size());
        List<String[]> merges = new ArrayList<>();
        for (String w : WORDS) {
            // left to right: "u s" -> "us", "us e" -> "use", "use r" -> "user"
            for (int i = 1; i < w.length(); i++) {
                String left = w.substring(0, i), merged = w.substring(0, i + 1);
                if (vocab.containsKey(merged)) continue;
                merges.add(new String[] {left, w.substring(i, i + 1)});
                vocab.put(merged, vocab.size());
            }
        }
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < ADDED.length; i++) {
            added.addObject().put("id", i).put("content", ADDED[i]).put("single_word", false).put("lstrip", false).put("rstrip", false)
                    .put("normalized", false).put("special", SPECIAL[i]);
        }
        root.putNull("normalizer");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        for (String[] pair : merges) m.addArray().add(pair[0]).add(pair[1]);
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tokenizer, parsed from {@link #json()}. */
    public static Tokenizer create() {
        return Tokenizer.fromJson(json(), "the demo tokenizer");
    }
}
