package falconh1r.infer;

import static falconh1r.infer.DeepConfFixtures.assertExact;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The online algorithm against deepconf's own {@code DeepThinkLLM.deepthink(mode="online")}, run by
 * fixtures/make_deepconf_fixtures.py on a fake LLM whose final-phase requests go through the real
 * {@code ConfPerReqLogitsProcessor}. The Java run replays the same synthetic streams through a
 * {@link TraceSource}: where each trace stops, its confidences, {@code conf_bar}, the relabelling,
 * the voting set and weights, every vote and the token accounting must all equal the reference's.
 */
class DeepConfOnlineFixtureTest {
    static final String B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    static Stream<String> cases() {
        JsonNode cases = DeepConfFixtures.read("online.json").get("cases");
        return IntStream.range(0, cases.size()).mapToObj(i -> cases.get(i).get("name").asText());
    }

    static JsonNode load(String name) {
        for (JsonNode c : DeepConfFixtures.read("online.json").get("cases")) {
            if (c.get("name").asText().equals(name)) return c;
        }
        throw new AssertionError("no case " + name);
    }

    /**
     * Replays the fixture's streams: per position a palette distribution (raw log-softmax over the
     * vocabulary) and the token the fake LLM sampled; EOS instead when the recorder demands it. A
     * stream ends where the reference's trace ended, so running past it means Java did not stop
     * where the processor did.
     */
    static final class Replay implements TraceSource {
        final double[][] palette;
        final int[][] order;
        final JsonNode traces;
        final int eos;
        long emitted;

        Replay(JsonNode c) {
            JsonNode rows = c.get("palette");
            palette = new double[rows.size()][];
            order = new int[rows.size()][];
            for (int p = 0; p < palette.length; p++) {
                double[] row = DeepConfFixtures.doubles(rows.get(p));
                palette[p] = row;
                order[p] = IntStream.range(0, row.length).boxed().sorted((a, b) -> Double.compare(row[b], row[a]))
                        .mapToInt(Integer::intValue).toArray();
            }
            traces = c.get("traces");
            eos = c.get("eos").asInt();
        }

        @Override
        public void generate(int first, List<TraceRecorder> recorders) {
            for (int i = 0; i < recorders.size(); i++) {
                TraceRecorder rec = recorders.get(i);
                JsonNode t = traces.get(first + i);
                String pids = t.get("pids").asText(), tokens = t.get("tokens").asText();
                boolean answered = false;
                for (int pos = 0; ; pos++) {
                    if (pos == pids.length()) fail("trace " + (first + i) + ": the reference stopped it after " + pos + " tokens, Java did not");
                    int p = B64.indexOf(pids.charAt(pos));
                    double[] top = new double[20];
                    for (int j = 0; j < 20; j++) top[j] = palette[p][order[p][j]];
                    boolean forced = rec.observe(top);
                    int token = forced ? eos : B64.indexOf(tokens.charAt(pos));
                    int rank = 0;
                    for (int j = 0; j < 20; j++) if (order[p][j] == token) rank = j + 1;
                    rec.emit(palette[p][token], rank);
                    emitted++;
                    if (forced || token == eos || pos == pids.length() - 1) {
                        answered = !forced && token == eos;
                        break;
                    }
                }
                rec.finish(Answers.extract(t.get(answered ? "text_finished" : "text_cut").asText()));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void onlineRunEqualsDeepthinkOnline(String name) {
        JsonNode c = load(name);
        DeepConfOnline.Settings settings = DeepConfOnline.Settings.of(c.get("budget").asInt(), c.get("warmup").asInt(),
                c.get("eta").asDouble(), c.get("window").asInt());
        Replay source = new Replay(c);
        DeepConfOnline.Result r = DeepConfOnline.run(source, settings);

        assertExact(name + " conf_bar", c.get("conf_bar").asDouble(), r.confBar());
        JsonNode traces = c.get("traces");
        assertEquals(traces.size(), r.traces().size(), name + ": traces");
        int forced = 0, relabelled = 0, short_ = 0, forcedKept = 0;
        for (int i = 0; i < traces.size(); i++) {
            JsonNode e = traces.get(i);
            DeepConfOnline.Scored s = r.traces().get(i);
            String what = name + " trace " + i;
            assertEquals(e.get("num_tokens").asInt(), s.trace().tokens(), what + " tokens");
            assertEquals(e.get("forced").asBoolean(), s.forcedEos(), what + " forced EOS");
            assertExact(what + " min_conf", e.get("min_conf").asDouble(), s.minConf());
            assertEquals(DeepConfFixtures.text(e.get("extracted_answer")), s.trace().answer(), what + " answer");
            boolean gconf = e.get("stop_reason").asText().equals("gconf_threshold");
            assertEquals(gconf, !s.warmup() && s.minConf() < r.confBar(), what + " relabelled gconf_threshold");
            forced += s.forcedEos() ? 1 : 0;
            relabelled += gconf ? 1 : 0;
            short_ += s.trace().tokens() < settings.window() ? 1 : 0;
            forcedKept += s.forcedEos() && !gconf ? 1 : 0;
        }
        List<String> answers = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        for (DeepConfOnline.Scored s : r.voting()) {
            answers.add(s.trace().answer());
            weights.add(s.minConf());
        }
        assertEquals(DeepConfFixtures.texts(c.get("voting_answers")), answers, name + ": voting answers");
        for (int i = 0; i < weights.size(); i++) {
            assertExact(name + " voting weight " + i, c.get("voting_weights").get(i).asDouble(), weights.get(i));
        }
        assertEquals(DeepConfFixtures.text(c.get("weighted_answer")), r.weightedAnswer(), name + ": min_conf-weighted answer");
        assertEquals(DeepConfFixtures.text(c.get("final_answer")), r.finalAnswer(), name + ": final answer");
        JsonNode results = c.get("voting_results");
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = results.fieldNames(); it.hasNext(); ) keys.add(it.next());
        assertEquals(keys, new ArrayList<>(r.votingResults().keySet()), name + ": variants");
        for (String k : keys) {
            DeepConfFixtures.assertVote(name + " " + k, results.get(k), r.votingResults().get(k), DeepConfFixtures.partitionOrder(k));
        }
        assertEquals(c.get("warmup_tokens").asLong(), r.warmupTokens(), name + ": warm-up tokens");
        assertEquals(c.get("final_tokens").asLong(), r.finalTokens(), name + ": final tokens");
        assertEquals(c.get("total_tokens").asLong(), r.totalTokens(), name + ": total tokens");
        assertEquals(source.emitted, r.totalTokens(), name + ": every emitted token accounted");
        assertEquals(c.get("total_traces_count").asInt(), r.traces().size(), name + ": traces");
        if (name.equals("low_16_exact_bar")) {
            // the 75th percentile of 5 warm-up minima is one of them: that trace votes (min_conf >= conf_bar)
            DeepConfOnline.Scored onBar = r.traces().stream().filter(s -> s.warmup() && s.minConf() == r.confBar()).findFirst().orElseThrow();
            assertTrue(onBar.votes() && r.voting().contains(onBar), name + ": the warm-up trace on the bar votes");
        }
        assertTrue(forced > 0 && relabelled > 0 && short_ > 0,
                name + ": " + forced + " forced stops, " + relabelled + " relabelled, " + short_ + " shorter than the window");
        System.out.printf("DeepConfOnlineFixtureTest %s: conf_bar %s, %d forced stops (%d of them not relabelled: rounded"
                + " min_conf >= conf_bar), %d relabelled, %d voters, %d tokens%n",
                name, r.confBar(), forced, forcedKept, relabelled, answers.size(), r.totalTokens());
    }
}
