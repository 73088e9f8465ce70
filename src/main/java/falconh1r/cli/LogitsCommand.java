package falconh1r.cli;

import falconh1r.io.DType;
import falconh1r.io.SafetensorsWriter;
import falconh1r.kernels.Backend;
import falconh1r.kernels.Backends;
import falconh1r.model.FalconH1;
import falconh1r.model.FalconH1Parameters;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code falcon-h1r logits}: the full forward's logits for one or more id sequences. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = {"Full-forward logits of token-id sequences, to a safetensors file.",
            "Runs each --ids sequence through the model (separately, positions 0..L-1) and writes",
            "FILE.safetensors with 'logits' F32 [B, Lmax, V] (right-padded with zeros) and 'lengths' I64 [B].",
            "Prints the top-5 next tokens (id=logit) after each sequence's last position."})
final class LogitsCommand implements Callable<Integer> {
    static final int TOP = 5;

    @Spec
    CommandSpec spec;
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "checkpoint folder (config.json + safetensors)")
    Path model;
    @Option(names = "--ids", required = true, paramLabel = "\"ID ID ...\"",
            description = "token ids separated by spaces or commas; repeat for a batch")
    List<String> ids;
    @Mixin
    BackendOptions backend;
    @Mixin
    StorageOptions storage;
    @Option(names = "--out", required = true, paramLabel = "FILE.safetensors", description = "where to write the logits")
    Path out;

    @Override
    public Integer call() throws Exception {
        return UserError.run(spec.commandLine(), () -> {
            FalconH1Parameters params = FalconH1Parameters.load(model, storage.packing());
            int vocab = params.config().vocabSize();
            List<int[]> sequences = new ArrayList<>();
            for (int s = 0; s < ids.size(); s++) sequences.add(parseIds(ids.get(s), s, vocab));
            int batch = sequences.size(), maxLength = sequences.stream().mapToInt(a -> a.length).max().orElseThrow();
            float[] logits = new float[Math.multiplyExact(Math.multiplyExact(batch, maxLength), vocab)];
            long[] lengths = new long[batch];
            PrintWriter o = spec.commandLine().getOut();
            try (Backend b = backend.open()) {
                FalconH1 net = new FalconH1(params, b);
                for (int s = 0; s < batch; s++) {
                    int[] seq = sequences.get(s);
                    float[] row = net.forward(seq, null, 0).logits();
                    System.arraycopy(row, 0, logits, s * maxLength * vocab, row.length);
                    lengths[s] = seq.length;
                    o.println("sequence " + s + " (" + seq.length + " tokens), top-" + TOP + " next: "
                            + formatTop(row, (seq.length - 1) * vocab, vocab));
                }
            }
            Path parent = out.toAbsolutePath().getParent();
            try {
                if (parent != null) Files.createDirectories(parent);
            } catch (IOException e) {
                throw new UserError("cannot create " + parent + ": " + e.getMessage());
            }
            new SafetensorsWriter()
                    .add("logits", DType.F32, new long[] {batch, maxLength, vocab}, logits)
                    .addLongs("lengths", new long[] {batch}, lengths)
                    .write(out);
            o.printf("wrote %s: logits F32 [%d, %d, %d], lengths I64 [%d]%n", out, batch, maxLength, vocab, batch);
            o.flush();
            return 0;
        });
    }

    /** Parses sequence {@code s}: ids separated by whitespace or commas, each in [0, vocab). */
    static int[] parseIds(String text, int s, int vocab) {
        String trimmed = text.strip();
        if (trimmed.isEmpty()) throw new UserError("--ids sequence " + s + " is empty");
        String[] parts = trimmed.split("[\\s,]+");
        int[] result = new int[parts.length];
        for (int t = 0; t < parts.length; t++) {
            String where = "--ids sequence " + s + ", position " + t + ": ";
            try {
                result[t] = Integer.parseInt(parts[t]);
            } catch (NumberFormatException e) {
                throw new UserError(where + "'" + parts[t] + "' is not an integer token id");
            }
            if (result[t] < 0 || result[t] >= vocab) {
                throw new UserError(where + "token id " + result[t] + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        return result;
    }

    /** The top {@link #TOP} ids of {@code logits[from, from + vocab)}, highest first by {@link Float#compare} (ties: lower id first). */
    static int[] top(float[] logits, int from, int vocab) {
        int k = Math.min(TOP, vocab);
        int[] best = new int[k];
        int n = 0;
        for (int v = 0; v < vocab; v++) {
            float x = logits[from + v];
            if (n == k && Float.compare(x, logits[from + best[k - 1]]) <= 0) continue;
            int i = n < k ? n++ : k - 1;
            while (i > 0 && Float.compare(x, logits[from + best[i - 1]]) > 0) {
                best[i] = best[i - 1];
                i--;
            }
            best[i] = v;
        }
        return best;
    }

    static String formatTop(float[] logits, int from, int vocab) {
        StringBuilder sb = new StringBuilder();
        for (int id : top(logits, from, vocab)) {
            if (!sb.isEmpty()) sb.append("  ");
            sb.append(id).append('=').append(String.format(Locale.ROOT, "%.6f", logits[from + id]));
        }
        return sb.toString();
    }
}
