package falconh1r.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import falconh1r.io.SafetensorsFile;
import falconh1r.kernels.Backend;
import falconh1r.testing.Close;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole-model backward equals torch autograd through transformers 5.24's
 * {@code FalconH1ForCausalLM} (fixtures/falcon_h1/&lt;name&gt;/grads.safetensors, written by
 * fixtures/make_grad_fixtures.py): for one unpadded sequence and the recorded upstream gradient
 * {@code dlogits}, every parameter's gradient within {@code |Δ| ≤ 1e-4 · max|g|} of that tensor
 * (the bound, relative to the gradient's scale), on every backend. The training forward's
 * logits equal the fixture's within 1e-4 as well.
 */
class FalconH1GradientTest {

    static final double TOL = 1e-4;
    static final List<String> NAMES = List.of("gqa_g1_norm_before_gate", "g2_gate_before_norm_tied", "no_rmsnorm_biases",
            "h1_0p5b_multipliers");
    static final List<Backend> OPEN = new ArrayList<>();

    @AfterAll
    static void close() {
        OPEN.forEach(Backend::close);
        OPEN.clear();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String name : NAMES) {
            for (String backend : falconh1r.kernels.TestBackendsAccess.selected()) out.add(Arguments.of(name, backend));
        }
        return out.stream();
    }

    static Path dir(String name) {
        return Path.of(System.getProperty("falcon.fixtures", "fixtures"), "falcon_h1", name);
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void everyGradientMatchesTorchAutograd(String name, String backendName) {
        Backend backend = falconh1r.kernels.TestBackendsAccess.create(backendName);
        OPEN.add(backend);
        FalconH1Parameters params = FalconH1Parameters.load(dir(name));
        FalconH1 model = new FalconH1(params, backend);
        try (SafetensorsFile fx = SafetensorsFile.open(dir(name).resolve("grads.safetensors"))) {
            long[] ids64 = fx.longs("input_ids");
            int[] ids = new int[ids64.length];
            for (int i = 0; i < ids.length; i++) ids[i] = Math.toIntExact(ids64[i]);
            FalconH1.Trace trace = model.forwardTrain(ids);
            String tag = name + " on " + backendName;
            Close.assertClose(tag + " logits", fx.floats("logits"), trace.logits(), trace.logits().length, TOL, 0);
            FalconH1Parameters grads = FalconH1Parameters.zeros(params.config());
            model.backward(trace, fx.floats("dlogits"), grads);
            int compared = 0;
            double worst = 0;
            for (String tensor : params.names()) {
                float[] expected = fx.floats("grad." + tensor), actual = grads.get(tensor);
                double scale = 0;
                for (float g : expected) scale = Math.max(scale, Math.abs(g));
                Close.assertClose(tag + " grad " + tensor + " (scale " + scale + ")", expected, actual, expected.length,
                        TOL * scale, 0);
                double diff = 0;
                for (int i = 0; i < expected.length; i++) diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
                worst = Math.max(worst, scale == 0 ? 0 : diff / scale);
                compared++;
            }
            assertEquals(params.names().size(), compared);
            System.out.printf("gradients vs torch %s: %d tensors, worst max|diff|/max|g| %.2e%n", tag, compared, worst);
        }
    }

    @Test
    void backwardRejectsMismatchedInputs() {
        FalconH1Parameters params = FalconH1Parameters.load(dir(NAMES.getFirst()));
        Backend backend = falconh1r.kernels.TestBackendsAccess.create("scalar");
        OPEN.add(backend);
        FalconH1 model = new FalconH1(params, backend);
        FalconH1.Trace trace = model.forwardTrain(new int[] {5, 6, 7});
        FalconH1Parameters grads = FalconH1Parameters.zeros(params.config());
        assertThrows(IllegalArgumentException.class, () -> model.backward(trace, new float[5], grads));
        assertThrows(IllegalArgumentException.class, () -> model.forwardTrain(new int[0]));
        assertThrows(IllegalArgumentException.class, () -> model.forwardTrain(new int[] {1, 100000}));
    }
}
