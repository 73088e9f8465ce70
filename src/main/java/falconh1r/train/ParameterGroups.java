package falconh1r.train;

import falconh1r.model.FalconH1Parameters;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The parameters an optimizer updates, split into torch {@code param_groups} by weight decay: the
 * two groups transformers' {@code Trainer.create_optimizer} builds, one with {@code weight_decay}
 * and one with 0. By default no decay goes to norm weights, biases and the Mamba SSM parameters
 * {@code A_log}, {@code D}, {@code dt_bias} (those mamba_ssm marks {@code _no_weight_decay});
 * see {@link #DEFAULT_NO_DECAY}. Holds the caller's live arrays, in the order given.
 */
public final class ParameterGroups {

    /** One {@code param_group}: its weight decay and its parameters by name (live arrays). */
    public record Group(double weightDecay, Map<String, float[]> params) {}

    /**
     * Names ending in {@code norm.weight} (every {@code *layernorm.weight}, {@code mamba.norm.weight}),
     * {@code .bias}, {@code .A_log}, {@code .D} or {@code .dt_bias}.
     */
    public static final Predicate<String> DEFAULT_NO_DECAY = endsWithAny("norm.weight", ".bias", ".A_log", ".D", ".dt_bias");

    private final List<Group> groups;

    private ParameterGroups(List<Group> groups) {
        this.groups = groups;
    }

    /** Every tensor of a model (live arrays, state-dict order), split by {@link #DEFAULT_NO_DECAY}. */
    public static ParameterGroups of(FalconH1Parameters model, double weightDecay) {
        Map<String, float[]> params = new LinkedHashMap<>();
        for (String name : model.names()) params.put(name, model.get(name));
        return of(params, weightDecay);
    }

    /** {@link #of(Map, double, Predicate)} with {@link #DEFAULT_NO_DECAY}. */
    public static ParameterGroups of(Map<String, float[]> params, double weightDecay) {
        return of(params, weightDecay, DEFAULT_NO_DECAY);
    }

    /**
     * Group 0: the parameters {@code noDecay} rejects, with {@code weightDecay}; group 1: the
     * others, with 0. A group left empty is dropped. Each keeps the iteration order of {@code params}.
     */
    public static ParameterGroups of(Map<String, float[]> params, double weightDecay, Predicate<String> noDecay) {
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight_decay must be finite and >= 0, got " + weightDecay);
        }
        Map<String, float[]> decay = new LinkedHashMap<>(), plain = new LinkedHashMap<>();
        params.forEach((name, values) -> {
            if (values == null) throw new IllegalArgumentException("parameter '" + name + "' is null");
            (noDecay.test(name) ? plain : decay).put(name, values);
        });
        List<Group> groups = new ArrayList<>();
        if (!decay.isEmpty()) groups.add(new Group(weightDecay, Collections.unmodifiableMap(decay)));
        if (!plain.isEmpty()) groups.add(new Group(0.0, Collections.unmodifiableMap(plain)));
        return new ParameterGroups(List.copyOf(groups));
    }

    /**
     * Explicit groups, as torch's {@code AdamW([{"params": ..., "weight_decay": ...}, ...])}; a
     * name may appear in only one group.
     */
    public static ParameterGroups of(List<Group> groups) {
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (int g = 0; g < groups.size(); g++) {
            Group group = groups.get(g);
            double wd = group.weightDecay();
            if (!(wd >= 0) || Double.isInfinite(wd)) {
                throw new IllegalArgumentException("weight_decay of group " + g + " must be finite and >= 0, got " + wd);
            }
            for (Map.Entry<String, float[]> e : group.params().entrySet()) {
                if (e.getValue() == null) throw new IllegalArgumentException("parameter '" + e.getKey() + "' is null");
                Integer before = seen.putIfAbsent(e.getKey(), g);
                if (before != null) {
                    throw new IllegalArgumentException("parameter '" + e.getKey() + "' is in groups " + before + " and " + g);
                }
            }
        }
        return new ParameterGroups(List.copyOf(groups));
    }

    /** A predicate true for names ending in any of {@code suffixes} (plain string suffixes). */
    public static Predicate<String> endsWithAny(String... suffixes) {
        List<String> list = List.of(suffixes);
        return name -> {
            for (String s : list) if (name.endsWith(s)) return true;
            return false;
        };
    }

    public List<Group> groups() {
        return groups;
    }
}
