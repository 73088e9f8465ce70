package falconh1r.train;

/**
 * How per-token losses l [B, T] of one micro-batch become one number (pipeline.md §3.4). Every mode
 * is linear in l, so it is given as token weights c with {@code loss = Σ c·l}; c is also
 * {@code ∂loss/∂l}. With mask m, n_b = Σ_t m[b,t] and N = Σ n_b:
 *
 * <table>
 * <caption>c[b,t] by reference and mode (all divided by {@code gradAccum})</caption>
 * <tr><th>reference</th><th>mode</th><th>c[b,t]</th><th>Python</th></tr>
 * <tr><td>verl 0.6.0</td><td>token-mean</td><td>m / (N + 1e-8)</td><td>masked_mean</td></tr>
 * <tr><td>verl 0.6.0</td><td>seq-mean-token-mean</td><td>m / n_b / B (an empty row is 0/0 there: refused)</td><td>mean(sum/sum)</td></tr>
 * <tr><td>verl 0.6.0</td><td>seq-mean-token-sum</td><td>m / B (empty rows count in B)</td><td>mean(sum)</td></tr>
 * <tr><td>verl 0.6.0</td><td>seq-mean-token-sum-norm</td><td>m / T (the mask width; no division by B)</td><td>sum / shape[-1]</td></tr>
 * <tr><td>verl 0.9</td><td>token-mean</td><td>m / N_g · dp</td><td>masked_sum / batch_num_tokens * dp_size</td></tr>
 * <tr><td>verl 0.9</td><td>seq-mean-token-mean</td><td>m / (n_b + 1e-8) / S_g · dp</td><td>over non-empty rows</td></tr>
 * <tr><td>verl 0.9</td><td>seq-mean-token-sum</td><td>m / S_g · dp</td><td></td></tr>
 * <tr><td>verl 0.9</td><td>seq-mean-token-sum-norm</td><td>m / S_g · dp / H</td><td>H = loss_scale_factor, or T</td></tr>
 * <tr><td>TRL</td><td>grpo</td><td>m / max(n_b, 1) / B</td><td>((l·m).sum(-1) / m.sum(-1).clamp(min=1)).mean()</td></tr>
 * <tr><td>TRL</td><td>bnpo</td><td>m / max(N, 1)</td><td>(l·m).sum() / m.sum().clamp(min=1)</td></tr>
 * <tr><td>TRL</td><td>dr_grpo</td><td>m / (B · H)</td><td>H = max_completion_length, or T</td></tr>
 * <tr><td>TRL</td><td>dapo</td><td>m / (max(N_g, 1) / P · gradAccum / stepsPerGeneration), no further division</td><td>num_items_in_batch</td></tr>
 * </table>
 * N_g = {@link Normalizers#globalTokens} (else N), S_g = {@link Normalizers#globalSequences} (else
 * the number of non-empty rows), dp and P = {@link Normalizers#dpSize}. verl 0.9 raises without the
 * global counts when dp_size > 1, and divides by zero when there is no token or row: both refused.
 * verl 0.9's {@code token-mean} has no 1e-8, so on a non-empty batch it equals verl 0.6.0's in f32.
 */
public final class LossAggregation {
    private LossAggregation() {}

    /** verl's {@code loss_agg_mode} values and TRL's {@code loss_type} values. */
    public enum Mode {
        TOKEN_MEAN("token-mean"), SEQ_MEAN_TOKEN_MEAN("seq-mean-token-mean"), SEQ_MEAN_TOKEN_SUM("seq-mean-token-sum"),
        SEQ_MEAN_TOKEN_SUM_NORM("seq-mean-token-sum-norm"),
        GRPO("grpo"), BNPO("bnpo"), DR_GRPO("dr_grpo"), DAPO("dapo");

        private final String pythonName;

        Mode(String pythonName) {
            this.pythonName = pythonName;
        }

        /** The string verl or TRL configures it with. */
        public String pythonName() {
            return pythonName;
        }

        /** Whether TRL (rather than verl) defines this mode. */
        public boolean isTrl() {
            return ordinal() >= GRPO.ordinal();
        }

        public static Mode ofPythonName(String name) {
            for (Mode m : values()) if (m.pythonName.equals(name)) return m;
            throw new IllegalArgumentException("unknown loss_agg_mode / loss_type '" + name + "'");
        }
    }

    /**
     * The batch-level counts a micro-batch cannot see by itself. NaN means "this micro-batch's own".
     *
     * @param dpSize             verl 0.9 {@code dp_size}; TRL {@code num_processes} (dapo)
     * @param globalTokens       verl 0.9 {@code batch_num_tokens}; TRL {@code num_items_in_batch} (dapo)
     * @param globalSequences    verl 0.9 {@code global_batch_size} (seq-mean modes)
     * @param horizon            verl 0.9 {@code loss_scale_factor} (seq-mean-token-sum-norm); TRL
     *                           {@code max_completion_length} (dr_grpo); NaN: the mask width T
     * @param gradAccum          the gradient-accumulation divisor: verl 0.6.0 {@code dp_actor}'s
     *                           {@code 1 / loss_scale_factor} (the number of micro-batches, or
     *                           {@code ppo_mini_batch_size / bs_micro} with dynamic batch size);
     *                           TRL {@code current_gradient_accumulation_steps}; 1 for verl 0.9
     * @param stepsPerGeneration TRL {@code steps_per_generation} (dapo); NaN: {@code gradAccum}
     */
    public record Normalizers(int dpSize, double globalTokens, double globalSequences, double horizon, double gradAccum,
                              double stepsPerGeneration) {
        public static final Normalizers LOCAL = new Normalizers(1, Double.NaN, Double.NaN, Double.NaN, 1, Double.NaN);

        public Normalizers {
            Checks.positive("dpSize", dpSize);
            requireCountOrNaN("globalTokens", globalTokens, 0);
            requireCountOrNaN("globalSequences", globalSequences, 0);
            requireCountOrNaN("horizon", horizon, Double.MIN_VALUE);
            requireCountOrNaN("stepsPerGeneration", stepsPerGeneration, Double.MIN_VALUE);
            if (!(gradAccum > 0) || Double.isInfinite(gradAccum)) {
                throw new IllegalArgumentException("gradAccum must be finite and > 0, got " + gradAccum);
            }
        }

        private static void requireCountOrNaN(String name, double value, double min) {
            if (!Double.isNaN(value) && !(value >= min && value < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException(name + " must be NaN (local) or a finite value ≥ " + min + ", got " + value);
            }
        }

        public Normalizers withDpSize(int v) {
            return new Normalizers(v, globalTokens, globalSequences, horizon, gradAccum, stepsPerGeneration);
        }

        public Normalizers withGlobalTokens(double v) {
            return new Normalizers(dpSize, v, globalSequences, horizon, gradAccum, stepsPerGeneration);
        }

        public Normalizers withGlobalSequences(double v) {
            return new Normalizers(dpSize, globalTokens, v, horizon, gradAccum, stepsPerGeneration);
        }

        public Normalizers withHorizon(double v) {
            return new Normalizers(dpSize, globalTokens, globalSequences, v, gradAccum, stepsPerGeneration);
        }

        public Normalizers withGradAccum(double v) {
            return new Normalizers(dpSize, globalTokens, globalSequences, horizon, v, stepsPerGeneration);
        }

        public Normalizers withStepsPerGeneration(double v) {
            return new Normalizers(dpSize, globalTokens, globalSequences, horizon, gradAccum, v);
        }
    }

    /** verl's {@code masked_mean} and {@code seq-mean-token-mean} epsilon. */
    static final double EPS = 1e-8;

    /** The token weights c [B·T] of the table above. */
    public static double[] weights(Reference reference, Mode mode, boolean[] mask, int rows, int length, Normalizers n) {
        checkPair(reference, mode);
        Checks.positive("rows", rows);
        Checks.positive("length", length);
        Checks.length("mask", mask, Checks.product("mask", rows, length));
        if (n == null) throw new IllegalArgumentException("normalizers is null");
        if (reference == Reference.VERL_0_6_0 && !n.equals(Normalizers.LOCAL.withGradAccum(n.gradAccum()))) {
            throw new IllegalArgumentException("normalizers: verl 0.6.0's agg_loss takes no global batch information, only gradAccum; got " + n);
        }
        int[] count = new int[rows];
        long total = 0;
        int nonEmpty = 0;
        for (int b = 0; b < rows; b++) {
            for (int t = 0; t < length; t++) if (mask[b * length + t]) count[b]++;
            total += count[b];
            if (count[b] > 0) nonEmpty++;
        }
        double horizon = Double.isNaN(n.horizon()) ? length : n.horizon();
        double[] c = new double[rows * length];
        for (int b = 0; b < rows; b++) {
            double w = switch (reference) {              // the weight of each valid token of row b
                case VERL_0_6_0 -> verl060(mode, b, count[b], rows, total, horizon);
                case VERL_0_9 -> verl09(mode, count[b], total, nonEmpty, horizon, n);
                case TRL -> trl(mode, count[b], rows, total, horizon, n);
            } / (mode == Mode.DAPO ? 1 : n.gradAccum());
            for (int t = 0; t < length; t++) if (mask[b * length + t]) c[b * length + t] = w;
        }
        return c;
    }

    private static double verl060(Mode mode, int row, int count, int rows, long total, double horizon) {
        return switch (mode) {
            case TOKEN_MEAN -> 1 / (total + EPS);
            case SEQ_MEAN_TOKEN_MEAN -> {
                if (count == 0) {
                    throw new IllegalArgumentException("mask: row " + row + " is empty; verl 0.6.0's seq-mean-token-mean divides 0 by 0 there");
                }
                yield 1.0 / count / rows;
            }
            case SEQ_MEAN_TOKEN_SUM -> 1.0 / rows;
            default -> 1 / horizon;
        };
    }

    private static double verl09(Mode mode, int count, long total, int nonEmpty, double horizon, Normalizers n) {
        if (mode == Mode.TOKEN_MEAN) return n.dpSize() / global("globalTokens", n.globalTokens(), total, n.dpSize());
        double perSequence = n.dpSize() / global("globalSequences", n.globalSequences(), nonEmpty, n.dpSize());
        return switch (mode) {
            case SEQ_MEAN_TOKEN_MEAN -> perSequence / (count + EPS);
            case SEQ_MEAN_TOKEN_SUM -> perSequence;
            default -> perSequence / horizon;
        };
    }

    private static double trl(Mode mode, int count, int rows, long total, double horizon, Normalizers n) {
        return switch (mode) {
            case GRPO -> 1.0 / Math.max(count, 1) / rows;
            case BNPO -> 1.0 / Math.max(total, 1);
            case DR_GRPO -> 1 / (rows * horizon);
            default -> {                                   // dapo: its normaliser carries the accumulation
                double tokens = Double.isNaN(n.globalTokens()) ? total : n.globalTokens();
                double steps = Double.isNaN(n.stepsPerGeneration()) ? n.gradAccum() : n.stepsPerGeneration();
                yield 1 / (Math.max(tokens, 1) / n.dpSize() * n.gradAccum() / steps);
            }
        };
    }

    /** verl 0.9's global count, or the local one when not given (only allowed at dp_size 1). */
    private static double global(String name, double given, double local, int dpSize) {
        if (Double.isNaN(given) && dpSize > 1) {
            throw new IllegalArgumentException("normalizers: verl 0.9 needs " + name + " when dpSize > 1");
        }
        double value = Double.isNaN(given) ? local : given;
        if (value == 0) throw new IllegalArgumentException("normalizers: " + name + " is 0, verl 0.9 divides by zero");
        return value;
    }

    static void checkPair(Reference reference, Mode mode) {
        if (reference == null || mode == null) throw new IllegalArgumentException("reference and mode must not be null");
        if (mode.isTrl() != (reference == Reference.TRL)) {
            throw new IllegalArgumentException("mode " + mode.pythonName() + " is not a " + reference + " aggregation");
        }
    }
}
