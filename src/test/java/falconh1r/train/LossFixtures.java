package falconh1r.train;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import falconh1r.io.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * One part of fixtures/losses (written by fixtures/make_loss_fixtures.py): {@code <part>.safetensors}
 * with the tensors {@code <case>.<name>} and {@code <part>.json} with each case's configuration and
 * the reference's scalar results.
 */
final class LossFixtures implements AutoCloseable {
    final SafetensorsFile tensors;
    final JsonNode cases;

    private LossFixtures(SafetensorsFile tensors, JsonNode cases) {
        this.tensors = tensors;
        this.cases = cases;
    }

    /** {@code verl_legacy} (verl 0.6.0) or {@code verl_trl} (verl 0.9.1, TRL 1.16.0). */
    static LossFixtures open(String part) {
        Path dir = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "losses");
        try {
            JsonNode json = new ObjectMapper().readTree(dir.resolve(part + ".json").toFile());
            return new LossFixtures(SafetensorsFile.open(dir.resolve(part + ".safetensors")), json.get("cases"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode info(String name) {
        JsonNode node = cases.get(name);
        if (node == null) fail("no case " + name + " in the fixture");
        return node;
    }

    float[] floats(String name) {
        return tensors.floats(name);
    }

    int[] ints(String name) {
        return tensors.ints(name);
    }

    boolean[] mask(String name) {
        int[] m = tensors.ints(name);
        boolean[] out = new boolean[m.length];
        for (int i = 0; i < m.length; i++) out[i] = m[i] != 0;
        return out;
    }

    long[] shape(String name) {
        return tensors.shape(name);
    }

    /** A JSON number, or NaN for null or a missing key. */
    static double number(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }

    @Override
    public void close() {
        tensors.close();
    }
}
