package falconh1r.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} with a BPE model, run as tokenizers 0.23's
 * {@code Tokenizer.encode} / {@code decode} do ({@code tokenizer/mod.rs}):
 * <ol>
 * <li>added tokens with {@code normalized: false} are found in the raw text;
 * <li>the rest is normalized, and added tokens with {@code normalized: true} are found in it;
 * <li>the pre-tokenizer splits what is left into words;
 * <li>the BPE model turns each word into ids;
 * <li>the post-processor adds its special tokens (when asked).
 * </ol>
 * Decoding maps ids to token strings (skipping special tokens when asked) and runs the decoder.
 *
 * <p>Java strings may hold unpaired UTF-16 surrogates, which have no UTF-8 form (tokenizers' Python
 * binding refuses such a string); {@link #encode} replaces each with U+FFFD first, as Rust's
 * {@code String::from_utf16_lossy} would ({@link String#getBytes} would write {@code ?} instead).
 * Instances are immutable apart from a word cache and safe to share between threads.
 */
public final class Tokenizer {
    private final String source;
    private final Normalizers.Normalizer normalizer;
    private final PreTokenizers.PreTokenizer preTokenizer;
    private final Bpe model;
    private final PostProcessors.PostProcessor postProcessor;
    private final Decoders.Decoder decoder;
    private final AddedVocabulary added;
    private final int vocabSize;

    private Tokenizer(JsonField root) {
        this.source = root.source();
        JsonField version = root.optional("version");
        if (version != null && !version.string().equals("1.0")) throw version.error("unknown tokenizer.json version \"" + version.string() + "\" (1.0)");
        for (String unsupported : new String[] {"truncation", "padding"}) {
            if (root.has(unsupported)) throw root.get(unsupported).error("not supported; expected null");
        }
        this.normalizer = root.has("normalizer") ? Normalizers.parse(root.get("normalizer")) : null;
        this.preTokenizer = root.has("pre_tokenizer") ? PreTokenizers.parse(root.get("pre_tokenizer")) : null;
        this.model = Bpe.parse(root.get("model"));
        this.postProcessor = root.has("post_processor") ? PostProcessors.parse(root.get("post_processor")) : null;
        this.decoder = root.has("decoder") ? Decoders.parse(root.get("decoder")) : null;
        List<AddedVocabulary.AddedToken> tokens = new ArrayList<>();
        if (root.has("added_tokens")) {
            for (JsonField t : root.elements("added_tokens")) {
                t.index("id");
                boolean special = t.bool("special", false);
                tokens.add(new AddedVocabulary.AddedToken(t.string("content"), t.bool("single_word", false),
                        t.bool("lstrip", false), t.bool("rstrip", false), t.bool("normalized", !special), special));
            }
        }
        this.added = new AddedVocabulary(tokens, model, normalizer);
        Set<String> all = new HashSet<>(model.vocab().keySet());
        all.addAll(added.contents());
        this.vocabSize = all.size();
    }

    /** Reads a tokenizer.json; a {@link TokenizerException} names the file and field of what is wrong with it. */
    public static Tokenizer load(Path file) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return fromJson(json, file.toString());
    }

    /** A tokenizer from the text of a tokenizer.json; {@code sourceName} names it in error messages. */
    public static Tokenizer fromJson(String json, String sourceName) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JacksonException e) {
            throw new TokenizerException(sourceName, null, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new TokenizerException(sourceName, null, "expected a JSON object");
        return new Tokenizer(new JsonField(root, "", sourceName));
    }

    /** The ids of {@code text} with the post-processor's special tokens, as tokenizers' {@code encode(text)}. */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /** The ids of {@code text}; {@code addSpecialTokens} is tokenizers' {@code add_special_tokens}. */
    public int[] encode(String text, boolean addSpecialTokens) {
        Objects.requireNonNull(text, "text");
        List<Segment> segments = added.splitRaw(List.of(new Segment(CodePoints.replaceUnpairedSurrogates(text), -1, true)));
        List<Segment> normalized = new ArrayList<>(segments.size());
        for (Segment s : segments) {
            Segment n = s.isToken() || normalizer == null ? s : s.withText(normalizer.normalize(s.text()));
            if (n.isToken() || !n.text().isEmpty()) normalized.add(n);
        }
        segments = added.splitNormalized(normalized);
        if (preTokenizer != null) segments = preTokenizer.apply(segments);
        IntList ids = new IntList(text.length() / 3 + 4);
        for (Segment s : segments) {
            if (s.isToken()) {
                ids.add(s.tokenId());
            } else {
                model.tokenize(s.text(), ids);
            }
        }
        return postProcessor == null ? ids.toArray() : postProcessor.process(ids.toArray(), addSpecialTokens);
    }

    /**
     * The text of {@code ids}, as tokenizers' {@code decode(ids, skip_special_tokens)}. An id that is
     * no token is an IllegalArgumentException (tokenizers would drop it silently).
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            String t = token(ids[i]);
            if (t == null) throw new IllegalArgumentException("ids[" + i + "]: " + ids[i] + " is not a token id of " + source);
            if (!skipSpecialTokens || !added.isSpecial(t)) tokens.add(t);
        }
        if (decoder == null) return String.join(" ", tokens);
        return String.join("", decoder.decodeChain(tokens));
    }

    /** The id of a token string (added tokens first, then the model's vocabulary). */
    public OptionalInt tokenId(String token) {
        Integer id = added.id(token);
        if (id == null) id = model.vocab().get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The token string of an id (what decoding starts from), or null when the id is no token. */
    public String token(int id) {
        String t = added.decodeForm(id);
        return t != null ? t : model.token(id);
    }

    /** Whether the id is an added token marked {@code special} (what {@code skip_special_tokens} drops). */
    public boolean isSpecial(int id) {
        String t = added.decodeForm(id);
        return t != null && added.isSpecial(t);
    }

    /** The number of distinct tokens, added ones included (tokenizers' {@code get_vocab_size(True)}). */
    public int vocabSize() {
        return vocabSize;
    }

    /** The file (or name) this tokenizer was read from. */
    public String source() {
        return source;
    }
}
