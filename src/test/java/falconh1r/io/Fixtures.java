package falconh1r.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HexFormat;

/** Locates fixtures/safetensors and reads the {@code *.expected.json} files make_safetensors.py writes. */
final class Fixtures {
    private Fixtures() {}

    static Path dir() {
        return Path.of(System.getProperty("falcon.fixtures", "fixtures")).resolve("safetensors");
    }

    static Path file(String name) {
        return dir().resolve(name);
    }

    static JsonNode expected(String stem) {
        try {
            return new ObjectMapper().readTree(file(stem + ".expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] hex(JsonNode node) {
        return HexFormat.of().parseHex(node.asText());
    }

    static long[] shape(JsonNode node) {
        long[] shape = new long[node.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = node.get(i).asLong();
        return shape;
    }
}
