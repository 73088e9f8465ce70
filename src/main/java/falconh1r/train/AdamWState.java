package falconh1r.train;

import falconh1r.io.DType;
import falconh1r.io.SafetensorsException;
import falconh1r.io.SafetensorsFile;
import falconh1r.io.SafetensorsWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state {@link AdamW} carries from step to step, what torch keeps in {@code optimizer.state[p]}:
 * per parameter {@code exp_avg} (m) and {@code exp_avg_sq} (v), f32 and as long as the parameter,
 * and the step count (one for all parameters: they always step together here), plus the number of
 * updates skipped for non-finite gradients. Saved to and loaded from one safetensors file, so a
 * resumed run continues bit for bit:
 *
 * <pre>
 *   step                 I64 []     updates applied (torch's state["step"])
 *   skipped_steps        I64 []     updates skipped for non-finite gradients
 *   &lt;param&gt;.exp_avg      F32 [n]    flat, n = the parameter's element count
 *   &lt;param&gt;.exp_avg_sq   F32 [n]
 *   __metadata__         {"state": "AdamW"}
 * </pre>
 */
public final class AdamWState {
    static final String STEP = "step";
    static final String SKIPPED = "skipped_steps";
    static final String EXP_AVG = ".exp_avg";
    static final String EXP_AVG_SQ = ".exp_avg_sq";
    private static final Map<String, String> METADATA = Map.of("state", "AdamW");

    private final Map<String, Integer> index = new LinkedHashMap<>();
    final float[][] expAvg;
    final float[][] expAvgSq;
    long step;
    long skipped;

    /** Zero moments for parameters of these names and lengths, in this order; step 0. */
    AdamWState(List<String> names, int[] lengths) {
        expAvg = new float[names.size()][];
        expAvgSq = new float[names.size()][];
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
            expAvg[i] = new float[lengths[i]];
            expAvgSq[i] = new float[lengths[i]];
        }
    }

    /** Updates applied so far (torch's {@code state["step"]}). */
    public long step() {
        return step;
    }

    /**
     * Updates skipped because the gradients were not finite; {@code step() + skippedSteps()} is the
     * number of {@link AdamW#step} calls that returned.
     */
    public long skippedSteps() {
        return skipped;
    }

    /** Parameter names, in the optimizer's order. */
    public Set<String> names() {
        return index.keySet();
    }

    /** {@code exp_avg} of a parameter: the live array. */
    public float[] expAvg(String name) {
        return expAvg[indexOf(name)];
    }

    /** {@code exp_avg_sq} of a parameter: the live array. */
    public float[] expAvgSq(String name) {
        return expAvgSq[indexOf(name)];
    }

    /** Writes the state atomically (the file is whole or the old one stays). */
    public void save(Path file) {
        SafetensorsWriter w = new SafetensorsWriter().metadata(METADATA);
        w.addLongs(STEP, new long[0], new long[] {step});
        w.addLongs(SKIPPED, new long[0], new long[] {skipped});
        index.forEach((name, i) -> {
            w.add(name + EXP_AVG, DType.F32, new long[] {expAvg[i].length}, expAvg[i]);
            w.add(name + EXP_AVG_SQ, DType.F32, new long[] {expAvgSq[i].length}, expAvgSq[i]);
        });
        w.write(file);
    }

    /**
     * Replaces this state with one {@link #save}d for the same parameters. The file must hold
     * exactly this state's tensors with these lengths, finite moments and {@code exp_avg_sq >= 0};
     * otherwise a {@link SafetensorsException} names the flaw and this state is left unchanged.
     */
    public void load(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            if (!METADATA.equals(f.metadata())) {
                throw new SafetensorsException(file, "not an AdamW state: __metadata__ is " + f.metadata() + ", expected " + METADATA);
            }
            Set<String> expected = new HashSet<>(List.of(STEP, SKIPPED));
            index.keySet().forEach(name -> expected.addAll(List.of(name + EXP_AVG, name + EXP_AVG_SQ)));
            for (String name : f.names()) {
                if (!expected.contains(name)) throw new SafetensorsException(file, "unexpected tensor '" + name + "' for this optimizer");
            }
            long newStep = scalar(f, STEP), newSkipped = scalar(f, SKIPPED);
            float[][] m = new float[expAvg.length][], v = new float[expAvg.length][];
            for (Map.Entry<String, Integer> e : index.entrySet()) {
                int i = e.getValue();
                m[i] = moment(f, e.getKey() + EXP_AVG, expAvg[i].length, false);
                v[i] = moment(f, e.getKey() + EXP_AVG_SQ, expAvgSq[i].length, true);
            }
            for (int i = 0; i < m.length; i++) {
                System.arraycopy(m[i], 0, expAvg[i], 0, m[i].length);
                System.arraycopy(v[i], 0, expAvgSq[i], 0, v[i].length);
            }
            step = newStep;
            skipped = newSkipped;
        }
    }

    private static long scalar(SafetensorsFile f, String name) {
        if (!f.contains(name)) throw new SafetensorsException(f.path(), "missing tensor '" + name + "'");
        long[] shape = f.shape(name);
        if (shape.length != 0) throw new SafetensorsException(f.path(), "'" + name + "' has shape " + Arrays.toString(shape) + ", expected []");
        long value = f.longs(name)[0];
        if (value < 0) throw new SafetensorsException(f.path(), "'" + name + "' is negative: " + value);
        return value;
    }

    /** A moment tensor, checked: f32 [length], finite, and {@code >= 0} when it is a second moment. */
    private static float[] moment(SafetensorsFile f, String name, int length, boolean nonNegative) {
        if (!f.contains(name)) throw new SafetensorsException(f.path(), "missing tensor '" + name + "'");
        long[] shape = f.shape(name);
        if (!Arrays.equals(shape, new long[] {length})) {
            throw new SafetensorsException(f.path(), "'" + name + "' has shape " + Arrays.toString(shape) + ", expected [" + length + "]");
        }
        if (f.info(name).dtype() != DType.F32) {
            throw new SafetensorsException(f.path(), "'" + name + "' is " + f.info(name).dtype() + ", expected F32");
        }
        float[] values = f.floats(name);
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i]) || (nonNegative && values[i] < 0)) {
                throw new SafetensorsException(f.path(), "'" + name + "'[" + i + "] = " + values[i] + " cannot be an AdamW moment");
            }
        }
        return values;
    }

    private int indexOf(String name) {
        Integer i = index.get(name);
        if (i == null) throw new IllegalArgumentException("no parameter '" + name + "' in this optimizer");
        return i;
    }
}
