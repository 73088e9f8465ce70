package falconh1r.infer;

import java.util.Arrays;

/**
 * Trace-level confidences of DeepConf's offline votes (pipeline.md §4.1, §4.4), deepconf 0.1.0's
 * {@code utils.calculate_*} functions over a trace's token confidences {@code confs}. An empty
 * trace gives 0 in each, as the reference does.
 */
public final class TraceConfidence {
    /** The reference's share of windows that "bottom" averages. */
    public static final double BOTTOM_PERCENT = 0.1;

    private TraceConfidence() {}

    /** {@code calculate_mean_confidence}: {@code np.mean(confs)}. */
    public static double mean(double[] confs) {
        PyNumerics.noNaN("confs", confs);
        return confs.length == 0 ? 0.0 : PyNumerics.mean(confs);
    }

    /** {@code calculate_tail_confidence(trace, tail_tokens)}: the mean of the last {@code tail} confidences. */
    public static double tail(double[] confs, int tail) {
        PyNumerics.noNaN("confs", confs);
        if (tail < 1) throw new IllegalArgumentException("tail must be at least 1, got " + tail);
        if (confs.length == 0) return 0.0;
        int n = Math.min(tail, confs.length);
        return PyNumerics.mean(confs, confs.length - n, n);
    }

    /**
     * {@code calculate_bottom_window_confidence(trace, window)}: the mean of the lowest
     * {@code max(1, int(0.1·#windows))} window means (the minimum when that is 1). The reference
     * takes them with {@code np.partition}, whose output order (and so {@code np.mean}'s summation
     * order) is numpy's introselect's; here they are summed in ascending order, which can differ in
     * the last bits. A trace shorter than the window gives its mean.
     */
    public static double bottomWindow(double[] confs, int window) {
        PyNumerics.noNaN("confs", confs);
        checkWindow(window);
        if (confs.length == 0) return 0.0;
        if (confs.length < window) return PyNumerics.mean(confs);
        double[] means = windowMeans(confs, window);
        int bottom = Math.max(1, (int) (means.length * BOTTOM_PERCENT));
        if (bottom == 1) return min(means);
        Arrays.sort(means);
        return PyNumerics.mean(means, 0, bottom);
    }

    /** {@code calculate_bottom_window_confidence(trace, window, bottom_percent=-1)}: the lowest window mean. */
    public static double minWindow(double[] confs, int window) {
        PyNumerics.noNaN("confs", confs);
        checkWindow(window);
        if (confs.length == 0) return 0.0;
        if (confs.length < window) return PyNumerics.mean(confs);
        return min(windowMeans(confs, window));
    }

    /**
     * The unrounded means of all windows of {@code window} tokens, by the reference's running sum:
     * {@code s = sum(confs[:w])}, then {@code s = s − confs[i−1] + confs[i+w−1]}; confs.length ≥ window.
     */
    static double[] windowMeans(double[] confs, int window) {
        double[] means = new double[confs.length - window + 1];
        double s = PyNumerics.sequentialSum(confs, 0, window);
        means[0] = s / window;
        for (int i = 1; i < means.length; i++) {
            s = s - confs[i - 1] + confs[i + window - 1];
            means[i] = s / window;
        }
        return means;
    }

    static void checkWindow(int window) {
        if (window < 1) throw new IllegalArgumentException("window must be at least 1, got " + window);
    }

    private static double min(double[] values) {
        double m = values[0];
        for (double v : values) {
            if (v < m) m = v;
        }
        return m;
    }
}
