package falconh1r.model;

import falconh1r.io.CheckpointFolder;
import falconh1r.io.CheckpointWriter;
import falconh1r.io.DType;
import falconh1r.io.SafetensorsException;
import falconh1r.io.SafetensorsWriter;
import falconh1r.kernels.Half;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The weights of a {@code FalconH1ForCausalLM}, one array per tensor under its HF name and
 * row-major shape ({@link ParameterShapes}). Loaded from and saved to Hugging Face checkpoint
 * folders ({@code config.json} + {@code model.safetensors} or a sharded index), or initialised
 * from a seed with transformers' rules. With {@code tie_word_embeddings} there is no
 * {@code lm_head.weight}; {@link #lmHead()} is then the embedding.
 *
 * <p>Storage is f32, or {@code packed} (bf16 or fp16) for inference: then every 2-D tensor (the
 * projections, the embedding and the LM head, nearly all the bytes) is held as 16-bit bits
 * ({@link #weight}), while norms, biases, the conv kernel, A_log, D and dt_bias stay f32.
 * Training needs f32 storage: {@link #get} refuses a packed tensor.
 */
public final class FalconH1Parameters {
    public static final String CONFIG_FILE = "config.json";

    private final FalconH1Config config;
    private final Map<String, int[]> shapes;
    private final Half.Format packing;                 // null: every tensor f32
    private final Map<String, float[]> values;         // the f32 tensors
    private final Map<String, Weight> weights = new HashMap<>();    // every 2-D tensor

    private FalconH1Parameters(FalconH1Config config, Half.Format packing, Map<String, float[]> values,
                               Map<String, short[]> packed) {
        this.config = config;
        this.shapes = ParameterShapes.of(config);
        this.packing = packing;
        this.values = values;
        shapes.forEach((name, shape) -> {
            if (shape.length != 2) return;
            weights.put(name, packed.containsKey(name) ? new Weight(null, packed.get(name), packing) : Weight.of(values.get(name)));
        });
    }

    /** Whether {@code name}, of that shape, is held packed under a 16-bit storage: every 2-D tensor. */
    private static boolean packs(Half.Format packing, int[] shape) {
        return packing != null && shape.length == 2;
    }

    public FalconH1Config config() {
        return config;
    }

    /** Tensor names in state-dict order. */
    public Set<String> names() {
        return shapes.keySet();
    }

    /** The 16-bit format 2-D tensors are held in, or null for f32 storage. */
    public Half.Format packing() {
        return packing;
    }

    /**
     * The f32 tensor's values, row-major; the live array (writes change the model). A tensor held
     * packed is refused: train and edit with f32 storage.
     */
    public float[] get(String name) {
        float[] v = values.get(name);
        if (v == null) {
            if (!shapes.containsKey(name)) throw new IllegalArgumentException("no tensor '" + name + "' in this model");
            throw new IllegalStateException("tensor '" + name + "' is held as " + packing
                    + "; load the model with f32 storage to read or change it as f32");
        }
        return v;
    }

    /** The f32 tensor's values, or null when this model has no such tensor (a bias the config turns off). */
    public float[] getOrNull(String name) {
        return shapes.containsKey(name) ? get(name) : null;
    }

    /** A 2-D tensor as a matmul weight, f32 or packed. */
    public Weight weight(String name) {
        Weight w = weights.get(name);
        if (w == null) throw new IllegalArgumentException("no 2-D tensor '" + name + "' in this model");
        return w;
    }

    /** Bytes of every stored tensor (4 per f32 element, 2 per packed one). */
    public long bytes() {
        long sum = 0;
        for (float[] v : values.values()) sum += 4L * v.length;
        for (Weight w : weights.values()) if (w.f32() == null) sum += w.bytes();
        return sum;
    }

    /** A copy of the tensor's shape. */
    public int[] shape(String name) {
        int[] s = shapes.get(name);
        if (s == null) throw new IllegalArgumentException("no tensor '" + name + "' in this model");
        return s.clone();
    }

    /** {@code lm_head.weight} [vocab, hidden], or the embedding when tied. */
    public Weight lmHead() {
        return weight(config.tieWordEmbeddings() ? ParameterShapes.EMBED : ParameterShapes.LM_HEAD);
    }

    /**
     * Loads {@code dir/config.json} and the weights of {@code dir} (F32, or BF16/F16 widened
     * exactly). Every tensor of {@link ParameterShapes} must be there with its shape, and no other:
     * a {@link SafetensorsException} names the missing, unexpected or misshapen tensor with the
     * expected and found shapes. Config errors are {@link ConfigException}s.
     */
    public static FalconH1Parameters load(Path dir) {
        return load(dir, null);
    }

    /**
     * {@link #load(Path)} with 2-D tensors held packed in {@code packing} (null: f32). A tensor
     * stored in that format keeps its bits; others are narrowed as torch's {@code .to(dtype)}.
     */
    public static FalconH1Parameters load(Path dir, Half.Format packing) {
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
            Map<String, short[]> packed = new HashMap<>();
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
                if (!packs(packing, e.getValue())) {
                    values.put(name, folder.floats(name));
                } else if (folder.info(name).dtype() == (packing == Half.Format.BF16 ? DType.BF16 : DType.F16)) {
                    packed.put(name, folder.halfBits(name));
                } else {
                    float[] f = folder.floats(name);
                    short[] bits = new short[f.length];
                    for (int i = 0; i < f.length; i++) bits[i] = Half.fromFloat(f[i], packing);
                    packed.put(name, bits);
                }
            }
            return new FalconH1Parameters(config, packing, values, packed);
        }
    }

    /**
     * Writes {@code dir/model.safetensors} (F32, packed tensors in their 16-bit dtype; metadata
     * {@code {"format": "pt"}}, as {@code save_pretrained} does) and then {@code dir/config.json},
     * each replaced atomically; the folder is created if missing.
     */
    public void save(Path dir) {
        SafetensorsWriter w = new SafetensorsWriter().metadata(Map.of("format", "pt"));
        shapes.forEach((name, shape) -> {
            long[] dims = Arrays.stream(shape).asLongStream().toArray();
            Weight packed = weights.get(name);
            if (packed != null && packed.f32() == null) {
                w.addHalfBits(name, packing == Half.Format.BF16 ? DType.BF16 : DType.F16, dims, packed.packed());
            } else {
                w.add(name, DType.F32, dims, values.get(name));
            }
        });
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

    /** Every tensor of {@code config} in f32, all zeros: an accumulator for gradients. */
    public static FalconH1Parameters zeros(FalconH1Config config) {
        Map<String, float[]> values = new LinkedHashMap<>();
        ParameterShapes.of(config).forEach((name, shape) ->
                values.put(name, new float[Arrays.stream(shape).reduce(1, Math::multiplyExact)]));
        return new FalconH1Parameters(config, null, values, Map.of());
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
        return init(config, seed, null);
    }

    /**
     * {@link #init(FalconH1Config, long)} with 2-D tensors narrowed to {@code packing} (null: f32)
     * one by one as they are drawn, so no f32 copy of the whole model ever exists.
     */
    public static FalconH1Parameters init(FalconH1Config config, long seed, Half.Format packing) {
        double std = config.initializerRange() == 0 ? 0.02 : config.initializerRange();
        SplittableRandom root = new SplittableRandom(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, short[]> packed = new HashMap<>();
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
            if (packs(packing, shape)) {
                short[] bits = new short[v.length];
                for (int i = 0; i < v.length; i++) bits[i] = Half.fromFloat(v[i], packing);
                packed.put(name, bits);
            } else {
                values.put(name, v);
            }
        });
        return new FalconH1Parameters(config, packing, values, packed);
    }
}
