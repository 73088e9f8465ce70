package falconh1r.sft;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Parameters;
import falconh1r.train.CrossEntropy;
import falconh1r.train.TokenNormalization;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Simulated data parallelism for SFT (pipeline.md §1.7): R ranks, each a worker thread with its own
 * {@link FalconH1} replica (its own backend, over the one shared set of parameter arrays, which
 * nobody writes during forward and backward) and its own gradient accumulator. One call of
 * {@link #gradients} is one optimizer step's worth of work:
 * <pre>
 *   n[r][k]     = target tokens of rank r's micro-batch k                    (the all-reduce of counts)
 *   scale[r][k] = TokenNormalization.scales(mode, n)
 *   rank r, micro-batch k, each sample:  forwardTrain; CrossEntropy(scale[r][k]); backward into g_r
 *   g           = (1/R) Σ_r g_r                                                  (DDP's all-reduce mean)
 * </pre>
 * Each sample is its own sequence (see {@link MicroBatches}). The ranks' sums are combined in rank
 * order, so the result does not depend on thread timing: the same batch gives the same bits.
 */
public final class DataParallel implements AutoCloseable {

    /**
     * What a step computed: {@code loss}, the objective {@code (1/R) Σ_r Σ_k scale·Σ m w ℓ} (under
     * {@code GLOBAL_BATCH}, the batch's weighted token mean); {@code tokenLoss}, the unweighted
     * token mean over the global batch; target tokens, all tokens, samples and micro-batches per rank.
     */
    public record Result(double loss, double tokenLoss, long targetTokens, long tokens, int samples, int microBatches) {}

    private final FalconH1Parameters params;
    private final FalconH1[] replicas;
    private final Backend[] backends;
    private final FalconH1Parameters[] grads;
    private final ExecutorService workers;

    /**
     * R replicas over {@code params}, each with a {@code backend} of {@code threadsPerRank} threads
     * ({@link Backends#create}).
     */
    public DataParallel(FalconH1Parameters params, int ranks, String backend, int threadsPerRank) {
        if (ranks < 1) throw new IllegalArgumentException("ranks must be at least 1, got " + ranks);
        this.params = params;
        replicas = new FalconH1[ranks];
        backends = new Backend[ranks];
        grads = new FalconH1Parameters[ranks];
        for (int r = 0; r < ranks; r++) {
            backends[r] = Backends.create(backend, threadsPerRank);
            replicas[r] = new FalconH1(params, backends[r]);
            grads[r] = FalconH1Parameters.zeros(params.config());
        }
        workers = Executors.newFixedThreadPool(ranks, runnable -> {
            Thread t = new Thread(runnable, "sft-rank");
            t.setDaemon(true);
            return t;
        });
    }

    public int ranks() {
        return replicas.length;
    }

    /** Tells every replica's backend that the parameters changed (after an optimizer step). */
    public void weightsChanged() {
        for (FalconH1 m : replicas) m.weightsChanged();
    }

    /**
     * Runs {@code batch} [R][M] (every rank the same M) under {@code mode} and writes the
     * rank-averaged gradients into {@code out} (same tensors as the parameters; overwritten).
     */
    public Result gradients(List<List<List<SampleStream.Sample>>> batch, TokenNormalization.Mode mode, FalconH1Parameters out) {
        int ranks = replicas.length;
        if (batch.size() != ranks) throw new IllegalArgumentException("batch has " + batch.size() + " ranks, this runs " + ranks);
        int micro = batch.getFirst().size();
        long[][] counts = new long[ranks][micro];
        long tokens = 0;
        int samples = 0;
        for (int r = 0; r < ranks; r++) {
            if (batch.get(r).size() != micro) throw new IllegalArgumentException("rank " + r + " has " + batch.get(r).size() + " micro-batches, rank 0 " + micro);
            for (int k = 0; k < micro; k++) {
                for (SampleStream.Sample s : batch.get(r).get(k)) {
                    counts[r][k] += targets(s);
                    tokens += s.ids().length;
                    samples++;
                }
            }
        }
        double[][] scale = TokenNormalization.scales(mode, counts);
        List<Future<double[]>> running = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            int rank = r;
            running.add(workers.submit(() -> runRank(rank, batch.get(rank), scale[rank])));
        }
        double loss = 0, lossSum = 0;
        long valid = 0;
        for (Future<double[]> f : running) {
            double[] sums = join(f);
            loss += sums[0];
            lossSum += sums[1];
        }
        for (long[] rank : counts) for (long n : rank) valid += n;
        allReduceMean(out);
        return new Result(loss / ranks, valid == 0 ? 0 : lossSum / valid, valid, tokens, samples, micro);
    }

    /** Rank r's micro-batches into its accumulator (zeroed first); returns {Σ scaled loss, Σ unweighted loss}. */
    private double[] runRank(int r, List<List<SampleStream.Sample>> microBatches, double[] scale) {
        FalconH1 model = replicas[r];
        for (String name : grads[r].names()) Arrays.fill(grads[r].get(name), 0f);
        int vocab = params.config().vocabSize();
        double loss = 0, lossSum = 0;
        for (int k = 0; k < microBatches.size(); k++) {
            for (SampleStream.Sample s : microBatches.get(k)) {
                int[] ids = s.ids();
                int rows = ids.length - 1;
                boolean[] mask = Arrays.copyOfRange(s.targets(), 1, ids.length);
                float[] weights = null;
                if (s.weight() != 1f) {
                    weights = new float[rows];
                    Arrays.fill(weights, s.weight());
                }
                FalconH1.Trace trace = model.forwardTrain(ids);
                float[] dPredictions = new float[rows * vocab];
                CrossEntropy.Result result = CrossEntropy.compute(Arrays.copyOf(trace.logits(), rows * vocab),
                        Arrays.copyOfRange(ids, 1, ids.length), mask, weights, rows, vocab, scale[k], dPredictions);
                model.backward(trace, Arrays.copyOf(dPredictions, ids.length * vocab), grads[r]);   // the last position predicts nothing
                loss += result.loss();
                lossSum += result.lossSum();
            }
        }
        return new double[] {loss, lossSum};
    }

    /** {@code out = (1/R) Σ_r g_r}, summed in rank order. */
    private void allReduceMean(FalconH1Parameters out) {
        float ranks = replicas.length;
        for (String name : out.names()) {
            float[] o = out.get(name);
            System.arraycopy(grads[0].get(name), 0, o, 0, o.length);
            for (int r = 1; r < replicas.length; r++) {
                float[] g = grads[r].get(name);
                for (int i = 0; i < o.length; i++) o[i] += g[i];
            }
            if (replicas.length > 1) {
                for (int i = 0; i < o.length; i++) o[i] /= ranks;
            }
        }
    }

    /** Target tokens of a sample: its predictions that count in the loss. */
    static long targets(SampleStream.Sample s) {
        long n = 0;
        for (int t = 1; t < s.targets().length; t++) n += s.targets()[t] ? 1 : 0;
        return n;
    }

    private static double[] join(Future<double[]> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a rank ran", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
        for (Backend b : backends) b.close();
    }
}
