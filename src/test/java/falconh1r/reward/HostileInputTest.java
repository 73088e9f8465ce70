package falconh1r.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile golds and predictions score 0 and never throw. The issue also bounds each at 100 ms, so this
 * is the one test with a clock in it: after every case has run a few times (so the JIT has compiled
 * the paths), each case must finish within 100 ms, once. It is a bound, not a benchmark; the
 * {@link WorkBudget} makes the work deterministic and keeps these inputs near 20 ms on a loaded
 * two-core machine.
 */
class HostileInputTest {
    static final Duration BOUND = Duration.ofMillis(100);

    static Stream<Arguments> cases() {
        String digits = "9".repeat(100_000);
        return Stream.of(
                Arguments.of("nested braces", "42", "\\boxed{" + "{".repeat(10_000) + "42" + "}".repeat(10_000) + "}"),
                Arguments.of("unclosed braces", "42", "\\boxed{" + "{".repeat(10_000) + "42"),
                Arguments.of("closing braces", "42", "}".repeat(10_000) + "\\boxed{41}" + "}".repeat(10_000)),
                Arguments.of("100k-digit number", "42", "The answer is " + digits + "."),
                Arguments.of("100k-digit boxed", "42", "$\\boxed{" + digits + "}$"),
                Arguments.of("100k-digit gold", digits, "\\boxed{" + digits.substring(1) + "8}"),
                Arguments.of("unbalanced dollars", "42", "$".repeat(50_001) + "4"),
                Arguments.of("unbalanced display", "42", "\\[" + "x + ".repeat(20_000)),
                Arguments.of("unbalanced parens", "42", "$" + "(".repeat(30_000) + "42$"),
                Arguments.of("many boxes", "42", "\\boxed{".repeat(10_000)),
                Arguments.of("tower exponent", "42", "\\boxed{10^{10^{10}}}"),
                Arguments.of("tall tower", "42", "\\boxed{2^{2^{2^{2^{2^{2^{2^{2}}}}}}}}"),
                Arguments.of("huge exponent gold", "10^{10^{10}}", "\\boxed{10^{10^{10}} + 1}"),
                Arguments.of("factorial", "42", "\\boxed{(10^{100000})!}"),
                Arguments.of("nested fractions", "42", "$\\boxed{" + "\\frac{1}{".repeat(5_000) + "2" + "}".repeat(5_000) + "}$"),
                Arguments.of("nested roots", "42", "$\\boxed{" + "\\sqrt{".repeat(10_000) + "2" + "}".repeat(10_000) + "}$"),
                Arguments.of("nested parens", "42", "$\\boxed{" + "(".repeat(10_000) + "2" + ")".repeat(10_000) + "}$"),
                Arguments.of("answer words", "42", "answer: ".repeat(20_000)),
                Arguments.of("final answer words", "42", "The final answer is ".repeat(10_000)),
                Arguments.of("long sum", "42", "$" + "1+".repeat(50_000) + "1$"),
                Arguments.of("inline math runs", "42", "$1$ and ".repeat(20_000)));
    }

    @BeforeAll
    static void warmUp() {
        for (int round = 0; round < 5; round++) {
            cases().forEach(c -> MathReward.score((String) c.get()[1], (String) c.get()[2]));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void scoresZeroWithinTheBound(String name, String gold, String prediction) {
        int reward = assertTimeoutPreemptively(BOUND, () -> MathReward.score(gold, prediction), name);
        assertEquals(0, reward, name);
    }
}
