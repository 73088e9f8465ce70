package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import falconh1r.model.FalconH1Config;
import falconh1r.model.FalconH1Parameters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ParameterGroups}: the default split on every tensor name a Falcon-H1 model can have, custom predicates, bad groups. */
class ParameterGroupsTest {

    /** A tiny Falcon-H1 with every optional tensor: all biases, the gated norm, untied lm_head. */
    static FalconH1Parameters model() {
        FalconH1Config c = FalconH1Config.parse("""
                {"vocab_size": 40, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 6, "mamba_d_ssm": 20,
                 "mamba_n_heads": 5, "mamba_d_state": 3, "mamba_d_conv": 4, "mamba_rms_norm": true,
                 "attention_bias": true, "mlp_bias": true, "mamba_proj_bias": true, "projectors_bias": true,
                 "mamba_conv_bias": true, "tie_word_embeddings": false}
                """, "all-tensors");
        return FalconH1Parameters.init(c, 1);
    }

    @Test
    void defaultDecaysExactlyTheMatricesAndConvWeights() {
        FalconH1Parameters model = model();
        ParameterGroups groups = ParameterGroups.of(model, 0.1);
        List<String> decayed = new ArrayList<>(), plain = new ArrayList<>();
        for (String name : model.names()) {
            // what gets decay, spelled out per tensor kind rather than by suffix
            boolean matrix = model.shape(name).length >= 2;
            (matrix ? decayed : plain).add(name);
        }
        assertEquals(decayed, List.copyOf(groups.groups().get(0).params().keySet()));
        assertEquals(plain, List.copyOf(groups.groups().get(1).params().keySet()));
        assertEquals(0.1, groups.groups().get(0).weightDecay());
        assertEquals(0.0, groups.groups().get(1).weightDecay());
        assertTrue(plain.contains("model.layers.1.mamba.D") && plain.contains("model.layers.1.mamba.norm.weight")
                && plain.contains("model.final_layernorm.weight") && plain.contains("model.layers.0.mamba.conv1d.bias"), plain.toString());
        assertTrue(decayed.contains("model.embed_tokens.weight") && decayed.contains("lm_head.weight")
                && decayed.contains("model.layers.0.mamba.conv1d.weight"), decayed.toString());
        String any = decayed.getFirst();
        assertSame(model.get(any), groups.groups().get(0).params().get(any), "live arrays, not copies");
    }

    @Test
    void customPredicateAndEmptyGroupsDropped() {
        Map<String, float[]> params = new LinkedHashMap<>();
        params.put("a.weight", new float[2]);
        params.put("b.scale", new float[2]);
        ParameterGroups groups = ParameterGroups.of(params, 0.01, ParameterGroups.endsWithAny(".scale"));
        assertEquals(List.of("a.weight"), List.copyOf(groups.groups().get(0).params().keySet()));
        assertEquals(List.of("b.scale"), List.copyOf(groups.groups().get(1).params().keySet()));
        assertEquals(1, ParameterGroups.of(params, 0.01, name -> true).groups().size());
    }

    @Test
    void badGroupsAreRefused() {
        Map<String, float[]> a = Map.of("x", new float[1]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ParameterGroups.of(List.of(new ParameterGroups.Group(0.1, a), new ParameterGroups.Group(0, a))));
        assertTrue(e.getMessage().contains("'x' is in groups 0 and 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ParameterGroups.of(a, -0.1));
        assertTrue(e.getMessage().startsWith("weight_decay"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ParameterGroups.of(List.of(new ParameterGroups.Group(Double.NaN, a))));
        assertTrue(e.getMessage().startsWith("weight_decay of group 0"), e.getMessage());
    }
}
