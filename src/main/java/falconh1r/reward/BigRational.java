package falconh1r.reward;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * An exact rational number num/den in lowest terms with den > 0 (sympy's Rational). Operations whose
 * result would exceed {@link #MAX_BITS} bits return null instead, so hostile input (10^{10^{10}}) costs
 * bounded work; callers then fall back to floating point or give up.
 */
record BigRational(BigInteger num, BigInteger den) implements Comparable<BigRational> {

    /** The largest numerator or denominator, in bits, any operation produces (about 2,400 digits). */
    static final int MAX_BITS = 8_000;

    static final BigRational ZERO = new BigRational(BigInteger.ZERO, BigInteger.ONE);
    static final BigRational ONE = new BigRational(BigInteger.ONE, BigInteger.ONE);

    BigRational {
        if (den.signum() <= 0) throw new IllegalArgumentException("den must be positive, got " + den);
    }

    static BigRational of(long n) {
        return new BigRational(BigInteger.valueOf(n), BigInteger.ONE);
    }

    static BigRational of(BigInteger n) {
        return new BigRational(n, BigInteger.ONE);
    }

    /** n/d in lowest terms; null when d is 0 or a part is too large. */
    static BigRational of(BigInteger n, BigInteger d) {
        if (d.signum() == 0) return null;
        if (d.signum() < 0) {
            n = n.negate();
            d = d.negate();
        }
        BigInteger g = n.gcd(d);
        if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
            n = n.divide(g);
            d = d.divide(g);
        }
        if (n.bitLength() > MAX_BITS || d.bitLength() > MAX_BITS) return null;
        return new BigRational(n, d);
    }

    /** The exact value of a decimal literal such as "-12.50" or ".5" (no exponent); null if malformed. */
    static BigRational parseDecimal(String text) {
        try {
            BigDecimal d = new BigDecimal(text);
            if (d.precision() > 2 * MAX_BITS / 7 || Math.abs(d.scale()) > MAX_BITS / 4) return null;
            return of(d);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static BigRational of(BigDecimal d) {
        if (d.scale() <= 0) return of(d.toBigIntegerExact(), BigInteger.ONE);
        return of(d.unscaledValue(), BigInteger.TEN.pow(d.scale()));
    }

    boolean isInteger() {
        return den.equals(BigInteger.ONE);
    }

    int signum() {
        return num.signum();
    }

    BigRational abs() {
        return num.signum() < 0 ? negate() : this;
    }

    BigRational negate() {
        return new BigRational(num.negate(), den);
    }

    BigRational add(BigRational o) {
        return of(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den));
    }

    BigRational subtract(BigRational o) {
        return add(o.negate());
    }

    BigRational multiply(BigRational o) {
        return of(num.multiply(o.num), den.multiply(o.den));
    }

    /** this / o; null when o is 0. */
    BigRational divide(BigRational o) {
        return of(num.multiply(o.den), den.multiply(o.num));
    }

    /** this^n for an integer n (negative allowed); null on 0^negative or when the result is too large. */
    BigRational pow(BigInteger n) {
        if (n.signum() == 0) return ONE;
        int bits = Math.max(num.bitLength(), den.bitLength());
        if (bits > 1 && n.abs().compareTo(BigInteger.valueOf(MAX_BITS)) > 0) return null;
        if (bits <= 1) {                      // |num|, den in {0, 1}: 0, 1 or -1
            if (num.signum() == 0) return n.signum() < 0 ? null : ZERO;
            return num.signum() > 0 || !n.testBit(0) ? ONE : ONE.negate();
        }
        int e = n.abs().intValueExact();
        if ((long) bits * e > MAX_BITS + 64L) return null;
        BigRational p = of(num.pow(e), den.pow(e));
        return p == null || n.signum() > 0 ? p : ONE.divide(p);
    }

    /** The exact k-th root (k >= 2) when num and den are perfect k-th powers, else null. */
    BigRational root(int k) {
        if (num.signum() < 0 && k % 2 == 0) return null;
        BigInteger a = exactRoot(num.abs(), k), b = exactRoot(den, k);
        if (a == null || b == null) return null;
        return new BigRational(num.signum() < 0 ? a.negate() : a, b);
    }

    private static BigInteger exactRoot(BigInteger x, int k) {
        if (x.signum() == 0) return x;
        if (k == 2) {
            BigInteger r = x.sqrt();
            return r.multiply(r).equals(x) ? r : null;
        }
        BigInteger r = BigInteger.valueOf(Math.round(Math.pow(x.doubleValue(), 1.0 / k)));
        for (int d = -1; d <= 1; d++) {
            BigInteger c = r.add(BigInteger.valueOf(d));
            if (c.signum() > 0 && c.pow(k).equals(x)) return c;
        }
        return null;
    }

    double toDouble() {
        return toBigDecimal(new MathContext(40)).doubleValue();
    }

    BigDecimal toBigDecimal(MathContext mc) {
        return new BigDecimal(num).divide(new BigDecimal(den), mc);
    }

    /** Rounded to {@code places} decimals, half to even (sympy's Float.round on an exact value). */
    BigDecimal round(int places) {
        return new BigDecimal(num).divide(new BigDecimal(den), places, RoundingMode.HALF_EVEN);
    }

    @Override
    public int compareTo(BigRational o) {
        return num.multiply(o.den).compareTo(o.num.multiply(den));
    }

    @Override
    public String toString() {
        return isInteger() ? num.toString() : num + "/" + den;
    }
}
