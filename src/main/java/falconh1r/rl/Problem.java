package falconh1r.rl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One verifiable RL problem: the question the policy answers and the gold answer the reward checks
 * against, with the JSON object it was read from (so curation can write it back with its pass rate).
 *
 * @param id       the "id" field, or the 0-based line number among the problems when it has none
 * @param question the "question" (or "problem" / "prompt") string
 * @param answer   the gold "answer" (or "gold") string
 * @param source   the whole JSON object of the line
 */
public record Problem(String id, String question, String answer, ObjectNode source) {

    public Problem {
        if (id == null) throw new IllegalArgumentException("id is null");
        if (question == null) throw new IllegalArgumentException("question of problem " + id + " is null");
        if (answer == null) throw new IllegalArgumentException("answer of problem " + id + " is null");
        if (source == null) throw new IllegalArgumentException("source of problem " + id + " is null");
    }

    /**
     * The problems of a JSONL file, blank lines skipped. A line that is not a JSON object with a
     * question and a gold answer, or that repeats an id, is an {@link IllegalArgumentException}
     * naming {@code file:line}; an empty file is one too.
     */
    public static List<Problem> readJsonl(Path file) {
        ObjectMapper json = new ObjectMapper();
        List<Problem> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) continue;
                String where = file + ":" + lineNo;
                JsonNode node;
                try {
                    node = json.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(where + ": not JSON: " + e.getOriginalMessage());
                }
                if (node == null || !node.isObject()) throw new IllegalArgumentException(where + ": expected a JSON object");
                String question = text(node, "question", "problem", "prompt");
                if (question == null) throw new IllegalArgumentException(where + ": no \"question\" (or \"problem\"/\"prompt\") string");
                String answer = text(node, "answer", "gold");
                if (answer == null) throw new IllegalArgumentException(where + ": no gold \"answer\" (or \"gold\")");
                String id = node.hasNonNull("id") ? node.get("id").asText() : Integer.toString(out.size());
                if (!ids.add(id)) throw new IllegalArgumentException(where + ": id \"" + id + "\" appears twice");
                out.add(new Problem(id, question, answer, (ObjectNode) node));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": no problems");
        return out;
    }

    /** The first of {@code keys} present and not null: a string as is, a number or other value as JSON text. */
    private static String text(JsonNode node, String... keys) {
        for (String k : keys) {
            JsonNode v = node.get(k);
            if (v != null && !v.isNull()) return v.isTextual() ? v.asText() : v.toString();
        }
        return null;
    }
}
