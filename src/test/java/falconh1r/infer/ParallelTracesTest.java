package falconh1r.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.io.SafetensorsFile;
import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Parameters;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * N traces of one prompt from one shared prefill: greedy traces are transformers' greedy
 * continuation (fixtures/falcon_h1/gqa_g1_norm_before_gate, from {@code generate(do_sample=False)});
 * sampled traces are reproducible per seed and independent of how many run beside them (scalar
 * backend: its batched and single-row products sum in the same order, so logits are bit-identical);
 * every captured log-prob is the full forward's log_softmax at that position; stop tokens, the length
 * limit and the listener end traces.
 */
class ParallelTracesTest {

    static final Path MODEL = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "falcon_h1", "gqa_g1_norm_before_gate");
    static Backend backend;
    static FalconH1 model;
    static int[] prompt;
    static int[] greedy;

    @BeforeAll
    static void load() {
        backend = Backends.create("scalar", 1);
        model = new FalconH1(FalconH1Parameters.load(MODEL), backend);
        try (SafetensorsFile fx = SafetensorsFile.open(MODEL.resolve("expected.safetensors"))) {
            prompt = Arrays.stream(fx.longs("input_ids")).mapToInt(Math::toIntExact).toArray();
            greedy = Arrays.stream(fx.longs("greedy")).mapToInt(Math::toIntExact).toArray();
        }
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @Test
    void greedyTracesAreTransformersGreedyContinuation() {
        ParallelTraces.Trace[] traces = new ParallelTraces(model, 20).generate(prompt, 3, SamplingParams.greedy(greedy.length), null);
        for (ParallelTraces.Trace t : traces) {
            assertArrayEquals(greedy, t.ids());
            assertEquals(ParallelTraces.Finish.LENGTH, t.finish());
            assertEquals(20, t.tokens().getFirst().topIds().length);
            assertEquals(greedy[0], t.tokens().getFirst().topIds()[0], "the greedy token is the top-1");
        }
    }

    @Test
    void sampledTracesAreReproducibleAndIndependentOfTheBatch() {
        SamplingParams p = new SamplingParams(1.2, 0, 0.95, 0, 12, null, 42);
        ParallelTraces engine = new ParallelTraces(model, 20);
        ParallelTraces.Trace[] four = engine.generate(prompt, 4, p, null);
        ParallelTraces.Trace[] again = engine.generate(prompt, 4, p, null);
        ParallelTraces.Trace[] one = engine.generate(prompt, 1, p, null);
        for (int i = 0; i < 4; i++) assertArrayEquals(four[i].ids(), again[i].ids(), "trace " + i + " reproducible");
        assertArrayEquals(four[0].ids(), one[0].ids(), "trace 0 does not depend on the traces beside it");
        assertNotEquals(Arrays.toString(four[0].ids()), Arrays.toString(four[1].ids()), "traces draw different streams");
        // each token's log-probs are those of the full forward over prompt + trace
        int vocab = model.config().vocabSize();
        for (ParallelTraces.Trace t : four) {
            int[] ids = t.ids(), all = Arrays.copyOf(prompt, prompt.length + ids.length);
            System.arraycopy(ids, 0, all, prompt.length, ids.length);
            float[] logits = model.forward(all, null, 0).logits();
            for (int s = 0; s < ids.length; s++) {
                int row = (prompt.length - 1 + s) * vocab;
                TokenLogprobs expected = TokenLogprobs.of(logits, row, vocab, ids[s], p.temperature(), 20);
                TokenLogprobs actual = t.tokens().get(s);
                assertEquals(expected.logprob(), actual.logprob(), 1e-5, "raw logprob at " + s);
                assertEquals(expected.scaledLogprob(), actual.scaledLogprob(), 1e-5, "scaled logprob at " + s);
                assertArrayEquals(expected.topIds(), actual.topIds(), "top-20 at " + s);
            }
        }
    }

    @Test
    void stopTokensLengthAndListenerEndTraces() {
        int stop = greedy[3];
        ParallelTraces.Trace[] stopped = new ParallelTraces(model, 0).generate(prompt, 2, SamplingParams.greedy(20, stop), null);
        assertArrayEquals(Arrays.copyOf(greedy, 4), stopped[0].ids(), "the stop token ends the trace and is kept");
        assertEquals(ParallelTraces.Finish.STOP_TOKEN, stopped[1].finish());
        int[] seen = new int[3];
        ParallelTraces.Trace[] cut = new ParallelTraces(model, 0).generate(prompt, 3, SamplingParams.temperature(1, 10, 5),
                (trace, step, token) -> {
                    seen[trace]++;
                    return trace != 1 || step < 2;                  // trace 1 stops after its third token
                });
        assertEquals(3, cut[1].tokens().size());
        assertEquals(ParallelTraces.Finish.LISTENER, cut[1].finish());
        assertEquals(10, cut[0].tokens().size());
        assertEquals(10, seen[2]);
        assertTrue(new ParallelTraces(model, 0).generate(prompt, 2, SamplingParams.greedy(0), null)[0].tokens().isEmpty());
    }
}
