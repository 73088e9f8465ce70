package falconh1r.sft;

import falconh1r.model.FalconH1Parameters;
import falconh1r.train.AdamWState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * SFT checkpoints, one folder per saved step as transformers' Trainer lays them out:
 * <pre>
 * OUT/checkpoint-N/config.json, model.safetensors     the model in Hugging Face format (f32)
 *                  optimizer.safetensors              AdamW's moments and step ({@link AdamWState})
 *                  trainer_state.json                 step, data stream state, settings ({@link TrainerState})
 * </pre>
 * A checkpoint is written whole into {@code OUT/.checkpoint-N.tmp} and then renamed to
 * {@code checkpoint-N} in one step, so a folder named {@code checkpoint-N} is always complete.
 */
public final class Checkpoints {
    private Checkpoints() {}

    public static final String OPTIMIZER = "optimizer.safetensors";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");

    /** Writes {@code OUT/checkpoint-<step>} atomically (replacing one of that name) and returns it. */
    public static Path write(Path out, FalconH1Parameters params, AdamWState optimizer, TrainerState state) {
        Path target = out.resolve("checkpoint-" + state.step());
        Path temp = out.resolve(".checkpoint-" + state.step() + ".tmp");
        try {
            Files.createDirectories(out);
            deleteTree(temp);
            Files.createDirectories(temp);
            params.save(temp);
            optimizer.save(temp.resolve(OPTIMIZER));
            Files.writeString(temp.resolve(TrainerState.FILE), state.toJson());
            if (Files.exists(target)) {
                Path old = out.resolve(".checkpoint-" + state.step() + ".old");
                deleteTree(old);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target, e);
        }
    }

    /**
     * The checkpoint to resume from: {@code dir} itself when it holds a trainer_state.json, else its
     * {@code checkpoint-N} with the largest N; empty when there is none.
     */
    public static Optional<Path> find(Path dir) {
        if (Files.isRegularFile(dir.resolve(TrainerState.FILE))) return Optional.of(dir);
        if (!Files.isDirectory(dir)) return Optional.empty();
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve(TrainerState.FILE)))
                    .max(Comparator.comparingLong(Checkpoints::stepOf));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static long stepOf(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
