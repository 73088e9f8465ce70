package falconh1r.model;

import static falconh1r.model.GradientChecks.assertGradient;
import static falconh1r.model.GradientChecks.config;
import static falconh1r.model.GradientChecks.dot;
import static falconh1r.model.GradientChecks.gaussian;
import static falconh1r.model.GradientChecks.json;
import static falconh1r.model.GradientChecks.numericGradient;
import static falconh1r.model.GradientChecks.widen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.kernels.Half;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Finite-difference checks of every hand-written backward of the attention branch, the MLP, the
 * norms, the embedding and the LM head, over seeded random shapes (GQA with head_dim ≠ hidden/heads,
 * biases on and off, random multipliers). Each layer has a double-precision twin here, plain loops
 * mirroring the Python formula; the scalar f(θ) = Σ R·out(θ) (R random) is differentiated by central
 * differences in double ({@link GradientChecks#numericGradient}) at the f32 parameter values the Java
 * code runs with, and compared with the Java f32 backward given dOut = R, on the scalar and SIMD
 * backends: max |diff| ≤ 1e-4 · max |numeric gradient| per tensor (f32 rounding gives ~1e-6). Each
 * twin is first held equal to the Java forward (1e-5 abs + 1e-5 rel), so both differentiate the same
 * function. RoPE's cos/sin tables are the Java ones (checked against transformers in LayersTest).
 * Gradients are accumulated onto random prior contents, which are subtracted before comparing (the
 * backwards must add, not overwrite).
 */
class LayerGradientsTest {

    static final double RTOL = 1e-4;
    static final List<String> BACKENDS = List.of("scalar", "simd");

    // ---- double twins ----------------------------------------------------------------------

    /** {@code x[rows, in] · Wᵀ + b}. */
    static double[] linear(double[] x, int rows, double[] w, double[] b, int out, int in) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) s += x[r * in + i] * w[o * in + i];
                y[r * out + o] = s;
            }
        }
        return y;
    }

    /** apply_rotary_pos_emb on [rows, heads, hd]: {@code x·cos + rotate_half(x)·sin}, cos/sin [rows, hd/2]. */
    static double[] rope(double[] x, int rows, int heads, int hd, float[] cos, float[] sin) {
        double[] y = new double[x.length];
        int half = hd / 2;
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                int off = (r * heads + h) * hd;
                for (int i = 0; i < hd; i++) {
                    double c = cos[r * half + i % half], s = sin[r * half + i % half];
                    double rotated = i < half ? -x[off + i + half] : x[off + i - half];
                    y[off + i] = x[off + i] * c + rotated * s;
                }
            }
        }
        return y;
    }

    /** eager_attention_forward with a causal mask: q [L, Hq, d], k and v [L, Hkv, d], out [L, Hq, d]. */
    static double[] attention(double[] q, double[] k, double[] v, int rows, int hq, int hkv, int d, double scale) {
        double[] out = new double[rows * hq * d];
        int group = hq / hkv;
        for (int i = 0; i < rows; i++) {
            for (int h = 0; h < hq; h++) {
                double[] p = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int e = 0; e < d; e++) s += q[(i * hq + h) * d + e] * k[(j * hkv + h / group) * d + e];
                    p[j] = s * scale;
                    max = Math.max(max, p[j]);
                }
                for (int j = 0; j <= i; j++) sum += p[j] = Math.exp(p[j] - max);
                for (int j = 0; j <= i; j++) {
                    for (int e = 0; e < d; e++) out[(i * hq + h) * d + e] += p[j] / sum * v[(j * hkv + h / group) * d + e];
                }
            }
        }
        return out;
    }

    /** FalconH1RMSNorm: {@code w · x · rsqrt(mean(x²) + eps)} per row. */
    static double[] rmsNorm(double[] x, double[] w, int rows, int dim, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double ms = 0;
            for (int i = 0; i < dim; i++) ms += x[r * dim + i] * x[r * dim + i] / dim;
            for (int i = 0; i < dim; i++) y[r * dim + i] = w[i] * x[r * dim + i] / Math.sqrt(ms + eps);
        }
        return y;
    }

    static double[] scaled(double[] x, double s) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * s;
        return y;
    }

    // ---- helpers -----------------------------------------------------------------------------

    static float[] minus(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
        return d;
    }

    /** Fills every tensor of {@code grads} with random prior contents and returns copies of them. */
    static Map<String, float[]> prefill(FalconH1Parameters grads, SplittableRandom random) {
        Map<String, float[]> prior = new LinkedHashMap<>();
        for (String name : grads.names()) {
            float[] g = grads.get(name), v = gaussian(random, g.length, 1);
            System.arraycopy(v, 0, g, 0, g.length);
            prior.put(name, v);
        }
        return prior;
    }

    /** The layer's tensors of {@code p} (those named {@code prefix...}), redrawn: weights N(0, 1/fan_in), 1-D ones N(0, 0.3²). */
    static Map<String, double[]> randomize(FalconH1Parameters p, String prefix, SplittableRandom random) {
        Map<String, double[]> twin = new LinkedHashMap<>();
        for (String name : p.names()) {
            if (!name.startsWith(prefix)) continue;
            int[] shape = p.shape(name);
            float[] v = gaussian(random, p.get(name).length, shape.length == 2 ? 1 / Math.sqrt(shape[1]) : 0.3);
            System.arraycopy(v, 0, p.get(name), 0, v.length);
            twin.put(name, widen(v));
        }
        return twin;
    }

    /** Every twin tensor's numeric gradient against {@code grads}' (minus the prior contents). */
    static void assertParameterGradients(String what, Map<String, double[]> twin, DoubleSupplier f,
                                         FalconH1Parameters grads, Map<String, float[]> prior) {
        for (Map.Entry<String, double[]> e : twin.entrySet()) {
            String name = e.getKey();
            assertGradient(what + " " + name, numericGradient(e.getValue(), f), minus(grads.get(name), prior.get(name)), RTOL);
        }
    }

    static void assertForward(String what, double[] twin, float[] java) {
        assertEquals(twin.length, java.length, what);
        for (int i = 0; i < twin.length; i++) {
            assertEquals(twin[i], java[i], 1e-5 + 1e-5 * Math.abs(twin[i]), what + " forward [" + i + "]");
        }
    }

    // ---- the layers ------------------------------------------------------------------------

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void linear(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int rows = 1 + r.nextInt(6), out = 1 + r.nextInt(9), in = 1 + r.nextInt(40);
        boolean bias = seed % 2 == 0;
        float[] x = gaussian(r, rows * in, 1), w = gaussian(r, out * in, 1), b = bias ? gaussian(r, out, 1) : null;
        float[] dy = gaussian(r, rows * out, 1);
        float[] dx0 = gaussian(r, rows * in, 1), dw0 = gaussian(r, out * in, 1), db0 = gaussian(r, out, 1);
        double[] xd = widen(x), wd = widen(w), bd = bias ? widen(b) : null, rd = widen(dy);
        DoubleSupplier f = () -> dot(rd, linear(xd, rows, wd, bd, out, in));
        for (String backendName : BACKENDS) {
            try (Backend backend = Backends.create(backendName, 2)) {
                float[] dx = dx0.clone(), dw = dw0.clone(), db = bias ? db0.clone() : null;
                Linear.backward(backend, dx, dy, x, rows, w, dw, db, out, in);
                String what = backendName + " seed " + seed + " linear " + rows + "x" + out + "x" + in;
                assertGradient(what + " dx", numericGradient(xd, f), minus(dx, dx0), RTOL);
                assertGradient(what + " dW", numericGradient(wd, f), minus(dw, dw0), RTOL);
                if (bias) assertGradient(what + " dB", numericGradient(bd, f), minus(db, db0), RTOL);
                float[] dwOnly = dw0.clone();
                Linear.backward(backend, null, dy, x, rows, w, dwOnly, null, out, in);    // dx null: skipped
                assertGradient(what + " dW (dx null)", numericGradient(wd, f), minus(dwOnly, dw0), RTOL);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void rope(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int rows = 1 + r.nextInt(8), heads = 1 + r.nextInt(3), hd = 2 * (1 + r.nextInt(6));
        int[] positions = new int[rows];
        for (int i = 0; i < rows; i++) positions[i] = r.nextInt(5000);
        Rope rope = new Rope(hd, seed % 2 == 0 ? 1e4 : 1e11);
        Rope.Angles angles = rope.at(positions);
        float[] x = gaussian(r, rows * heads * hd, 1), dy = gaussian(r, x.length, 1);
        double[] xd = widen(x), rd = widen(dy);
        DoubleSupplier f = () -> dot(rd, rope(xd, rows, heads, hd, angles.cos(), angles.sin()));
        float[] y = x.clone();
        rope.apply(y, heads, angles);
        assertForward("rope seed " + seed, rope(xd, rows, heads, hd, angles.cos(), angles.sin()), y);
        float[] dx = dy.clone();
        rope.backward(dx, heads, angles);
        assertGradient("seed " + seed + " rope dx", numericGradient(xd, f), dx, RTOL);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void causalAttention(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int rows = 1 + r.nextInt(9), hkv = 1 + r.nextInt(3), hq = hkv * (1 + r.nextInt(3)), d = 1 + r.nextInt(7);
        double scale = Math.pow(d, -0.5);
        float[] q = gaussian(r, rows * hq * d, 1.5), k = gaussian(r, rows * hkv * d, 1.5), v = gaussian(r, rows * hkv * d, 1);
        float[] dOut = gaussian(r, q.length, 1);
        double[] qd = widen(q), kd = widen(k), vd = widen(v), rd = widen(dOut);
        DoubleSupplier f = () -> dot(rd, attention(qd, kd, vd, rows, hq, hkv, d, scale));
        for (String backendName : BACKENDS) {
            try (Backend backend = Backends.create(backendName, 2)) {
                String what = backendName + " seed " + seed + " attention L" + rows + " Hq" + hq + " Hkv" + hkv + " d" + d;
                float[] out = new float[q.length];
                Attention.causal(backend, out, q, rows, k, v, 0, 0, hq, hkv, d, (float) scale, new float[rows]);
                assertForward(what, attention(qd, kd, vd, rows, hq, hkv, d, scale), out);
                float[] dq = new float[q.length], dk = new float[k.length], dv = new float[v.length];
                Attention.causalBackward(backend, dq, dk, dv, dOut, q, k, v, rows, hq, hkv, d, (float) scale);
                assertGradient(what + " dq", numericGradient(qd, f), dq, RTOL);
                assertGradient(what + " dk", numericGradient(kd, f), dk, RTOL);
                assertGradient(what + " dv", numericGradient(vd, f), dv, RTOL);
                // the blocked forms (matrix products per head and block of query rows)
                float[] outBlocked = new float[q.length];
                Attention.causalBlocked(backend, outBlocked, q, rows, k, v, 0, hq, hkv, d, (float) scale);
                assertForward(what + " blocked", attention(qd, kd, vd, rows, hq, hkv, d, scale), outBlocked);
                float[] dqB = new float[q.length], dkB = new float[k.length], dvB = new float[v.length];
                Attention.causalBackwardBlocked(backend, dqB, dkB, dvB, dOut, q, k, v, rows, hq, hkv, d, (float) scale);
                assertGradient(what + " blocked dq", numericGradient(qd, f), dqB, RTOL);
                assertGradient(what + " blocked dk", numericGradient(kd, f), dkB, RTOL);
                assertGradient(what + " blocked dv", numericGradient(vd, f), dvB, RTOL);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void selfAttention(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int rows = 1 + r.nextInt(8), hkv = 1 + r.nextInt(3), hq = hkv * (1 + r.nextInt(3)), hd = 2 * (1 + r.nextInt(4));
        int hidden = 2 + r.nextInt(14);
        boolean bias = seed % 2 == 1;
        double keyMultiplier = 0.3 + r.nextDouble();
        FalconH1Config c = config(json("\"hidden_size\": %d, \"num_attention_heads\": %d, \"num_key_value_heads\": %d, "
                + "\"head_dim\": %d, \"attention_bias\": %b, \"key_multiplier\": %s, \"rope_theta\": %s, \"num_hidden_layers\": 2",
                hidden, hq, hkv, hd, bias, keyMultiplier, seed % 3 == 0 ? 1e11 : 1e4));
        int layer = (int) (seed % 2);
        String pre = ParameterShapes.layer(layer, "self_attn.");
        FalconH1Parameters p = FalconH1Parameters.zeros(c);
        Map<String, double[]> twin = randomize(p, pre, r);
        Rope rope = new Rope(hd, c.ropeTheta());
        int start = r.nextInt(100);
        int[] positions = new int[rows];
        for (int i = 0; i < rows; i++) positions[i] = start + i;
        Rope.Angles angles = rope.at(positions);
        float[] x = gaussian(r, rows * hidden, 1), dOut = gaussian(r, rows * hidden, 1), dx0 = gaussian(r, rows * hidden, 1);
        double[] xd = widen(x), rd = widen(dOut);
        float km = (float) c.keyMultiplier();
        Supplier<double[]> forward = () -> {
            double[] q = linear(xd, rows, twin.get(pre + "q_proj.weight"), twin.get(pre + "q_proj.bias"), hq * hd, hidden);
            double[] k = scaled(linear(xd, rows, twin.get(pre + "k_proj.weight"), twin.get(pre + "k_proj.bias"), hkv * hd, hidden), km);
            double[] v = linear(xd, rows, twin.get(pre + "v_proj.weight"), twin.get(pre + "v_proj.bias"), hkv * hd, hidden);
            double[] o = attention(rope(q, rows, hq, hd, angles.cos(), angles.sin()), rope(k, rows, hkv, hd, angles.cos(), angles.sin()),
                    v, rows, hq, hkv, hd, Math.pow(hd, -0.5));
            return linear(o, rows, twin.get(pre + "o_proj.weight"), twin.get(pre + "o_proj.bias"), hidden, hq * hd);
        };
        DoubleSupplier f = () -> dot(rd, forward.get());
        for (String backendName : BACKENDS) {
            try (Backend backend = Backends.create(backendName, 2)) {
                String what = backendName + " seed " + seed + " self-attention L" + rows + " D" + hidden + " Hq" + hq
                        + " Hkv" + hkv + " hd" + hd + (bias ? " bias" : "");
                SelfAttention.Activations saved = new SelfAttention.Activations(c, rows);
                float[] out = new float[rows * hidden];
                SelfAttention.forward(backend, p, layer, rope, x, rows, angles, 0, null, out, saved);
                assertForward(what, forward.get(), out);
                FalconH1Parameters grads = FalconH1Parameters.zeros(c);
                Map<String, float[]> prior = prefill(grads, r);
                float[] dx = dx0.clone();
                SelfAttention.backward(backend, p, layer, rope, angles, saved, dOut, grads, dx);
                assertGradient(what + " dx", numericGradient(xd, f), minus(dx, dx0), RTOL);
                assertParameterGradients(what, twin, f, grads, prior);
                for (String name : grads.names()) {
                    if (!twin.containsKey(name)) {
                        assertArrayEquals(prior.get(name), grads.get(name), name + " changed");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void mlp(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int rows = 1 + r.nextInt(6), hidden = 2 + r.nextInt(11), inter = 2 + r.nextInt(15);
        boolean bias = seed % 2 == 0;
        float gateMultiplier = (float) (0.5 + 1.5 * r.nextDouble()), downMultiplier = (float) (0.5 + 1.5 * r.nextDouble());
        FalconH1Config c = config(json("\"hidden_size\": %d, \"intermediate_size\": %d, \"mlp_multipliers\": [%s, %s], \"mlp_bias\": %b",
                hidden, inter, gateMultiplier, downMultiplier, bias));
        String pre = ParameterShapes.layer(0, "feed_forward.");
        FalconH1Parameters p = FalconH1Parameters.zeros(c);
        Map<String, double[]> twin = randomize(p, pre, r);
        float[] u = gaussian(r, rows * hidden, 1.5), dy = gaussian(r, rows * hidden, 1), dx0 = gaussian(r, rows * hidden, 1);
        double[] ud = widen(u), rd = widen(dy);
        Supplier<double[]> forward = () -> {
            double[] a = scaled(linear(ud, rows, twin.get(pre + "gate_proj.weight"), twin.get(pre + "gate_proj.bias"), inter, hidden), gateMultiplier);
            double[] h = linear(ud, rows, twin.get(pre + "up_proj.weight"), twin.get(pre + "up_proj.bias"), inter, hidden);
            for (int i = 0; i < h.length; i++) h[i] *= a[i] / (1 + Math.exp(-a[i]));
            return scaled(linear(h, rows, twin.get(pre + "down_proj.weight"), twin.get(pre + "down_proj.bias"), hidden, inter), downMultiplier);
        };
        DoubleSupplier f = () -> dot(rd, forward.get());
        for (String backendName : BACKENDS) {
            try (Backend backend = Backends.create(backendName, 2)) {
                String what = backendName + " seed " + seed + " mlp L" + rows + " D" + hidden + " I" + inter + (bias ? " bias" : "");
                Mlp.Activations saved = new Mlp.Activations(rows, hidden, inter);
                float[] y = new float[rows * hidden];
                Mlp.forward(backend, y, u, rows, hidden, inter, Mlp.weights(p, 0), new float[rows * inter], new float[rows * inter], saved);
                assertForward(what, forward.get(), y);
                FalconH1Parameters grads = FalconH1Parameters.zeros(c);
                Map<String, float[]> prior = prefill(grads, r);
                float[] dx = dx0.clone();
                Mlp.backward(backend, dx, dy, rows, hidden, inter, Mlp.weights(p, 0), saved, Mlp.weights(grads, 0));
                assertGradient(what + " dx", numericGradient(ud, f), minus(dx, dx0), RTOL);
                assertParameterGradients(what, twin, f, grads, prior);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void rmsNorm(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int rows = 1 + r.nextInt(6), dim = 1 + r.nextInt(24);
        float eps = new float[] {1e-5f, 1e-6f, 0.1f}[(int) (seed % 3)];
        float[] x = gaussian(r, rows * dim, 2), w = gaussian(r, dim, 1), dy = gaussian(r, rows * dim, 1);
        for (int i = 0; i < dim; i++) x[i] *= 1e-3f;                    // a row where eps matters
        float[] dx0 = gaussian(r, rows * dim, 1), dw0 = gaussian(r, dim, 1);
        double[] xd = widen(x), wd = widen(w), rd = widen(dy);
        DoubleSupplier f = () -> dot(rd, rmsNorm(xd, wd, rows, dim, eps));
        for (String backendName : BACKENDS) {
            try (Backend backend = Backends.create(backendName, 2)) {
                String what = backendName + " seed " + seed + " rmsnorm " + rows + "x" + dim + " eps " + eps;
                float[] y = new float[rows * dim];
                backend.rmsNorm(y, x, w, rows, dim, eps);
                assertForward(what, rmsNorm(xd, wd, rows, dim, eps), y);
                float[] dx = dx0.clone(), dw = dw0.clone();
                RmsNorm.backward(backend, dx, dw, dy, x, w, rows, dim, eps);
                assertGradient(what + " dx", numericGradient(xd, f), minus(dx, dx0), RTOL);
                assertGradient(what + " dw", numericGradient(wd, f), minus(dw, dw0), RTOL);
            }
        }
    }

    /** h = E[ids]·m_e and logits = x·Wᵀ·m_lm together, W = E when tied: f = Σ R_h·h + Σ R_l·logits. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void embeddingAndLmHead(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int rows = 1 + r.nextInt(7), vocab = 3 + r.nextInt(15), hidden = 2 + r.nextInt(7);
        boolean tied = seed % 2 == 0;
        double em = 0.5 + 2 * r.nextDouble(), lm = 0.2 + r.nextDouble();
        FalconH1Config c = config(json("\"vocab_size\": %d, \"hidden_size\": %d, \"tie_word_embeddings\": %b, \"pad_token_id\": null, "
                + "\"embedding_multiplier\": %s, \"lm_head_multiplier\": %s", vocab, hidden, tied, em, lm));
        FalconH1Parameters p = FalconH1Parameters.zeros(c);
        Map<String, double[]> twin = randomize(p, "", r);
        twin.keySet().retainAll(List.of(ParameterShapes.EMBED, ParameterShapes.LM_HEAD));
        int[] ids = new int[rows];
        for (int t = 0; t < rows; t++) ids[t] = r.nextInt(vocab);
        ids[rows - 1] = ids[0];                                             // a repeated id accumulates
        float[] x = gaussian(r, rows * hidden, 1), dh = gaussian(r, rows * hidden, 1), dLogits = gaussian(r, rows * vocab, 1);
        float[] dx0 = gaussian(r, rows * hidden, 1);
        double[] xd = widen(x), rh = widen(dh), rl = widen(dLogits);
        double[] table = twin.get(ParameterShapes.EMBED), head = tied ? table : twin.get(ParameterShapes.LM_HEAD);
        DoubleSupplier f = () -> {
            double[] h = new double[rows * hidden];
            for (int t = 0; t < rows; t++) {
                for (int i = 0; i < hidden; i++) h[t * hidden + i] = table[ids[t] * hidden + i] * (float) em;
            }
            return dot(rh, h) + dot(rl, scaled(linear(xd, rows, head, null, vocab, hidden), (float) lm));
        };
        for (String backendName : BACKENDS) {
            try (Backend backend = Backends.create(backendName, 2)) {
                String what = backendName + " seed " + seed + " embedding+lm_head L" + rows + " V" + vocab + " D" + hidden
                        + (tied ? " tied" : " untied");
                float[] h = new float[rows * hidden], logits = new float[rows * vocab];
                Embedding.forward(backend, p, ids, h);
                LmHead.forward(backend, p, x, rows, logits);
                assertForward(what + " logits", scaled(linear(xd, rows, head, null, vocab, hidden), (float) lm), logits);
                FalconH1Parameters grads = FalconH1Parameters.zeros(c);
                Map<String, float[]> prior = prefill(grads, r);
                float[] dx = dx0.clone();
                Embedding.backward(backend, ids, dh, grads);
                LmHead.backward(backend, p, x, rows, dLogits, grads, dx);
                assertGradient(what + " dx", numericGradient(xd, f), minus(dx, dx0), RTOL);
                assertParameterGradients(what, twin, f, grads, prior);
            }
        }
    }

    @Test
    void zerosHoldsEveryTensorAsF32Zeros() {
        FalconH1Config c = config("\"hidden_size\": 6, \"attention_bias\": true, \"num_hidden_layers\": 2");
        FalconH1Parameters grads = FalconH1Parameters.zeros(c);
        assertEquals(ParameterShapes.of(c).keySet(), grads.names());
        for (String name : grads.names()) {
            float[] g = grads.get(name);
            assertEquals(Arrays.stream(grads.shape(name)).reduce(1, Math::multiplyExact), g.length, name);
            for (float v : g) assertEquals(0f, v, name);
            if (grads.shape(name).length == 2) assertSame(g, grads.weight(name).f32(), name);
        }
    }

    @Test
    void badInputIsRejected() {
        FalconH1Config c = config("\"hidden_size\": 6");
        FalconH1Parameters p = FalconH1Parameters.zeros(c);
        Rope rope = new Rope(c.headDim(), c.ropeTheta());
        Rope.Angles angles = rope.at(new int[] {0, 1, 2});
        float[] x = new float[18], out = new float[18];
        try (Backend backend = Backends.create("scalar", 1)) {
            var padded = assertThrows(IllegalArgumentException.class, () -> SelfAttention.forward(
                    backend, p, 0, rope, x, 3, angles, 1, null, out, new SelfAttention.Activations(c, 3)));
            assertTrue(padded.getMessage().contains("unpadded"), padded.getMessage());
            var rows = assertThrows(IllegalArgumentException.class, () -> Mlp.forward(
                    backend, out, x, 3, 6, 8, Mlp.weights(p, 0), new float[24], new float[24], new Mlp.Activations(2, 6, 8)));
            assertTrue(rows.getMessage().contains("rows"), rows.getMessage());
            var norm = assertThrows(IllegalArgumentException.class, () -> RmsNorm.backward(
                    backend, new float[17], new float[6], new float[18], x, new float[6], 3, 6, 1e-5f));
            assertTrue(norm.getMessage().contains("dx"), norm.getMessage());
            var id = assertThrows(IllegalArgumentException.class, () -> Embedding.backward(
                    backend, new int[] {0, 8}, new float[12], FalconH1Parameters.zeros(c)));
            assertTrue(id.getMessage().contains("token id 8"), id.getMessage());
            FalconH1Parameters packed = FalconH1Parameters.init(c, 1, Half.Format.BF16);
            var bf16 = assertThrows(IllegalArgumentException.class, () -> Mlp.backward(
                    backend, new float[18], new float[18], 3, 6, 8, Mlp.weights(packed, 0), new Mlp.Activations(3, 6, 8), Mlp.weights(p, 0)));
            assertTrue(bf16.getMessage().contains("f32"), bf16.getMessage());
        }
    }
}
