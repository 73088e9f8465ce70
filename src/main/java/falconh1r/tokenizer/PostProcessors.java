package falconh1r.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * tokenizers' post-processors for a single sequence ({@code processors/*.rs}): what they do to
 * the ids. ByteLevel only trims offsets, so it leaves the ids alone; TemplateProcessing puts its
 * special tokens around the sequence when special tokens are asked for.
 */
final class PostProcessors {
    private PostProcessors() {}

    /** A post-processor: the final ids of one encoded sequence. */
    interface PostProcessor {
        int[] process(int[] ids, boolean addSpecialTokens);
    }

    /** The {@code post_processor} object of a tokenizer.json. */
    static PostProcessor parse(JsonField f) {
        String type = f.type();
        return switch (type) {
            case "ByteLevel" -> (ids, add) -> ids;
            case "TemplateProcessing" -> template(f);
            case "Sequence" -> {
                List<PostProcessor> parts = new ArrayList<>();
                for (JsonField item : f.elements("processors")) parts.add(parse(item));
                yield (ids, add) -> {
                    for (PostProcessor p : parts) ids = p.process(ids, add);
                    return ids;
                };
            }
            default -> throw f.get("type").error("unsupported post-processor \"" + type + "\" (ByteLevel, TemplateProcessing, Sequence)");
        };
    }

    /**
     * {@code TemplateProcessing}'s {@code single} template: its pieces in order, {@code Sequence A}
     * for the encoded ids and {@code SpecialToken} for the ids the {@code special_tokens} map gives.
     */
    private static PostProcessor template(JsonField f) {
        Map<String, int[]> specials = new HashMap<>();
        JsonField map = f.optional("special_tokens");
        if (map != null) {
            for (Map.Entry<String, JsonField> e : map.entries()) {
                List<JsonField> idFields = e.getValue().elements("ids");
                int[] ids = new int[idFields.size()];
                for (int i = 0; i < ids.length; i++) ids[i] = idFields.get(i).index();
                specials.put(e.getKey(), ids);
            }
        }
        List<int[]> pieces = new ArrayList<>(); // null marks the sequence
        for (JsonField piece : f.elements("single")) {
            JsonField sequence = piece.optional("Sequence");
            JsonField special = piece.optional("SpecialToken");
            if (sequence != null) {
                String id = sequence.string("id");
                if (!id.equals("A")) throw sequence.get("id").error("the single template can only hold sequence A, got \"" + id + "\"");
                pieces.add(null);
            } else if (special != null) {
                String id = special.string("id");
                int[] ids = specials.get(id);
                if (ids == null) throw special.get("id").error("\"" + id + "\" is not in special_tokens");
                pieces.add(ids);
            } else {
                throw piece.error("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
            }
        }
        return (ids, add) -> {
            IntList out = new IntList(ids.length + 4);
            for (int[] piece : pieces) {
                if (piece == null) {
                    out.addAll(ids);
                } else if (add) {
                    out.addAll(piece);
                }
            }
            return out.toArray();
        };
    }
}
