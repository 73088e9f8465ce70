package falconh1r.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link LrSchedule} against transformers 5.24's schedulers run under torch's {@code LambdaLR}
 * (fixtures/optimizer/schedules.json, fixtures/make_optimizer_fixtures.py): the lr of every step,
 * warmup and total steps that do not divide evenly, steps past the end. Tolerance
 * {@code |Δ| ≤ 1e-12·|lr|}; the arithmetic is Python's, in the same order, so all but cosine's
 * {@code cos} (fdlibm here, glibc there) is exact.
 */
class LrScheduleTest {

    static JsonNode fixture() throws IOException {
        return new ObjectMapper().readTree(OptimizerFixtures.file("schedules.json").toFile());
    }

    static List<String> cases() throws IOException {
        List<String> names = new ArrayList<>();
        fixture().fieldNames().forEachRemaining(n -> {
            if (!n.equals("generator")) names.add(n);
        });
        return names;
    }

    static LrSchedule schedule(JsonNode c) {
        double lr = c.get("lr").asDouble();
        JsonNode k = c.get("kwargs");
        long warmup = k.path("num_warmup_steps").asLong();
        long total = k.path("num_training_steps").asLong();
        return switch (c.get("schedule").asText()) {
            case "get_constant_schedule" -> LrSchedule.constant(lr);
            case "get_constant_schedule_with_warmup" -> LrSchedule.constantWithWarmup(lr, warmup);
            case "get_linear_schedule_with_warmup" -> LrSchedule.linear(lr, warmup, total);
            case "get_cosine_schedule_with_warmup" -> k.has("num_cycles")
                    ? LrSchedule.cosine(lr, warmup, total, k.get("num_cycles").asDouble())
                    : LrSchedule.cosine(lr, warmup, total);
            default -> throw new IllegalArgumentException(c.get("schedule").asText());
        };
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesTransformersEveryStep(String name) throws IOException {
        JsonNode c = fixture().get(name);
        LrSchedule s = schedule(c);
        JsonNode lrs = c.get("lrs");
        double maxRel = 0;
        int exact = 0;
        for (int step = 0; step < lrs.size(); step++) {
            double expected = lrs.get(step).asDouble(), actual = s.lr(step);
            double rel = expected == 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
            maxRel = Math.max(maxRel, rel);
            if (actual == expected) exact++;
            if (!(rel <= 1e-12)) fail(name + " step " + step + ": expected " + expected + " but was " + actual + " (rel " + rel + ")");
        }
        if (!name.startsWith("cosine")) assertEquals(lrs.size(), exact, name + ": every lr bit for bit (max rel " + maxRel + ")");
        System.out.printf("%s: %d steps, %d bit-exact, max rel diff %.2e%n", name, lrs.size(), exact, maxRel);
    }

    @Test
    void warmupStartsAtZeroAndCosineEndsAtZero() {
        LrSchedule s = LrSchedule.cosine(1e-3, 10, 100);
        assertEquals(0.0, s.lr(0));
        assertEquals(1e-3, s.lr(10));
        assertEquals(0.0, s.lr(100), 1e-20);
        assertEquals(0.0, LrSchedule.linear(1e-3, 10, 100).lr(150));
    }

    @Test
    void badArgumentsAreRefused() {
        Map<String, Runnable> bad = Map.of(
                "lr", () -> LrSchedule.constant(Double.NaN),
                "lr ", () -> LrSchedule.linear(-1e-3, 1, 10),
                "num_warmup_steps", () -> LrSchedule.constantWithWarmup(1e-3, -1),
                "num_training_steps", () -> LrSchedule.cosine(1e-3, 0, -5),
                "num_cycles", () -> LrSchedule.cosine(1e-3, 0, 5, Double.POSITIVE_INFINITY),
                "step", () -> LrSchedule.constant(1e-3).lr(-1));
        bad.forEach((param, call) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run, param);
            if (!e.getMessage().startsWith(param.strip())) fail("message should name " + param + ": " + e.getMessage());
        });
    }
}
