package falconh1r.sft;

import falconh1r.io.JsonlReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The streaming SFT dataset with weighted mixture support (pipeline.md §1.6): samples drawn from
 * several JSONL files, each read front to back and started again at its end, so memory holds the
 * shuffle buffer and not the files. Every draw:
 * <ol>
 *   <li>picks file f with probability {@code w_f·N_f / Σ w·N} (N_f its lines, w_f its mixture
 *       weight): over an epoch of {@code Σ w·N} draws each file is read w_f times in expectation,
 *       and every batch follows those proportions; w = 1 everywhere is plain concatenation;
 *   <li>reads f's next line: a bad one is reported to {@link BadLines} (in the first pass over the
 *       file only) and the next is read;
 *   <li>encodes it ({@link SampleEncoder}); a sample left with no target after truncation is dropped;
 *   <li>weighs it ({@link DifficultyWeights}): under {@code SAMPLING} it enters the buffer
 *       {@link DifficultyWeights#copies} times (0: dropped); under {@code LOSS} once with the weight
 *       as its loss weight (0: dropped); under {@code NONE} once, weight 1.
 * </ol>
 * The buffer is filled to {@code bufferSize} samples and {@link #next} takes a uniformly random one
 * out (the shuffle buffer of {@code datasets}' {@code IterableDataset.shuffle}), which also spreads
 * the copies of an up-weighted sample apart.
 *
 * <p>{@link #state} captures everything the next draws depend on: the generator's state, each
 * file's reading position and pass, and the buffer as references to its lines (file, byte offset,
 * line number) that {@link #restore} reads and encodes again; the same files give the same samples.
 */
public final class SampleStream implements AutoCloseable {

    /** A data file and its mixture weight. */
    public record Source(Path file, double weight) {
        public Source {
            if (!(weight >= 0) || Double.isInfinite(weight)) throw new IllegalArgumentException("weight of " + file + " must be finite and >= 0, got " + weight);
        }

        /** {@code FILE} (weight 1) or {@code FILE:WEIGHT}. */
        public static Source parse(String spec) {
            int colon = spec.lastIndexOf(':');
            if (colon > 0) {
                try {
                    return new Source(Path.of(spec.substring(0, colon)), Double.parseDouble(spec.substring(colon + 1)));
                } catch (NumberFormatException e) {
                    // a colon that belongs to the path
                }
            }
            return new Source(Path.of(spec), 1);
        }
    }

    /** Where a sample came from: the source index, the byte offset and number of its line. */
    public record Ref(int source, long offset, long line) {}

    /** One training sample: ids [L], targets [L] (see {@link SampleEncoder.Encoded}), loss weight, origin. */
    public record Sample(int[] ids, boolean[] targets, float weight, Ref ref) {}

    /** A file's reading position: the next line's offset and number, completed passes, and its line count. */
    public record SourceState(long offset, long line, long pass, long lines) {}

    /** Everything the stream's future depends on (see the class comment). */
    public record State(long rng, List<SourceState> sources, List<Ref> buffer, long draws, long dropped, long badLines) {}

    private final List<Source> sources;
    private final SampleEncoder encoder;
    private final DifficultyWeights weights;
    private final BadLines bad;
    private final int bufferSize;
    private final SplitMix64 rng;
    private final Reader[] readers;
    private final double[] cumulative;          // cumulative w·N
    private final List<Sample> buffer = new ArrayList<>();
    private long draws, dropped;

    /** A fresh stream: every file from its start, the generator seeded with {@code seed}. */
    public SampleStream(List<Source> sources, SampleEncoder encoder, DifficultyWeights weights, BadLines bad, int bufferSize, long seed) {
        this(sources, encoder, weights, bad, bufferSize, seed, null);
    }

    /** The stream as it was when {@code state} was taken, over the same (unchanged) files. */
    public static SampleStream restore(List<Source> sources, SampleEncoder encoder, DifficultyWeights weights, BadLines bad,
                                       int bufferSize, State state) {
        return new SampleStream(sources, encoder, weights, bad, bufferSize, state.rng(), state);
    }

    private SampleStream(List<Source> sources, SampleEncoder encoder, DifficultyWeights weights, BadLines bad, int bufferSize,
                         long seed, State state) {
        if (sources.isEmpty()) throw new IllegalArgumentException("no data files");
        if (bufferSize < 1) throw new IllegalArgumentException("bufferSize must be at least 1, got " + bufferSize);
        this.sources = List.copyOf(sources);
        this.encoder = encoder;
        this.weights = weights;
        this.bad = bad;
        this.bufferSize = bufferSize;
        this.rng = new SplitMix64(seed);
        if (state != null && state.sources().size() != sources.size()) {
            throw new IllegalArgumentException("the saved stream read " + state.sources().size() + " files, now " + sources.size() + " are given");
        }
        readers = new Reader[sources.size()];
        cumulative = new double[sources.size()];
        double mass = 0;
        for (int f = 0; f < readers.length; f++) {
            Path file = sources.get(f).file();
            long lines = JsonlReader.countLines(file);
            SourceState s = state == null ? new SourceState(0, 1, 0, lines) : state.sources().get(f);
            if (s.lines() != lines) {
                throw new IllegalArgumentException(file + " has " + lines + " lines; the saved stream read it with " + s.lines() + " (the file changed)");
            }
            readers[f] = new Reader(file, s);
            mass += sources.get(f).weight() * lines;
            cumulative[f] = mass;
        }
        if (!(mass > 0)) throw new IllegalArgumentException("the data files have no lines with a weight above 0");
        if (state != null) {
            draws = state.draws();
            dropped = state.dropped();
            for (Ref ref : state.buffer()) buffer.add(reread(ref));
        }
    }

    /** Lines drawn over all files, weighted: one epoch is this many draws. */
    public double epochDraws() {
        return cumulative[cumulative.length - 1];
    }

    /** The next sample. */
    public Sample next() {
        while (buffer.size() < bufferSize) draw();
        int i = rng.nextInt(buffer.size());
        Sample s = buffer.get(i);
        buffer.set(i, buffer.getLast());
        buffer.removeLast();
        return s;
    }

    /** Draws one line and adds its copies (maybe none) to the buffer. */
    private void draw() {
        double u = rng.nextDouble() * epochDraws();
        int f = 0;
        while (f < cumulative.length - 1 && u >= cumulative[f]) f++;
        draws++;
        Reader reader = readers[f];
        while (true) {
            JsonlReader.Line line = reader.next();
            Conversation c;
            try {
                c = ConversationParser.parse(line.bytes());
            } catch (ConversationParser.BadSample e) {
                if (reader.pass == 0) bad.report(line, e.getMessage());
                continue;
            }
            SampleEncoder.Encoded e = encoder.encode(c);
            double w = weights.weight(c, e.trainedTokens());
            int copies = switch (weights.mode()) {
                case SAMPLING -> DifficultyWeights.copies(w, rng.nextDouble());
                case LOSS -> w > 0 ? 1 : 0;
                case NONE -> 1;
            };
            if (e.targetCount() == 0) copies = 0;
            if (copies == 0) {
                dropped++;
            } else {
                reader.acceptedThisPass++;
            }
            Ref ref = new Ref(f, line.offset(), line.number());
            float lossWeight = weights.mode() == DifficultyWeights.Mode.LOSS ? (float) w : 1f;
            for (int k = 0; k < copies; k++) buffer.add(new Sample(e.ids(), e.targets(), lossWeight, ref));
            return;
        }
    }

    /** A buffered sample again, from its line. */
    private Sample reread(Ref ref) {
        Path file = sources.get(ref.source()).file();
        JsonlReader.Line line = JsonlReader.readAt(file, ref.offset(), ref.line());
        try {
            if (line == null) throw new ConversationParser.BadSample("no line there");
            Conversation c = ConversationParser.parse(line.bytes());
            SampleEncoder.Encoded e = encoder.encode(c);
            float w = weights.mode() == DifficultyWeights.Mode.LOSS ? (float) weights.weight(c, e.trainedTokens()) : 1f;
            return new Sample(e.ids(), e.targets(), w, ref);
        } catch (ConversationParser.BadSample e) {
            throw new IllegalArgumentException(file + ":" + ref.line() + " (byte " + ref.offset() + "), saved in the stream's buffer, is no longer a sample: "
                    + e.getMessage() + " (the file changed)");
        }
    }

    /** The state to {@link #restore} from. */
    public State state() {
        List<SourceState> s = new ArrayList<>();
        for (Reader r : readers) s.add(r.state());
        List<Ref> refs = new ArrayList<>();
        for (Sample b : buffer) refs.add(b.ref());
        return new State(rng.state(), List.copyOf(s), List.copyOf(refs), draws, dropped, bad.count());
    }

    /** Lines drawn so far (each draw reads one good line; bad ones are passed over). */
    public long draws() {
        return draws;
    }

    /** Samples dropped so far: weight 0 (easy, dropped), or no target left after truncation. */
    public long dropped() {
        return dropped;
    }

    @Override
    public void close() {
        for (Reader r : readers) r.close();
    }

    /** One file read in passes; a pass that yields no usable sample stops the run. */
    private static final class Reader {
        final Path file;
        final long lines;
        JsonlReader reader;
        long pass;
        long acceptedThisPass;

        Reader(Path file, SourceState s) {
            this.file = file;
            this.lines = s.lines();
            this.pass = s.pass();
            this.acceptedThisPass = s.offset() > 0 ? 1 : 0;   // a pass in progress: not known to be empty
            this.reader = JsonlReader.open(file, s.offset(), s.line());
        }

        JsonlReader.Line next() {
            JsonlReader.Line line = reader.next();
            if (line != null) return line;
            if (acceptedThisPass == 0) {
                throw new IllegalArgumentException(file + " holds no usable sample (every line is bad, dropped by its weight, or has no target left)");
            }
            reader.close();
            reader = JsonlReader.open(file);
            pass++;
            acceptedThisPass = 0;
            line = reader.next();
            if (line == null) throw new IllegalArgumentException(file + " has no lines");
            return line;
        }

        SourceState state() {
            return new SourceState(reader.offset(), reader.lineNumber(), pass, lines);
        }

        void close() {
            reader.close();
        }
    }
}
