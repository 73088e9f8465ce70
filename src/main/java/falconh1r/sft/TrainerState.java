package falconh1r.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a checkpoint's {@code trainer_state.json} holds besides the weights and the optimizer: the
 * optimizer steps done, the run's length, the data stream's state ({@link SampleStream.State}) and
 * the settings the trajectory depends on ({@link SftOptions#trajectory}), so a resumed run can
 * check that it continues the same one.
 * <pre>
 * {"step": 20, "total_steps": 100,
 *  "stream": {"rng": -7046029254386353131, "draws": 161, "dropped": 1, "bad_lines": 2,
 *             "sources": [{"offset": 4096, "line": 41, "pass": 0, "lines": 100}],
 *             "buffer": [{"source": 0, "offset": 1024, "line": 12}, ...]},
 *  "trajectory": {"data": "...", "batch": "8", ...}}
 * </pre>
 */
public record TrainerState(long step, long totalSteps, SampleStream.State stream, Map<String, String> trajectory) {
    public static final String FILE = "trainer_state.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("step", step);
        root.put("total_steps", totalSteps);
        ObjectNode s = root.putObject("stream");
        s.put("rng", stream.rng());
        s.put("draws", stream.draws());
        s.put("dropped", stream.dropped());
        s.put("bad_lines", stream.badLines());
        ArrayNode sources = s.putArray("sources");
        for (SampleStream.SourceState f : stream.sources()) {
            sources.addObject().put("offset", f.offset()).put("line", f.line()).put("pass", f.pass()).put("lines", f.lines());
        }
        ArrayNode buffer = s.putArray("buffer");
        for (SampleStream.Ref r : stream.buffer()) buffer.addObject().put("source", r.source()).put("offset", r.offset()).put("line", r.line());
        ObjectNode t = root.putObject("trajectory");
        trajectory.forEach(t::put);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads {@code file}; a missing or mistyped field is an IllegalArgumentException naming the file and field. */
    public static TrainerState read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": expected a JSON object");
        JsonNode s = field(file, root, "stream");
        List<SampleStream.SourceState> sources = new ArrayList<>();
        for (JsonNode f : field(file, s, "sources")) {
            sources.add(new SampleStream.SourceState(number(file, f, "offset"), number(file, f, "line"), number(file, f, "pass"), number(file, f, "lines")));
        }
        List<SampleStream.Ref> buffer = new ArrayList<>();
        for (JsonNode r : field(file, s, "buffer")) {
            buffer.add(new SampleStream.Ref(Math.toIntExact(number(file, r, "source")), number(file, r, "offset"), number(file, r, "line")));
        }
        SampleStream.State stream = new SampleStream.State(number(file, s, "rng"), sources, buffer, number(file, s, "draws"),
                number(file, s, "dropped"), number(file, s, "bad_lines"));
        Map<String, String> trajectory = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = field(file, root, "trajectory").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            trajectory.put(e.getKey(), e.getValue().asText());
        }
        return new TrainerState(number(file, root, "step"), number(file, root, "total_steps"), stream, trajectory);
    }

    private static JsonNode field(Path file, JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) throw new IllegalArgumentException(file + ": missing field '" + name + "'");
        return v;
    }

    private static long number(Path file, JsonNode node, String name) {
        JsonNode v = field(file, node, name);
        if (!v.isIntegralNumber()) throw new IllegalArgumentException(file + ": '" + name + "' must be an integer, got " + v);
        return v.longValue();
    }
}
