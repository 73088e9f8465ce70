package falconh1r.train;

/**
 * Learning-rate schedules of transformers 5.24 ({@code transformers.optimization}), each a
 * {@code torch.optim.lr_scheduler.LambdaLR}: the lr at scheduler step {@code t} is
 * {@code base_lr * lr_lambda(t)}, in that order, in double as Python computes it. As in
 * transformers' Trainer, step {@code t} (from 0) is the lr of the {@code (t+1)}-th optimizer step:
 * {@code LambdaLR} sets {@code lr_lambda(0)} on construction and the Trainer calls
 * {@code scheduler.step()} after every {@code optimizer.step()}. With warmup, the first step's lr is 0.
 *
 * <p>Steps past {@code num_training_steps} are not clamped, exactly as in transformers: linear
 * stays at 0, cosine (with its default {@code num_cycles} 0.5) rises again.
 */
public final class LrSchedule {

    private enum Kind { CONSTANT, CONSTANT_WITH_WARMUP, LINEAR, COSINE }

    private final Kind kind;
    private final double baseLr;
    private final long warmup;
    private final long total;
    private final double numCycles;

    private LrSchedule(Kind kind, double baseLr, long warmup, long total, double numCycles) {
        if (!(baseLr >= 0) || Double.isInfinite(baseLr)) throw new IllegalArgumentException("lr must be finite and >= 0, got " + baseLr);
        if (warmup < 0) throw new IllegalArgumentException("num_warmup_steps must be >= 0, got " + warmup);
        if (total < 0) throw new IllegalArgumentException("num_training_steps must be >= 0, got " + total);
        if (!Double.isFinite(numCycles)) throw new IllegalArgumentException("num_cycles must be finite, got " + numCycles);
        this.kind = kind;
        this.baseLr = baseLr;
        this.warmup = warmup;
        this.total = total;
        this.numCycles = numCycles;
    }

    /** {@code get_constant_schedule}: {@code lr} at every step. */
    public static LrSchedule constant(double lr) {
        return new LrSchedule(Kind.CONSTANT, lr, 0, 0, 0);
    }

    /** {@code get_constant_schedule_with_warmup}: linear from 0 over {@code warmup} steps, then {@code lr}. */
    public static LrSchedule constantWithWarmup(double lr, long warmup) {
        return new LrSchedule(Kind.CONSTANT_WITH_WARMUP, lr, warmup, 0, 0);
    }

    /** {@code get_linear_schedule_with_warmup}: warmup, then linear decay to 0 at step {@code total}. */
    public static LrSchedule linear(double lr, long warmup, long total) {
        return new LrSchedule(Kind.LINEAR, lr, warmup, total, 0);
    }

    /** {@code get_cosine_schedule_with_warmup} with its default {@code num_cycles=0.5} (half a cosine down to 0). */
    public static LrSchedule cosine(double lr, long warmup, long total) {
        return cosine(lr, warmup, total, 0.5);
    }

    /** {@code get_cosine_schedule_with_warmup(num_cycles=numCycles)}. */
    public static LrSchedule cosine(double lr, long warmup, long total, double numCycles) {
        return new LrSchedule(Kind.COSINE, lr, warmup, total, numCycles);
    }

    public double baseLr() {
        return baseLr;
    }

    /** The lr of scheduler step {@code step}: {@code LambdaLR.get_lr()}, {@code base_lr * lr_lambda(step)}. */
    public double lr(long step) {
        return baseLr * multiplier(step);
    }

    /** transformers' {@code lr_lambda(current_step)} for this schedule. */
    public double multiplier(long step) {
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        return switch (kind) {
            case CONSTANT -> 1.0;
            // _get_constant_schedule_with_warmup_lr_lambda: float(step) / float(max(1.0, warmup))
            case CONSTANT_WITH_WARMUP -> step < warmup ? (double) step / Math.max(1.0, warmup) : 1.0;
            case LINEAR -> {
                if (step < warmup) yield warmupRamp(step);
                yield Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
            }
            case COSINE -> {
                if (step < warmup) yield warmupRamp(step);
                // The min_lr_rate variant that shadows it in transformers.optimization, with min_lr_rate 0:
                // factor * (1 - 0) + 0, then max(0, factor).
                double progress = (double) (step - warmup) / Math.max(1, total - warmup);
                double factor = 0.5 * (1.0 + StrictMath.cos(Math.PI * numCycles * 2.0 * progress));
                yield factor > 0 ? factor : 0.0;
            }
        };
    }

    /** {@code float(current_step) / float(max(1, num_warmup_steps))}. */
    private double warmupRamp(long step) {
        return (double) step / Math.max(1, warmup);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CONSTANT -> "constant(lr=" + baseLr + ")";
            case CONSTANT_WITH_WARMUP -> "constant_with_warmup(lr=" + baseLr + ", warmup=" + warmup + ")";
            case LINEAR -> "linear(lr=" + baseLr + ", warmup=" + warmup + ", total=" + total + ")";
            case COSINE -> "cosine(lr=" + baseLr + ", warmup=" + warmup + ", total=" + total + ", num_cycles=" + numCycles + ")";
        };
    }
}
