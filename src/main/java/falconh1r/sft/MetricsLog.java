package falconh1r.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code OUT/metrics.jsonl}: one {@link StepMetrics} line per optimizer step, appended and flushed
 * as each step ends. A resumed run first cuts the file back to the steps its checkpoint had done
 * (lines of later steps belong to the interrupted run and are redone), replacing it atomically.
 */
public final class MetricsLog implements AutoCloseable {
    public static final String FILE = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter out;

    /**
     * Opens {@code dir/metrics.jsonl} for appending after keeping only its lines with
     * {@code step <= keepThrough} (0: a fresh run, an empty file).
     */
    public MetricsLog(Path dir, long keepThrough) {
        this.file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            List<String> kept = new ArrayList<>();
            if (keepThrough > 0 && Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) continue;
                    JsonNode step = JSON.readTree(line).get("step");
                    if (step != null && step.asLong() <= keepThrough) kept.add(line);
                }
            }
            Path temp = dir.resolve("." + FILE + ".tmp");
            Files.write(temp, kept, StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file, e);
        }
    }

    public void append(StepMetrics m) {
        try {
            out.write(m.toJson());
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }
}
