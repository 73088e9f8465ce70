package falconh1r.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The heap-based merge loop of {@link Bpe} against its slow, obvious twin: repeatedly merge the
 * neighbouring pair with the lowest rank, leftmost first, on a list of strings. Words are random
 * byte-level spellings of corpus slices and random byte strings up to 1,500 symbols long, over
 * the falcon_like and bytelevel_plain vocabularies.
 */
class BpeTwinTest {
    record Model(Bpe bpe, Map<String, Integer> ranks, Map<String, Integer> vocab) {}

    static Model model(String name) {
        JsonNode root = TokenizerFixtures.json(name + ".tokenizer.json");
        Bpe bpe = Bpe.parse(new JsonField(root.get("model"), "model", name));
        Map<String, Integer> ranks = new HashMap<>();
        JsonNode merges = root.get("model").get("merges");
        for (int r = 0; r < merges.size(); r++) {
            JsonNode m = merges.get(r);
            String[] pair = m.isArray() ? new String[] {m.get(0).textValue(), m.get(1).textValue()} : m.textValue().split(" ");
            ranks.put(pair[0] + "\u0000" + pair[1], r);
        }
        Map<String, Integer> vocab = new HashMap<>();
        root.get("model").get("vocab").properties().forEach(e -> vocab.put(e.getKey(), e.getValue().intValue()));
        return new Model(bpe, ranks, vocab);
    }

    /** The twin: symbols as strings, the lowest-ranked neighbouring pair merged until none has a merge. */
    static int[] naive(Model m, String word) {
        List<String> symbols = new ArrayList<>();
        word.codePoints().forEach(cp -> symbols.add(Character.toString(cp)));
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer r = m.ranks().get(symbols.get(i) + "\u0000" + symbols.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) break;
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        return symbols.stream().mapToInt(s -> m.vocab().get(s)).toArray();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void heapMergesEqualTheNaiveLoop(long seed) {
        Random rnd = new Random(seed);
        List<String> corpus = TokenizerFixtures.corpus();
        for (String name : List.of("falcon_like", "bytelevel_plain")) {
            Model m = model(name);
            for (int k = 0; k < 300; k++) {
                String word;
                if (k % 10 == 9) {
                    byte[] bytes = new byte[1 + rnd.nextInt(1500)];
                    for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (k % 20 == 9 ? 'a' + rnd.nextInt(3) : rnd.nextInt(256));
                    StringBuilder b = new StringBuilder();
                    for (byte x : bytes) b.append(ByteLevelTable.charOf(x));
                    word = b.toString();
                } else {
                    String s = corpus.get(rnd.nextInt(corpus.size()));
                    int from = rnd.nextInt(s.length() + 1);
                    int to = Math.min(s.length(), from + 1 + rnd.nextInt(40));
                    word = ByteLevelTable.encode(CodePoints.replaceUnpairedSurrogates(s.substring(from, to)));
                }
                if (word.isEmpty()) continue;
                assertArrayEquals(naive(m, word), m.bpe().mergeWord(word), name + " seed " + seed + " word " + TokenizerFixtures.show(word));
            }
        }
    }
}
