package falconh1r.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import falconh1r.testing.Close;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The training-step benchmark computes the same gradient whichever way it splits a step: the batch's
 * sequences in parallel (two parts, each its own accumulator, added up; a batch of 3 that does not
 * divide evenly) gives every tensor's gradient of the one-after-another run within
 * {@code 1e-5 · max|g|} (float summation order only), and the same loss.
 */
class TrainBenchTest {

    static final FalconH1Config TINY = FalconH1Config.read(Path.of("bench", "falcon_h1_tiny.json"));

    @Test
    void parallelPartsGiveTheSerialGradient() {
        try (Backend backend = Backends.create("simd", 2)) {
            FalconH1 model = new FalconH1(FalconH1Parameters.init(TINY, 3), backend);
            SplittableRandom rnd = new SplittableRandom(4);
            int[][] ids = new int[3][];
            for (int b = 0; b < ids.length; b++) ids[b] = ModelBench.randomIds(rnd, 24, TINY.vocabSize());
            FalconH1Parameters[] serial = {FalconH1Parameters.zeros(TINY)};
            FalconH1Parameters[] parallel = {FalconH1Parameters.zeros(TINY), FalconH1Parameters.zeros(TINY)};
            double serialLoss = TrainBench.gradients(model, ids, serial, backend);
            double parallelLoss = TrainBench.gradients(model, ids, parallel, backend);
            assertEquals(serialLoss, parallelLoss, 1e-9, "loss");
            for (String name : serial[0].names()) {
                float[] expected = serial[0].get(name);
                double scale = 0;
                for (float g : expected) scale = Math.max(scale, Math.abs(g));
                Close.assertClose("grad " + name, expected, parallel[0].get(name), expected.length, 1e-5 * scale, 0);
                Close.assertClose("part 1 zeroed " + name, new float[expected.length], parallel[1].get(name), expected.length, 0, 0);
            }
        }
    }

    @Test
    void runsBothSplitsAndRejectsImpossibleSettings() {
        try (Backend backend = Backends.create("simd", 2)) {
            for (TrainBench.Split split : TrainBench.Split.values()) {
                TrainBench.Result r = TrainBench.run(TINY, 7, 3, 16, 2, 0, split, backend, 2);
                System.out.println(r.line());
                assertEquals(true, Double.isFinite(r.loss()) && r.tokensPerSecond() > 0, split + ": " + r.line());
            }
            assertThrows(IllegalArgumentException.class, () -> TrainBench.run(TINY, 0, 1, 1, 1, 0, TrainBench.Split.kernels, backend, 1));
            assertThrows(IllegalArgumentException.class, () -> TrainBench.run(TINY, 0, 1, 4, 0, 0, TrainBench.Split.kernels, backend, 1));
            assertThrows(IllegalArgumentException.class,
                    () -> TrainBench.run(TINY, 0, 1, 4, 1, Double.NaN, TrainBench.Split.kernels, backend, 1));
        }
    }
}
