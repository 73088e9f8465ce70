package falconh1r.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link ParameterShapes} against the tensors transformers saves (fixtures/model/parameter_shapes.json). */
class ParameterShapesTest {

    static Stream<Arguments> configs() throws IOException {
        Path file = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "model", "parameter_shapes.json");
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : root.get("configs")) out.add(Arguments.of(c.get("name").asText(), c));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void matchesTransformersStateDict(String name, JsonNode fixture) {
        FalconH1Config config = FalconH1Config.parse(fixture.get("config").toString(), name);
        Map<String, int[]> shapes = ParameterShapes.of(config);
        List<String> expectedNames = new ArrayList<>();
        fixture.get("shapes").fieldNames().forEachRemaining(expectedNames::add);
        assertEquals(expectedNames, List.copyOf(shapes.keySet()));
        for (String tensor : expectedNames) {
            JsonNode s = fixture.get("shapes").get(tensor);
            int[] want = new int[s.size()];
            for (int i = 0; i < want.length; i++) want[i] = s.get(i).asInt();
            assertArrayEquals(want, shapes.get(tensor), tensor);
        }
    }
}
