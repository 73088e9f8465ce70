package falconh1r.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code torch.optim.AdamW} (torch 2.9.1, {@code amsgrad=False}, the single-tensor loop
 * {@code _single_tensor_adam} with {@code decoupled_weight_decay=True}) behind transformers'
 * Trainer step: {@code clip_grad_norm_} ({@link GradClip}), then the update of every parameter
 * ({@link #update}), in float32 with torch's order of operations and roundings; the bias
 * corrections and the step size are Python floats (double), as in torch. The lr of each step comes
 * from the caller, e.g. {@link LrSchedule#lr}. Parameters and their
 * {@link ParameterGroups weight decay} are fixed at construction; the caller's live arrays are
 * updated in place, so after a step the caller tells its Backend that the weights changed.
 *
 * <p>A NaN or infinite gradient norm never reaches the weights or the moments: the step is skipped
 * or aborted by the {@link NonFiniteGradientPolicy}.
 */
public final class AdamW {

    /**
     * Hyperparameters other than lr and weight decay: {@code betas}, {@code eps}, the Trainer's
     * {@code max_grad_norm} (0 turns clipping off, as transformers' {@code max_grad_norm <= 0}) and
     * the non-finite policy.
     */
    public record Settings(double beta1, double beta2, double eps, double maxGradNorm, NonFiniteGradientPolicy onNonFinite) {
        public Settings {
            if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
            if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
            if (!(eps >= 0) || Double.isInfinite(eps)) throw new IllegalArgumentException("eps must be finite and >= 0, got " + eps);
            if (!(maxGradNorm >= 0) || Double.isInfinite(maxGradNorm)) {
                throw new IllegalArgumentException("maxGradNorm must be finite and >= 0 (0: no clipping), got " + maxGradNorm);
            }
            if (onNonFinite == null) throw new IllegalArgumentException("onNonFinite is null");
        }
    }

    private static final System.Logger LOG = System.getLogger(AdamW.class.getName());

    private final Settings settings;
    private final List<String> names = new ArrayList<>();
    private final float[][] params;
    private final double[] weightDecay;
    private final AdamWState state;

    public AdamW(ParameterGroups groups, Settings settings) {
        this.settings = settings;
        List<float[]> arrays = new ArrayList<>();
        List<Double> decays = new ArrayList<>();
        for (ParameterGroups.Group g : groups.groups()) {
            g.params().forEach((name, values) -> {
                names.add(name);
                arrays.add(values);
                decays.add(g.weightDecay());
            });
        }
        params = arrays.toArray(float[][]::new);
        weightDecay = decays.stream().mapToDouble(Double::doubleValue).toArray();
        int[] lengths = arrays.stream().mapToInt(a -> a.length).toArray();
        state = new AdamWState(names, lengths);
    }

    public Settings settings() {
        return settings;
    }

    /** Step count, moments and skip count; {@link AdamWState#save}/{@link AdamWState#load} for resume. */
    public AdamWState state() {
        return state;
    }

    /**
     * One Trainer step at learning rate {@code lr}: the gradients' global 2-norm; if it is not
     * finite, the {@link NonFiniteGradientPolicy} (nothing changes); else {@code clip_grad_norm_}
     * when {@code maxGradNorm > 0} (scaling {@code grads} in place, as torch does) and the AdamW
     * update of every parameter. {@code grads} holds one array per parameter of this optimizer,
     * of the same length, and nothing else. Returns the total norm before clipping (what the
     * Trainer logs as {@code grad_norm}).
     */
    public float step(Map<String, float[]> grads, double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("lr must be finite and >= 0, got " + lr);
        float[][] g = gradients(grads);
        float norm = GradClip.totalNorm(g);
        if (!Float.isFinite(norm)) {
            nonFinite(g, norm);
            return norm;
        }
        if (settings.maxGradNorm() > 0) GradClip.clipWithNorm(g, settings.maxGradNorm(), norm);

        long step = state.step + 1;
        double biasCorrection1 = 1 - StrictMath.pow(settings.beta1(), step);
        double biasCorrection2 = 1 - StrictMath.pow(settings.beta2(), step);
        double stepSize = lr / biasCorrection1;
        double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);   // Python's bias_correction2 ** 0.5
        for (int i = 0; i < params.length; i++) {
            update(params[i], g[i], state.expAvg[i], state.expAvgSq[i], weightDecay[i] == 0 ? 1f : (float) (1 - lr * weightDecay[i]),
                    (float) (1 - settings.beta1()), (float) settings.beta2(), (float) (1 - settings.beta2()),
                    (float) biasCorrection2Sqrt, (float) settings.eps(), (float) -stepSize);
        }
        state.step = step;
        return norm;
    }

    /**
     * The body of {@code _single_tensor_adam} for one parameter, every Python float argument
     * rounded to float32 as torch's CPU kernels do, each line one torch call:
     * <pre>
     *   param.mul_(1 - lr * weight_decay)                        p = p · decay         (skipped when weight_decay == 0)
     *   exp_avg.lerp_(grad, 1 - beta1)                           m = lerp(m, g, 1-β₁)
     *   exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)   v = fma((1-β₂)·g, g, β₂·v)
     *   denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
     *   param.addcdiv_(exp_avg, denom, value=-step_size)         p = p + (−step_size·m) / denom
     * </pre>
     * torch 2.9.1's CPU build contracts the addcmul and lerp kernels' multiply-add into one
     * fused multiply-add (checked bit for bit against it, tails included), so this does too. The
     * one difference: {@link Math#sqrt} rounds correctly, torch's float32 {@code sqrt} (MKL) can be
     * an ulp off (fixtures/README.md, "Optimizer"). C2 vectorises this loop; it runs at memory
     * bandwidth.
     */
    static void update(float[] p, float[] g, float[] m, float[] v, float decay, float oneMinusBeta1, float beta2,
                       float oneMinusBeta2, float biasCorrection2Sqrt, float eps, float negStepSize) {
        for (int i = 0; i < p.length; i++) {
            float gi = g[i];
            float mi = lerp(m[i], gi, oneMinusBeta1);
            float vi = Math.fma(oneMinusBeta2 * gi, gi, v[i] * beta2);
            float denom = (float) Math.sqrt(vi) / biasCorrection2Sqrt + eps;
            p[i] = p[i] * decay + negStepSize * mi / denom;
            m[i] = mi;
            v[i] = vi;
        }
    }

    /**
     * torch's CPU {@code lerp(self, end, weight)} ({@code lerp_vec}): {@code self + w·(end−self)}
     * for {@code |w| < 0.5}, else {@code end − (1−w)·(end−self)}, each as one fused multiply-add.
     */
    static float lerp(float self, float end, float weight) {
        float diff = end - self;
        return Math.abs(weight) < 0.5f ? Math.fma(weight, diff, self) : Math.fma(weight - 1f, diff, end);
    }

    /** The caller's gradients in parameter order, after checking names and lengths. */
    private float[][] gradients(Map<String, float[]> grads) {
        float[][] g = new float[params.length][];
        for (int i = 0; i < params.length; i++) {
            String name = names.get(i);
            g[i] = grads.get(name);
            if (g[i] == null) throw new IllegalArgumentException("grads has no gradient for parameter '" + name + "'");
            if (g[i].length != params[i].length) {
                throw new IllegalArgumentException("gradient of '" + name + "' has " + g[i].length + " elements, the parameter "
                        + params[i].length);
            }
        }
        if (grads.size() != params.length) {
            for (String name : grads.keySet()) {
                if (!state.names().contains(name)) throw new IllegalArgumentException("grads has '" + name + "', not a parameter of this optimizer");
            }
        }
        return g;
    }

    /** Applies the {@link NonFiniteGradientPolicy}; weights and state are untouched either way. */
    private void nonFinite(float[][] g, float norm) {
        String where = "the sum of squares overflows";
        search:
        for (int i = 0; i < g.length; i++) {
            for (int j = 0; j < g[i].length; j++) {
                if (!Float.isFinite(g[i][j])) {
                    where = "first at " + names.get(i) + "[" + j + "] = " + g[i][j];
                    break search;
                }
            }
        }
        String what = "gradient norm " + norm + " at step " + (state.step + 1) + " (" + where + ")";
        if (settings.onNonFinite() == NonFiniteGradientPolicy.ABORT) {
            throw new ArithmeticException("non-finite " + what + "; weights and optimizer state left unchanged");
        }
        state.skipped++;
        LOG.log(System.Logger.Level.WARNING, "skipping the optimizer step: non-finite " + what + "; "
                + state.skipped + " step(s) skipped so far");
    }
}
