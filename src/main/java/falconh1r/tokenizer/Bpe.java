package falconh1r.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of tokenizers ({@code models/bpe/model.rs}, {@code word.rs}): a word's characters
 * become symbols (with {@code continuing_subword_prefix} / {@code end_of_word_suffix} when set;
 * unknown ones as {@code <0xHH>} byte tokens with {@code byte_fallback}, else as the unknown token,
 * fused when {@code fuse_unk}), then the pair of neighbours with the lowest merge rank is merged,
 * leftmost first, until no neighbouring pair has a merge. With {@code ignore_merges}, a word that is
 * itself in the vocabulary is that one token. Results for words under 256 characters are cached.
 */
final class Bpe {
    private static final int CACHE_CAPACITY = 10_000;
    private static final int CACHE_MAX_LENGTH = 256;

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final PairMap merges;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    private final String prefix;
    private final String suffix;
    /** The id of each byte token {@code <0x00>..<0xFF>}, -1 where the vocabulary lacks it. */
    private final int[] byteIds;
    private final boolean byteFallback;
    /** Id of each one-character BMP token, -1 if none; used when there is no prefix or suffix to add. */
    private final int[] charIds;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    Bpe(Map<String, Integer> vocab, String[] idToToken, PairMap merges, String unkToken, boolean fuseUnk,
        boolean byteFallback, boolean ignoreMerges, String prefix, String suffix) {
        this.vocab = vocab;
        this.idToToken = idToToken;
        this.merges = merges;
        this.unkId = unkToken == null ? -1 : vocab.get(unkToken);
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.prefix = prefix;
        this.suffix = suffix;
        this.byteIds = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.format("<0x%02X>", b));
            byteIds[b] = id == null ? -1 : id;
        }
        this.charIds = new int[0x10000];
        Arrays.fill(charIds, -1);
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getKey().length() == 1) charIds[e.getKey().charAt(0)] = e.getValue();
        }
    }

    /** The model's vocabulary (token to id). */
    Map<String, Integer> vocab() {
        return vocab;
    }

    /** The token of an id, or null when the vocabulary has no such id. */
    String token(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    /** Appends the ids of one pre-tokenized word. */
    void tokenize(String word, IntList out) {
        if (word.isEmpty()) return;
        if (ignoreMerges) {
            Integer id = vocab.get(word);
            if (id != null) {
                out.add(id);
                return;
            }
        }
        int[] cached = cache.get(word);
        if (cached == null) {
            cached = mergeWord(word);
            if (word.length() < CACHE_MAX_LENGTH && cache.size() < CACHE_CAPACITY) cache.putIfAbsent(word, cached);
        }
        out.addAll(cached);
    }

    /** {@code BPE::merge_word}: the symbols of the word, then {@code Word::merge_all}. */
    int[] mergeWord(String word) {
        IntList symbols = new IntList(word.length());
        int pendingUnk = -1;
        boolean affixes = prefix != null || suffix != null;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int next = i + Character.charCount(cp);
            int id;
            String s = null;
            if (!affixes && cp < 0x10000) {
                id = charIds[cp];
            } else {
                s = word.substring(i, next);
                if (prefix != null && i > 0) s = prefix + s;
                if (suffix != null && next == word.length()) s = s + suffix;
                Integer boxed = vocab.get(s);
                id = boxed == null ? -1 : boxed;
            }
            i = next;
            if (id >= 0) {
                if (pendingUnk >= 0) {
                    symbols.add(unkId);
                    pendingUnk = -1;
                }
                symbols.add(id);
                continue;
            }
            if (byteFallback && addBytes(s != null ? s : Character.toString(cp), symbols)) continue;
            if (unkId >= 0) {
                if (pendingUnk >= 0 && !fuseUnk) symbols.add(unkId);
                pendingUnk = unkId;
            }
        }
        if (pendingUnk >= 0) symbols.add(unkId);
        return mergeAll(symbols.toArray());
    }

    /** The {@code <0xHH>} tokens of the symbol's UTF-8 bytes, when the vocabulary has all of them. */
    private boolean addBytes(String symbol, IntList symbols) {
        byte[] utf8 = symbol.getBytes(StandardCharsets.UTF_8);
        for (byte b : utf8) {
            if (byteIds[b & 0xFF] < 0) return false;
        }
        for (byte b : utf8) symbols.add(byteIds[b & 0xFF]);
        return true;
    }

    /** {@code Word::merge_all} without dropout: symbols in a linked list, merges from a priority queue. */
    private int[] mergeAll(int[] c) {
        int n = c.length;
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] removed = new boolean[n];
        MergeQueue queue = new MergeQueue();
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            if (i + 1 < n) {
                long m = merges.get(c[i], c[i + 1]);
                if (m >= 0) queue.push((int) (m >>> 32), i, (int) m);
            }
        }
        while (!queue.isEmpty()) {
            int pos = queue.topPos();
            int mergedId = queue.topId();
            queue.pop();
            if (removed[pos] || next[pos] == -1) continue;
            int right = next[pos];
            long current = merges.get(c[pos], c[right]);
            if (current < 0 || (int) current != mergedId) continue;
            c[pos] = mergedId;
            removed[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) prev[next[right]] = pos;
            if (prev[pos] >= 0) {
                long m = merges.get(c[prev[pos]], c[pos]);
                if (m >= 0) queue.push((int) (m >>> 32), prev[pos], (int) m);
            }
            if (next[pos] >= 0) {
                long m = merges.get(c[pos], c[next[pos]]);
                if (m >= 0) queue.push((int) (m >>> 32), pos, (int) m);
            }
        }
        IntList out = new IntList(n);
        for (int i = 0; i < n; i++) {
            if (!removed[i]) out.add(c[i]);
        }
        return out.toArray();
    }

    /**
     * Reads the {@code model} object: {@code vocab}, {@code merges} (pairs or legacy {@code "a b"}
     * strings), {@code unk_token}, {@code fuse_unk}, {@code byte_fallback}, {@code ignore_merges},
     * {@code continuing_subword_prefix}, {@code end_of_word_suffix}; {@code dropout} must be null or 0.
     */
    static Bpe parse(JsonField model) {
        JsonField type = model.optional("type");
        if (type != null && !type.string().equals("BPE")) {
            throw type.error("unsupported model \"" + type.string() + "\" (only BPE)");
        }
        JsonField dropout = model.optional("dropout");
        if (dropout != null && dropout.number() != 0) {
            throw dropout.error("BPE dropout is not supported (it samples merges at random); expected null or 0");
        }
        Map<String, Integer> vocab = new HashMap<>();
        int maxId = -1;
        for (Map.Entry<String, JsonField> e : model.get("vocab").entries()) {
            int id = e.getValue().index();
            vocab.put(e.getKey(), id);
            maxId = Math.max(maxId, id);
        }
        String[] idToToken = new String[maxId + 1];
        for (Map.Entry<String, JsonField> e : model.get("vocab").entries()) {
            int id = e.getValue().index();
            if (idToToken[id] != null) {
                throw e.getValue().error("id " + id + " is also the id of \"" + idToToken[id] + "\"");
            }
            idToToken[id] = e.getKey();
        }
        String prefix = model.string("continuing_subword_prefix", null);
        String suffix = model.string("end_of_word_suffix", null);
        List<JsonField> mergeList = model.elements("merges");
        PairMap merges = new PairMap(mergeList.size());
        for (int rank = 0; rank < mergeList.size(); rank++) {
            JsonField m = mergeList.get(rank);
            String[] pair = mergePair(m);
            int left = inVocab(vocab, pair[0], m);
            int right = inVocab(vocab, pair[1], m);
            if (prefix != null && !pair[1].startsWith(prefix)) {
                throw m.error("\"" + pair[1] + "\" does not start with the continuing_subword_prefix \"" + prefix + "\"");
            }
            int merged = inVocab(vocab, pair[0] + pair[1].substring(prefix == null ? 0 : prefix.length()), m);
            merges.put(left, right, rank, merged);
        }
        String unk = model.string("unk_token", null);
        if (unk != null && !vocab.containsKey(unk)) {
            throw model.get("unk_token").error("\"" + unk + "\" is not in model.vocab");
        }
        return new Bpe(vocab, idToToken, merges, unk, model.bool("fuse_unk", false), model.bool("byte_fallback", false),
                model.bool("ignore_merges", false), prefix, suffix);
    }

    /** One merge: {@code ["a", "b"]} or {@code "a b"} (exactly one space). */
    private static String[] mergePair(JsonField m) {
        if (m.isArray()) {
            List<JsonField> parts = m.elements();
            if (parts.size() != 2) throw m.error("expected two tokens, got " + parts.size());
            return new String[] {parts.get(0).string(), parts.get(1).string()};
        }
        String s = m.string();
        String[] parts = s.split(" ", -1);
        if (parts.length != 2) throw m.error("expected \"left right\" with one space, got \"" + s + "\"");
        return parts;
    }

    private static int inVocab(Map<String, Integer> vocab, String token, JsonField where) {
        Integer id = vocab.get(token);
        if (id == null) throw where.error("\"" + token + "\" is not in model.vocab");
        return id;
    }
}
