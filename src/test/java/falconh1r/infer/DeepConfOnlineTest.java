package falconh1r.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Properties of the online algorithm on seeded synthetic streams (the reference parity is
 * {@link DeepConfOnlineFixtureTest}): where traces stop, checked against window means summed afresh;
 * the voting set; token accounting; the consensus stop, which the reference does not have; misuse.
 */
class DeepConfOnlineTest {
    static final int VOCAB = 30, EOS = 0;

    /** Random next-token distributions whose peakedness drifts per trace; EOS only at a trace's natural end. */
    static final class Synthetic implements TraceSource {
        final long seed;
        final int maxLength;
        final String[] answers;
        final Map<Integer, double[]> stopConfs = new HashMap<>();
        long emitted;
        int calls;

        Synthetic(long seed, int maxLength, String... answers) {
            this.seed = seed;
            this.maxLength = maxLength;
            this.answers = answers;
        }

        @Override
        public void generate(int first, List<TraceRecorder> recorders) {
            calls++;
            for (int i = 0; i < recorders.size(); i++) {
                TraceRecorder rec = recorders.get(i);
                Random rnd = new Random(seed * 1_000_003L + first + i);
                int length = 1 + rnd.nextInt(maxLength);
                double scale = 0.5 + 6 * rnd.nextDouble();
                double[] confs = new double[length];
                boolean forced = false;
                int pos = 0;
                for (; pos < length; pos++) {
                    scale = Math.max(0.1, scale + 0.3 * rnd.nextGaussian());
                    double[] lp = logSoftmax(rnd, scale);
                    Integer[] order = new Integer[VOCAB];
                    for (int v = 0; v < VOCAB; v++) order[v] = v;
                    Arrays.sort(order, (a, b) -> Double.compare(lp[b], lp[a]));
                    double[] top = new double[20];
                    for (int j = 0; j < 20; j++) top[j] = lp[order[j]];
                    confs[pos] = Confidence.stopToken(top);
                    forced = rec.observe(top);
                    int token = forced || pos == length - 1 ? EOS : 1 + rnd.nextInt(VOCAB - 1);
                    int rank = 0;
                    for (int j = 0; j < 20; j++) if (order[j] == token) rank = j + 1;
                    rec.emit(lp[token], rank);
                    emitted++;
                    if (forced) break;
                }
                stopConfs.put(first + i, Arrays.copyOf(confs, Math.min(pos + 1, length)));
                rec.finish(forced ? null : answers[(first + i) % answers.length]);
            }
        }

        static double[] logSoftmax(Random rnd, double scale) {
            double[] x = new double[VOCAB];
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < VOCAB; v++) max = Math.max(max, x[v] = scale * rnd.nextGaussian());
            double s = 0;
            for (double v : x) s += Math.exp(v - max);
            double log = max + Math.log(s);
            for (int v = 0; v < VOCAB; v++) x[v] -= log;
            return x;
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void tracesStopExactlyWhenTheFullWindowFallsBelowTheBar(long seed) {
        int window = 8;
        DeepConfOnline.Settings s = DeepConfOnline.Settings.of(40, 6, 10 + 10 * seed, window);
        Synthetic source = new Synthetic(seed, 60, "4", "", "5", "4");
        DeepConfOnline.Result r = DeepConfOnline.run(source, s);
        int forced = 0;
        for (int i = 0; i < r.traces().size(); i++) {
            DeepConfOnline.Scored sc = r.traces().get(i);
            double[] c = source.stopConfs.get(i);
            int firstBelow = -1;
            for (int t = window - 1; t < c.length && firstBelow < 0; t++) {
                double sum = 0;
                for (int j = t - window + 1; j <= t; j++) sum += c[j];
                if (sum / window < r.confBar()) firstBelow = t;
            }
            String what = "seed " + seed + " trace " + i;
            if (sc.warmup()) {
                assertFalse(sc.forcedEos(), what + ": warm-up traces are never stopped");
            } else if (sc.forcedEos()) {
                forced++;
                assertTrue(sc.trace().tokens() >= window, what + ": stopped before its window was full");
                assertEquals(firstBelow + 1, sc.trace().tokens(), what + ": stopped at the first full window below the bar");
            } else {
                assertEquals(-1, firstBelow, what + ": a full window fell below the bar but the trace went on");
            }
            assertEquals(Confidence.minGrouped(sc.trace().confs(), window), sc.minConf(), what + ": min_conf");
            assertEquals(sc.minConf() >= r.confBar() && sc.trace().hasAnswer(), sc.votes(), what + ": votes");
        }
        assertTrue(forced > 0, "seed " + seed + ": no trace was stopped");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 8, 9})
    void everyGeneratedTokenIsAccounted(long seed) {
        Synthetic source = new Synthetic(seed, 200, "1", "2");
        DeepConfOnline.Result r = DeepConfOnline.run(source, DeepConfOnline.Settings.of(24, 5, 10, 16));
        long warm = 0, fin = 0;
        for (DeepConfOnline.Scored sc : r.traces()) {
            if (sc.warmup()) warm += sc.trace().tokens();
            else fin += sc.trace().tokens();
        }
        assertEquals(24, r.traces().size());
        assertEquals(warm, r.warmupTokens());
        assertEquals(fin, r.finalTokens());
        assertEquals(source.emitted, r.totalTokens(), "warm-up and stopped traces count");
        assertEquals(2, source.calls, "one warm-up batch, one final batch, as the reference");
        double[] mins = new double[5];
        for (int i = 0; i < 5; i++) mins[i] = r.traces().get(i).minConf();
        assertEquals(PyNumerics.percentile(mins, 90), r.confBar());
    }

    @Test
    void consensusStopEndsOnceOneAnswerHoldsTau() {
        Synthetic unanimous = new Synthetic(11, 40, "7");
        DeepConfOnline.Settings s = DeepConfOnline.Settings.of(64, 4, 100, 8).withConsensusStop(0.95, 4);
        DeepConfOnline.Result r = DeepConfOnline.run(unanimous, s);
        assertTrue(r.consensusStopped());
        assertEquals(8, r.traces().size(), "warm-up plus one batch of 4");
        assertEquals(unanimous.emitted, r.totalTokens());
        assertEquals(1.0, DeepConfOnline.consensus(r.traces()));

        Synthetic split = new Synthetic(11, 40, "7", "8");
        DeepConfOnline.Result all = DeepConfOnline.run(split, s);
        assertFalse(all.consensusStopped());
        assertEquals(64, all.traces().size(), "β stays near 1/2 < τ: the whole budget");
        assertEquals(1 + 60 / 4, split.calls);
    }

    @Test
    void earlyStopUsesStrictLessThanOnlyOnceTheWindowIsFull() {
        EarlyStop atBar = new EarlyStop(2.5, 4);
        for (int i = 0; i < 10; i++) assertFalse(atBar.push(2.5), "mean == threshold does not stop");
        EarlyStop above = new EarlyStop(2.5000001, 4);
        for (int i = 0; i < 3; i++) assertFalse(above.push(2.5), "window not full after " + (i + 1));
        assertTrue(above.push(2.5));
        EarlyStop running = new EarlyStop(4, 4);
        for (double c : new double[] {5, 5, 5, 5, 1}) assertFalse(running.push(c));   // means 5, then (5+5+5+1)/4 = 4
        assertTrue(running.push(1));                                                   // (5+5+1+1)/4 = 3
    }

    @Test
    void misuseIsRefused() {
        TraceRecorder rec = new TraceRecorder(2, new EarlyStop(100, 1));
        assertThrows(IllegalStateException.class, () -> rec.emit(-1, 0), "emit before observe");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rec.observe(new double[3]));
        assertTrue(e.getMessage().contains("topLogprobs"), e.getMessage());
        assertTrue(rec.observe(new double[] {-0.1, -2}));
        assertThrows(IllegalStateException.class, () -> rec.observe(new double[] {-0.1, -2}), "observe twice");
        rec.emit(-3, 0);
        assertThrows(IllegalStateException.class, () -> rec.observe(new double[] {-0.1, -2}), "observe after a forced stop");
        rec.finish(null);
        assertEquals(1, rec.trace().tokens());

        TraceSource lazy = (first, traces) -> { };
        IllegalStateException unfinished = assertThrows(IllegalStateException.class,
                () -> DeepConfOnline.run(lazy, DeepConfOnline.Settings.of(4, 2, 10, 8)));
        assertTrue(unfinished.getMessage().contains("trace 0"), unfinished.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> DeepConfOnline.Settings.of(4, 0, 10, 8));
        assertTrue(e.getMessage().contains("warmup"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DeepConfOnline.Settings.of(4, 2, 101, 8));
        assertTrue(e.getMessage().contains("eta"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DeepConfOnline.Settings.of(4, 2, 10, 8).withConsensusStop(1.5, 1));
        assertTrue(e.getMessage().contains("consensusTau"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DeepConfOnline.Settings(4, 2, 10, 8, 20, OptionalDouble.empty(), 0));
        assertTrue(e.getMessage().contains("consensusEvery"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EarlyStop(Double.NaN, 4));
        assertTrue(e.getMessage().contains("threshold"), e.getMessage());
    }

    @Test
    void falconSettingsAreThePapers() {
        DeepConfOnline.Settings f = DeepConfOnline.Settings.falcon();
        assertEquals(List.of(512, 16, 10.0, 2048, 20), new ArrayList<Object>(List.of(f.budget(), f.warmup(), f.eta(), f.window(), f.topK())));
        assertTrue(f.consensusTau().isEmpty());
    }
}
