package falconh1r.model;

import falconh1r.io.SafetensorsFile;
import falconh1r.kernels.Backend;
import falconh1r.testing.Close;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The full forward (no cache) equals transformers 5.24's {@code FalconH1ForCausalLM} on the tiny
 * checkpoints of fixtures/falcon_h1 (written by fixtures/make_falcon_h1_fixtures.py): every hidden
 * state and the logits, for every batch row, within {@code |Δ| ≤ 1e-4} (the bound; f32
 * throughout). Left-padded rows are compared at their real positions only.
 */
class FalconH1ForwardTest {

    static final double TOL = 1e-4;
    static final List<Backend> OPEN = new ArrayList<>();

    @AfterAll
    static void close() {
        OPEN.forEach(Backend::close);
        OPEN.clear();
    }

    static Stream<Arguments> cases() throws Exception {
        Path root = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "falcon_h1");
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.sorted().toList()) {
                if (!Files.isRegularFile(dir.resolve("expected.safetensors"))) continue;
                for (String backend : falconh1r.kernels.TestBackendsAccess.selected()) {
                    out.add(Arguments.of(dir.getFileName().toString(), backend));
                }
            }
        }
        return out.stream();
    }

    /** The checkpoints saved in bf16, on every selected backend: run again with the weights held packed. */
    static Stream<Arguments> bf16Cases() throws Exception {
        return cases().filter(a -> ((String) a.get()[0]).startsWith("bf16"));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void forwardMatchesTransformers(String name, String backendName) {
        check(name, backendName, null);
    }

    /**
     * The bf16 checkpoint with its 2-D weights kept as bf16 bits (widened inside each product):
     * widening is exact, so the same bound holds.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("bf16Cases")
    void packedBf16ForwardMatchesTransformers(String name, String backendName) {
        check(name, backendName, falconh1r.kernels.Half.Format.BF16);
    }

    private static void check(String name, String backendName, falconh1r.kernels.Half.Format packing) {
        Path dir = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "falcon_h1", name);
        Backend backend = falconh1r.kernels.TestBackendsAccess.create(backendName);
        OPEN.add(backend);
        FalconH1Parameters params = FalconH1Parameters.load(dir, packing);
        if (packing != null) org.junit.jupiter.api.Assertions.assertEquals(packing, params.weight(ParameterShapes.EMBED).format());
        FalconH1Config c = params.config();
        FalconH1 model = new FalconH1(params, backend);
        try (SafetensorsFile fx = SafetensorsFile.open(dir.resolve("expected.safetensors"))) {
            long[] shape = fx.shape("input_ids");
            int batch = (int) shape[0], length = (int) shape[1], d = c.hiddenSize(), vocab = c.vocabSize();
            long[] ids = fx.longs("input_ids");
            long[] mask = fx.contains("attention_mask") ? fx.longs("attention_mask") : null;
            long[] positions = fx.contains("position_ids") ? fx.longs("position_ids") : null;
            int states = c.numHiddenLayers() + 1;
            for (int b = 0; b < batch; b++) {
                int[] row = new int[length], pos = positions == null ? null : new int[length];
                int padding = 0;
                for (int t = 0; t < length; t++) {
                    row[t] = Math.toIntExact(ids[b * length + t]);
                    if (pos != null) pos[t] = Math.toIntExact(positions[b * length + t]);
                    if (mask != null && mask[b * length + t] == 0) padding = t + 1;
                }
                FalconH1.Output out = model.forward(row, pos, padding);
                String tag = name + (packing == null ? "" : " (" + packing + " packed)") + " on " + backendName + ", row " + b;
                int from = padding, count = length - padding;
                for (int s = 0; s < states; s++) {
                    Close.assertClose(tag + " hidden_states." + s, fx.floats("hidden_states." + s), (b * length + from) * d,
                            out.hiddenStates().get(s), from * d, count * d, TOL, 0, null);
                }
                Close.assertClose(tag + " last_layer_out", fx.floats("last_layer_out"), (b * length + from) * d,
                        out.lastLayerOut(), from * d, count * d, TOL, 0, null);
                Close.assertClose(tag + " logits", fx.floats("logits"), (b * length + from) * vocab,
                        out.logits(), from * vocab, count * vocab, TOL, 0, null);
            }
        }
    }
}
