package falconh1r.infer;

/**
 * DeepConf's online early stop for one trace (pipeline.md §4.3 step 2, §4.4), deepconf 0.1.0's
 * {@code processors.ConfPerReqLogitsProcessor}: each step's unrounded top-k confidence
 * ({@link Confidence#stopToken}) enters a window of the last {@code window} steps kept as a running
 * sum; once the window is full and {@code sum / window < threshold}, the trace must end with EOS.
 * So no trace stops before its {@code window}-th token.
 */
public final class EarlyStop {
    private final double threshold;
    private final double[] ring;
    private int head;
    private int count;
    private double sum;

    /**
     * @param threshold the online threshold {@code conf_bar} (finite)
     * @param window    the group size, at least 1
     */
    public EarlyStop(double threshold, int window) {
        if (!Double.isFinite(threshold)) throw new IllegalArgumentException("threshold must be finite, got " + threshold);
        TraceConfidence.checkWindow(window);
        this.threshold = threshold;
        this.ring = new double[window];
    }

    /**
     * Adds a step's confidence, as the processor's deque and {@code conf_grouped} do (when full:
     * subtract the oldest, then add the new one), and tells whether EOS must be forced now.
     */
    public boolean push(double conf) {
        if (Double.isNaN(conf)) throw new IllegalArgumentException("conf is NaN");
        int window = ring.length;
        if (count < window) {
            ring[(head + count) % window] = conf;
            count++;
            sum += conf;
        } else {
            sum -= ring[head];
            ring[head] = conf;
            head = (head + 1) % window;
            sum += conf;
        }
        return count >= window && sum / count < threshold;
    }

    public double threshold() {
        return threshold;
    }
}
