package falconh1r.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** A broken tokenizer.json is a {@link TokenizerException} whose message names the file and the JSON field. */
class MalformedTokenizerJsonTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One way to break the falcon_like tokenizer.json: the edit, the field it must name, a phrase of the reason. */
    record Breakage(String name, Consumer<ObjectNode> edit, String field, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static ObjectNode model(ObjectNode root) {
        return (ObjectNode) root.get("model");
    }

    static ObjectNode preTokenizer(ObjectNode root, int i) {
        return (ObjectNode) root.get("pre_tokenizer").get("pretokenizers").get(i);
    }

    static final List<Breakage> BREAKAGES = List.of(
            new Breakage("merge of an unknown token", r -> ((ArrayNode) model(r).get("merges")).set(12, JSON.createArrayNode().add("Ġ").add("no-such-token")),
                    "model.merges[12]", "\"no-such-token\" is not in model.vocab"),
            new Breakage("legacy merge with two spaces", r -> ((ArrayNode) model(r).get("merges")).set(3, JSON.getNodeFactory().textNode("a b c")),
                    "model.merges[3]", "one space"),
            new Breakage("merge of three tokens", r -> ((ArrayNode) model(r).get("merges")).set(0, JSON.createArrayNode().add("a").add("b").add("c")),
                    "model.merges[0]", "expected two tokens, got 3"),
            new Breakage("negative vocab id", r -> ((ObjectNode) model(r).get("vocab")).put("Ġthe", -4),
                    "model.vocab.\"Ġthe\"", "non-negative integer"),
            new Breakage("vocab id as text", r -> ((ObjectNode) model(r).get("vocab")).put("x", "7"),
                    "model.vocab.\"x\"", "non-negative integer"),
            new Breakage("duplicate vocab id", r -> ((ObjectNode) model(r).get("vocab")).put("zzz-new", 17),
                    "model.vocab.\"zzz-new\"", "id 17 is also the id of"),
            new Breakage("missing model", r -> r.remove("model"), "model", "missing"),
            new Breakage("missing merges", r -> model(r).remove("merges"), "model.merges", "missing"),
            new Breakage("other model type", r -> model(r).put("type", "WordPiece"), "model.type", "unsupported model \"WordPiece\""),
            new Breakage("BPE dropout", r -> model(r).put("dropout", 0.1), "model.dropout", "dropout is not supported"),
            new Breakage("unknown unk_token", r -> model(r).put("unk_token", "<nope>"), "model.unk_token", "\"<nope>\" is not in model.vocab"),
            new Breakage("unknown pre-tokenizer", r -> preTokenizer(r, 1).put("type", "UnicodeScripts"),
                    "pre_tokenizer.pretokenizers[1].type", "unsupported pre-tokenizer \"UnicodeScripts\""),
            new Breakage("unbalanced regex", r -> ((ObjectNode) preTokenizer(r, 0).get("pattern")).put("Regex", "(\\p{L}+"),
                    "pre_tokenizer.pretokenizers[0].pattern.Regex", "invalid regex"),
            new Breakage("POSIX bracket", r -> ((ObjectNode) preTokenizer(r, 0).get("pattern")).put("Regex", "[[:alpha:]]+"),
                    "pre_tokenizer.pretokenizers[0].pattern.Regex", "POSIX bracket"),
            new Breakage("pattern of both kinds", r -> ((ObjectNode) preTokenizer(r, 0).get("pattern")).put("String", " "),
                    "pre_tokenizer.pretokenizers[0].pattern", "expected {\"String\": ...} or {\"Regex\": ...}"),
            new Breakage("unknown split behavior", r -> preTokenizer(r, 0).put("behavior", "Glued"),
                    "pre_tokenizer.pretokenizers[0].behavior", "unknown split behavior \"Glued\""),
            new Breakage("flag that is not a boolean", r -> preTokenizer(r, 1).put("individual_digits", "yes"),
                    "pre_tokenizer.pretokenizers[1].individual_digits", "expected true or false"),
            new Breakage("added token without content", r -> ((ObjectNode) r.get("added_tokens").get(2)).remove("content"),
                    "added_tokens[2].content", "missing"),
            new Breakage("added token id as text", r -> ((ObjectNode) r.get("added_tokens").get(4)).put("id", "four"),
                    "added_tokens[4].id", "non-negative integer"),
            new Breakage("Strip decoder of two characters", r -> r.set("decoder", JSON.createObjectNode().put("type", "Strip").put("content", "ab").put("start", 1).put("stop", 0)),
                    "decoder.content", "expected one character"),
            new Breakage("template with an undeclared token", r -> ((ObjectNode) r.get("post_processor").get("processors").get(1).get("single").get(0).get("SpecialToken")).put("id", "<s>"),
                    "post_processor.processors[1].single[0].SpecialToken.id", "\"<s>\" is not in special_tokens"),
            new Breakage("unknown normalizer", r -> r.set("normalizer", JSON.createObjectNode().put("type", "Precompiled")),
                    "normalizer.type", "unsupported normalizer \"Precompiled\""),
            new Breakage("unknown version", r -> r.put("version", "2.0"), "version", "unknown tokenizer.json version"),
            new Breakage("truncation", r -> r.set("truncation", JSON.createObjectNode().put("max_length", 8)), "truncation", "not supported"));

    static ObjectNode falconLike() throws IOException {
        return (ObjectNode) JSON.readTree(TokenizerFixtures.dir().resolve("falcon_like.tokenizer.json").toFile());
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("BREAKAGES")
    void namesTheFileAndField(Breakage b, @TempDir Path tmp) throws IOException {
        ObjectNode root = falconLike();
        b.edit().accept(root);
        Path file = tmp.resolve("broken.tokenizer.json");
        Files.writeString(file, JSON.writeValueAsString(root));
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(file));
        assertEquals(b.field(), e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ": " + b.field() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(b.reason()), e.getMessage());
    }

    @Test
    void notJsonAndNotAnObject() {
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromJson("{\"model\": ", "t.json"));
        assertNull(e.field());
        assertTrue(e.getMessage().startsWith("t.json: not valid JSON"), e.getMessage());
        e = assertThrows(TokenizerException.class, () -> Tokenizer.fromJson("[1, 2]", "t.json"));
        assertEquals("t.json: expected a JSON object", e.getMessage());
    }

    @Test
    void theUnbrokenFileLoads() throws IOException {
        JsonNode root = falconLike();
        Tokenizer.fromJson(JSON.writeValueAsString(root), "falcon_like");
    }

    @Test
    void decodingAnIdThatIsNoTokenNamesItsPosition() {
        Tokenizer tok = TokenizerFixtures.tokenizer("falcon_like");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {5, tok.vocabSize()}, false));
        assertTrue(e.getMessage().startsWith("ids[1]: " + tok.vocabSize() + " is not a token id"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}, false));
    }
}
