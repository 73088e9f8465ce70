package falconh1r.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Exact rationals: lowest terms, exact roots only, and null instead of unbounded work. */
class BigRationalTest {
    static BigRational q(long n, long d) {
        return BigRational.of(BigInteger.valueOf(n), BigInteger.valueOf(d));
    }

    @Test
    void lowestTermsWithPositiveDenominator() {
        assertEquals(new BigRational(BigInteger.valueOf(-1), BigInteger.TWO), q(3, -6));
        assertNull(q(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new BigRational(BigInteger.ONE, BigInteger.ZERO));
    }

    @Test
    void arithmeticIsExact() {
        assertEquals(q(1, 1), q(1, 3).add(q(2, 3)));
        assertEquals(q(-1, 12), q(1, 4).subtract(q(1, 3)));
        assertEquals(q(1, 2), q(3, 4).multiply(q(2, 3)));
        assertEquals(q(9, 8), q(3, 4).divide(q(2, 3)));
        assertNull(q(3, 4).divide(BigRational.ZERO));
        assertEquals(BigRational.of(new BigDecimal("16386.20")), q(81931, 5));
    }

    @Test
    void powersAndRootsAreExactOrNull() {
        assertEquals(q(1024, 1), q(2, 1).pow(BigInteger.TEN));
        assertEquals(q(1, 8), q(2, 1).pow(BigInteger.valueOf(-3)));
        assertEquals(q(-1, 1), q(-1, 1).pow(BigInteger.valueOf(1_000_001)));
        assertNull(BigRational.ZERO.pow(BigInteger.valueOf(-1)));
        assertNull(q(10, 1).pow(BigInteger.TEN.pow(10)), "10^(10^10) is past MAX_BITS");
        assertEquals(q(2, 3), q(4, 9).root(2));
        assertEquals(q(-2, 1), q(-8, 1).root(3));
        assertNull(q(2, 1).root(2));
        assertNull(q(-4, 1).root(2));
    }

    @Test
    void roundingIsHalfEven() {
        assertEquals(new BigDecimal("0.333333"), q(1, 3).round(6));
        assertEquals(new BigDecimal("0.12"), q(1, 8).round(2));
        assertEquals(new BigDecimal("0.38"), q(3, 8).round(2));
        assertEquals(0.1, q(1, 10).toDouble());
    }
}
