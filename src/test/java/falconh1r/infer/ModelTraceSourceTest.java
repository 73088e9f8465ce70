package falconh1r.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Parameters;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * DeepConf online driven by the model ({@link ModelTraceSource} over {@link ParallelTraces}) on a
 * tiny checkpoint: every trace is recorded and answered, the final-phase traces that were stopped end
 * with a forced EOS before the length limit while the warm-up traces are never stopped, token
 * accounting adds up, and the run is reproducible from its seed.
 */
class ModelTraceSourceTest {

    static final Path MODEL = Path.of(System.getProperty("falcon.fixtures", "fixtures"), "falcon_h1", "gqa_g1_norm_before_gate");
    static final int EOS = 2, MAX_NEW = 24;

    @Test
    void onlineDeepConfOnTheModel() {
        try (Backend backend = Backends.create("scalar", 1)) {
            FalconH1 model = new FalconH1(FalconH1Parameters.load(MODEL), backend);
            int[] prompt = {5, 17, 33, 8, 21};
            SamplingParams p = new SamplingParams(1.0, 0, 0.95, 0, MAX_NEW, new int[] {EOS}, 123);
            DeepConfOnline.Settings s = DeepConfOnline.Settings.of(12, 4, 90, 4);   // DeepConf-high, short window
            DeepConfOnline.Result r = run(model, prompt, p, s);
            assertEquals(12, r.traces().size());
            long tokens = 0;
            int forced = 0;
            for (DeepConfOnline.Scored t : r.traces()) {
                int n = t.trace().confs().length;
                tokens += n;
                assertTrue(n >= 1 && n <= MAX_NEW, "trace length " + n);
                if (t.warmup()) assertTrue(!t.forcedEos(), "warm-up traces are never stopped");
                if (t.forcedEos()) {
                    forced++;
                    assertTrue(n >= s.window(), "a stop needs a full window (" + n + " tokens)");
                }
            }
            assertEquals(tokens, r.totalTokens());
            System.out.printf("deepconf on the tiny model: conf_bar %.3f, %d of 8 final traces stopped, %d tokens, answer %s%n",
                    r.confBar(), forced, tokens, r.weightedAnswer());
            DeepConfOnline.Result again = run(model, prompt, p, s);
            assertEquals(r.totalTokens(), again.totalTokens());
            assertEquals(r.confBar(), again.confBar());
            assertEquals(r.weightedAnswer(), again.weightedAnswer());
        }
    }

    /** The answer of a trace: its last token's id mod 3 (a stand-in for decode + extract), none for EOS-only traces. */
    static DeepConfOnline.Result run(FalconH1 model, int[] prompt, SamplingParams p, DeepConfOnline.Settings s) {
        return DeepConfOnline.run(new ModelTraceSource(model, prompt, p, 20, ids -> {
            int last = ids[ids.length - 1] == EOS ? (ids.length > 1 ? ids[ids.length - 2] : -1) : ids[ids.length - 1];
            return last < 0 ? null : String.valueOf(last % 3);
        }), s);
    }
}
