package falconh1r.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded properties whose oracle is exact arithmetic: a rational answer written in another notation
 * (scaled fraction, \dfrac, a/b, terminating decimal, mixed number, thousands separators, inside a
 * reasoning trace) scores 1; a different value scores 0.
 */
class MathRewardPropertyTest {

    private static String trace(SplittableRandom r, String answer) {
        String[] endings = {
            "<think>\nLet me compute. 3 + 4 = 7.\n</think>\nThe answer is $\\boxed{%s}$.",
            "We get $x = 12$ first. Final Answer: The final answer is $%s$. I hope it is correct.",
            "So after simplifying, \\[\\boxed{%s}\\]",
            "Therefore the result is \\(%s\\).",
        };
        return String.format(endings[r.nextInt(endings.length)], answer);
    }

    /** Notations of p/q (q > 0, lowest terms) that Math-Verify reads as the same number. */
    private static String notation(SplittableRandom r, long p, long q) {
        long k = 1 + r.nextInt(9);
        String sign = p < 0 ? "-" : "";
        long a = Math.abs(p);
        return switch (q == 1 ? r.nextInt(3) : 3 + r.nextInt(5)) {
            case 0 -> Long.toString(p);
            case 1 -> sign + String.format("%,d", a).replace(",", "{,}");
            case 2 -> p + ".0";
            case 3 -> sign + "\\frac{" + a * k + "}{" + q * k + "}";
            case 4 -> sign + "\\dfrac{" + a + "}{" + q + "}";
            case 5 -> "\\frac{" + p + "}{" + q + "}";
            case 6 -> a > q ? sign + (a / q) + "\\frac{" + (a % q) + "}{" + q + "}" : p + "/" + q;
            default -> terminates(q) ? new java.math.BigDecimal(p).divide(new java.math.BigDecimal(q)).toPlainString() : p + "/" + q;
        };
    }

    private static boolean terminates(long q) {
        while (q % 2 == 0) q /= 2;
        while (q % 5 == 0) q /= 5;
        return q == 1;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14, 15})
    void sameRationalScoresOneAndOtherRationalsZero(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 150; i++) {
            long q = 1 + r.nextInt(r.nextBoolean() ? 1 : 40);
            long p = r.nextLong(-5000, 5000);
            long g = BigInteger.valueOf(p).gcd(BigInteger.valueOf(q)).longValue();
            if (g == 0) g = 1;
            p /= g;
            q /= g;
            if (p % q == 0 && q != 1) continue;
            String gold = q == 1 ? Long.toString(p) : (p < 0 ? "-" : "") + "\\frac{" + Math.abs(p) + "}{" + q + "}";
            String right = trace(r, notation(r, p, q));
            assertEquals(1, MathReward.score(gold, right), "seed " + seed + ": " + gold + " vs " + right);
            long p2 = p + 1 + r.nextInt(7);
            String wrong = trace(r, notation(r, p2, q).replace("{,}", ""));
            if (BigInteger.valueOf(p2).gcd(BigInteger.valueOf(q)).equals(BigInteger.ONE) || q == 1) {
                assertEquals(0, MathReward.score(gold, wrong), "seed " + seed + ": " + gold + " vs " + wrong);
            }
        }
    }
}
