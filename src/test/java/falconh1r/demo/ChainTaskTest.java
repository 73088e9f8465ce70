package falconh1r.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ChainTask}: every worked solution, read back line by line, follows the question's operators
 * and digits in order, and each line's result is checked against plain integer arithmetic mod 10
 * computed here; with slip 0 the teacher's answer is the gold answer, with slip 1 exactly the
 * products of two digits &gt;= 4 are off by one; splits are disjoint and reproducible.
 */
class ChainTaskTest {

    static Stream<Arguments> seeds() {
        long base = Long.getLong("falcon.seed", 20260105L);
        return Stream.iterate(base, s -> s + 1).limit(12).map(s -> Arguments.of(s));
    }

    /** The exact value of {@code a op b} mod 10, independently of ChainTask. */
    static int truth(int a, char op, int b) {
        long v = op == '+' ? a + b : op == '-' ? a - b : (long) a * b;
        return (int) (((v % 10) + 10) % 10);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void solutionsFollowTheQuestionAndTheSlipRule(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 50; i++) {
            int steps = 1 + random.nextInt(8);
            double slip = i % 3 == 0 ? 0 : i % 3 == 1 ? 1 : 0.5;
            ChainTask.Problem p = ChainTask.generate("p" + i, steps, slip, random);
            String q = p.question();
            assertEquals(2 * steps + 1, q.length(), q);
            String[] lines = p.reasoning().split("\n");
            assertEquals(steps, lines.length, p.reasoning());
            int exact = q.charAt(0) - '0', written = exact;
            for (int s = 0; s < steps; s++) {
                String line = lines[s];
                char op = q.charAt(1 + 2 * s);
                int digit = q.charAt(2 + 2 * s) - '0';
                assertEquals("" + written + op + digit + "=", line.substring(0, line.length() - 1), "line " + s + " of " + q);
                int result = line.charAt(line.length() - 1) - '0';
                int right = truth(written, op, digit);
                boolean slippable = op == '*' && written >= 4 && digit >= 4;
                if (slip == 0 || !slippable) assertEquals(right, result, "line " + s + " of " + q);
                else if (slip == 1) assertEquals((right + 1) % 10, result, "line " + s + " of " + q);
                else assertTrue(result == right || result == (right + 1) % 10, "line " + s + " of " + q);
                exact = truth(exact, op, digit);
                written = result;
            }
            assertEquals(Integer.toString(exact), p.answer(), q);
            assertEquals(Integer.toString(ChainTask.evaluate(q)), p.answer(), q);
            assertEquals(Integer.toString(written), p.teacher(), q);
            assertEquals("\\boxed{" + written + "}", p.boxed());
        }
    }

    @Test
    void splitsAreDisjointReproducibleAndInRange() {
        ChainTask.Splits a = ChainTask.splits(3, 500, 100, 80, 1, 2, 6, 0.5);
        ChainTask.Splits b = ChainTask.splits(3, 500, 100, 80, 1, 2, 6, 0.5);
        assertEquals(a, b);
        assertEquals(List.of(500, 100, 80), List.of(a.sft().size(), a.rl().size(), a.eval().size()));
        Set<String> questions = new HashSet<>();
        for (List<ChainTask.Problem> split : List.of(a.sft(), a.rl(), a.eval())) {
            for (ChainTask.Problem p : split) assertTrue(questions.add(p.question()), "repeated " + p.question());
        }
        for (ChainTask.Problem p : a.eval()) assertTrue(p.steps() >= 2 && p.steps() <= 6, p.toString());
        for (ChainTask.Problem p : a.sft()) assertTrue(p.steps() >= 1 && p.steps() <= 6, p.toString());
        assertTrue(!a.equals(ChainTask.splits(4, 500, 100, 80, 1, 2, 6, 0.5)), "another seed draws other problems");
    }

    @Test
    void badArgumentsAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ChainTask.splits(0, 400, 0, 0, 1, 1, 1, 0)).getMessage()
                .contains("cannot draw 400 distinct sft problems of 1..1 steps"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ChainTask.generate("x", 2, Double.NaN, new SplittableRandom(1)))
                .getMessage().startsWith("slip"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ChainTask.evaluate("3+")).getMessage().startsWith("question"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ChainTask.evaluate("3/4")).getMessage().contains("operator"));
    }
}
