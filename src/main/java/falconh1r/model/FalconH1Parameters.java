package falconh1r.model;

import falconh1r.io.CheckpointFolder;
import falconh1r.io.CheckpointWriter;
import falconh1r.io.DType;
import falconh1r.io.SafetensorsException;
import falconh1r.io.SafetensorsWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The weights of a {@code FalconH1ForCausalLM} in f32, one array per tensor under its HF name and
 * row-major shape ({@link ParameterShapes}). Loaded from and saved to Hugging Face checkpoint
 * folders ({@code config.json} + {@code model.safetensors} or a sharded index), or initialised
 * from a seed with transformers' rules. With {@code tie_word_embeddings} there is no
 * {@code lm_head.weight}; {@link #lmHead()} is then the embedding.
 */
public final class FalconH1Parameters {
    public static final String CONFIG_FILE = "config.json";

    private final FalconH1Config config;
    private final Map<String, int[]> shapes;
    private final Map<String, float[]> values;

    private FalconH1Parameters(FalconH1Config config, Map<String, float[]> values) {
        this.config = config;
        this.shapes = ParameterShapes.of(config);
        this.values = values;
    }

    public FalconH1Config config() {
        return config;
    }

    /** Tensor names in state-dict order. */
    public Set<String> names() {
        return shapes.keySet();
    }

    /** The tensor's values, row-major; the live array (writes change the model). */
    public float[] get(String name) {
        float[] v = values.get(name);
        if (v == null) throw new IllegalArgumentException("no tensor '" + name + "' in this model");
        return v;
    }

    /** The tensor's values, or null when this model has no such tensor (a bias the config turns off). */
    public float[] getOrNull(String name) {
        return values.get(name);
    }

    /** A copy of the tensor's shape. */
    public int[] shape(String name) {
        int[] s = shapes.get(name);
        if (s == null) throw new IllegalArgumentException("no tensor '" + name + "' in this model");
        return s.clone();
    }

    /** {@code lm_head.weight} [vocab, hidden], or the embedding when tied. */
    public float[] lmHead() {
        return get(config.tieWordEmbeddings() ? ParameterShapes.EMBED : ParameterShapes.LM_HEAD);
    }

    /**
     * Loads {@code dir/config.json} and the weights of {@code dir} (F32, or BF16/F16 widened
     * exactly). Every tensor of {@link ParameterShapes} must be there with its shape, and no other:
     * a {@link SafetensorsException} names the missing, unexpected or misshapen tensor with the
     * expected and found shapes. Config errors are {@link ConfigException}s.
     */
    public static FalconH1Parameters load(Path dir) {
        FalconH1Config config = FalconH1Config.read(dir.resolve(CONFIG_FILE));
        Map<String, int[]> expected = ParameterShapes.of(config);
        try (CheckpointFolder folder = CheckpointFolder.open(dir)) {
            for (String name : folder.names()) {
                if (!expected.containsKey(name)) {
                    throw new SafetensorsException(folder.fileOf(name), "unexpected tensor '" + name + "' "
                            + Arrays.toString(folder.shape(name)) + (name.equals(ParameterShapes.LM_HEAD)
                            ? " (tie_word_embeddings is true)" : "") + " for this config");
                }
            }
            Map<String, float[]> values = new LinkedHashMap<>();
            for (Map.Entry<String, int[]> e : expected.entrySet()) {
                String name = e.getKey();
                long[] want = Arrays.stream(e.getValue()).asLongStream().toArray();
                if (!folder.contains(name)) {
                    throw new SafetensorsException(folder.source(), "missing tensor '" + name + "' (expected "
                            + Arrays.toString(want) + ")");
                }
                long[] found = folder.shape(name);
                if (!Arrays.equals(found, want)) {
                    throw new SafetensorsException(folder.fileOf(name), "tensor '" + name + "' has shape "
                            + Arrays.toString(found) + ", expected " + Arrays.toString(want));
                }
                values.put(name, folder.floats(name));
            }
            return new FalconH1Parameters(config, values);
        }
    }

    /**
     * Writes {@code dir/model.safetensors} (F32, metadata {@code {"format": "pt"}}, as
     * {@code save_pretrained} does) and then {@code dir/config.json}, each replaced atomically;
     * the folder is created if missing.
     */
    public void save(Path dir) {
        SafetensorsWriter w = new SafetensorsWriter().metadata(Map.of("format", "pt"));
        shapes.forEach((name, shape) -> w.add(name, DType.F32, Arrays.stream(shape).asLongStream().toArray(), values.get(name)));
        CheckpointWriter.write(dir, w, Long.MAX_VALUE);
        Path target = dir.resolve(CONFIG_FILE);
        Path tmp = dir.resolve("." + CONFIG_FILE + ".tmp");
        try {
            Files.writeString(tmp, config.toJson());
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the rename failed and so did the clean-up; the error above says why
            }
        }
    }

    /**
     * Random weights by transformers 5.24's rules ({@code PreTrainedModel._init_weights}, then
     * {@code FalconH1PreTrainedModel._init_weights}): every {@code nn.Linear} and the
     * {@code nn.Conv1d} weight ~ N(0, std), their biases 0; the embedding ~ N(0, std) with row
     * {@code pad_token_id} zeroed; every RMSNorm weight (including the gated {@code mamba.norm}) 1;
     * {@code dt_bias} 1, {@code A_log} = log(1..H), {@code D} 1. {@code std} is
     * {@code initializer_range or 0.02} (so 0 means 0.02). Each tensor draws from its own
     * {@link SplittableRandom} split off {@code seed} in state-dict order: the same seed gives the
     * same weights, but not torch's values, only the same distributions.
     */
    public static FalconH1Parameters init(FalconH1Config config, long seed) {
        double std = config.initializerRange() == 0 ? 0.02 : config.initializerRange();
        SplittableRandom root = new SplittableRandom(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        ParameterShapes.of(config).forEach((name, shape) -> {
            float[] v = new float[Arrays.stream(shape).reduce(1, Math::multiplyExact)];
            SplittableRandom random = root.split();
            if (name.endsWith("layernorm.weight") || name.endsWith("mamba.norm.weight")
                    || name.endsWith("mamba.dt_bias") || name.endsWith("mamba.D")) {
                Arrays.fill(v, 1f);
            } else if (name.endsWith("mamba.A_log")) {
                for (int h = 0; h < v.length; h++) v[h] = (float) Math.log(h + 1);
            } else if (!name.endsWith(".bias")) {
                for (int i = 0; i < v.length; i++) v[i] = (float) (std * random.nextGaussian());
                if (name.equals(ParameterShapes.EMBED) && config.padTokenId() != null) {
                    Arrays.fill(v, config.padTokenId() * shape[1], (config.padTokenId() + 1) * shape[1], 0f);
                }
            }
            values.put(name, v);
        });
        return new FalconH1Parameters(config, values);
    }
}
