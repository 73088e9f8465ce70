package falconh1r.reward;

import falconh1r.reward.MathExpr.Add;
import falconh1r.reward.MathExpr.Const;
import falconh1r.reward.MathExpr.Func;
import falconh1r.reward.MathExpr.Mul;
import falconh1r.reward.MathExpr.Num;
import falconh1r.reward.MathExpr.Percent;
import falconh1r.reward.MathExpr.Pow;
import falconh1r.reward.MathExpr.Sym;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The numbers behind a {@link MathExpr}: its exact rational value where one exists (what sympy's
 * {@code doit()} gives for rational arithmetic), a double approximation otherwise (what
 * {@code evalf} gives, for pi, square roots, logarithms, trigonometric functions), evaluation with
 * symbols bound to numbers (for identity tests), and latex2sympy's structural predicates.
 */
final class Values {
    private Values() {}

    /**
     * How sympy holds a number after {@code doit()}: EXACT (Integer / Rational, {@code q}), FLOAT (a sympy
     * Float: 53-bit binary, {@code d} is its exact value, and every operation with a Float rounds to 53
     * bits as sympy's does), REAL (irrational; {@code d} approximates it) or NONE (symbols, sets).
     */
    enum Kind { EXACT, FLOAT, REAL, NONE }

    record V(Kind kind, BigRational q, double d) {
        static final V NONE = new V(Kind.NONE, null, Double.NaN);

        static V exact(BigRational q) {
            return new V(Kind.EXACT, q, q.toDouble());
        }
    }

    /** The value of an expression without symbols, with sympy's Float semantics. */
    static V eval(MathExpr e) {
        return switch (e) {
            case Num n -> n.isFloat() ? new V(Kind.FLOAT, null, n.value().toDouble()) : V.exact(n.value());
            case Const c -> new V(Kind.REAL, null, approx(c, Map.of()));
            case Add a -> fold(a.terms(), true);
            case Mul m -> fold(m.factors(), false);
            case Pow p -> pow(eval(p.base()), eval(p.exp()));
            case Percent p -> combine(eval(p.value()), V.exact(BigRational.of(BigInteger.ONE, BigInteger.valueOf(100))), false);
            case Func f when !f.undefined() -> func(f);
            default -> V.NONE;
        };
    }

    private static V fold(List<MathExpr> xs, boolean add) {
        V acc = null;
        for (MathExpr x : xs) {
            V v = eval(x);
            acc = acc == null ? v : combine(acc, v, add);
            if (acc.kind() == Kind.NONE) return V.NONE;
        }
        return acc;
    }

    /** a + b or a * b: exact for two exact values, rounded to a double when a Float takes part, approximate otherwise. */
    private static V combine(V a, V b, boolean add) {
        if (a.kind() == Kind.NONE || b.kind() == Kind.NONE) return V.NONE;
        if (a.kind() == Kind.EXACT && b.kind() == Kind.EXACT) {
            BigRational r = add ? a.q().add(b.q()) : a.q().multiply(b.q());
            if (r != null) return V.exact(r);
        }
        double d = add ? a.d() + b.d() : a.d() * b.d();
        boolean real = a.kind() == Kind.REAL || b.kind() == Kind.REAL || (a.kind() == Kind.EXACT && b.kind() == Kind.EXACT);
        return new V(real ? Kind.REAL : Kind.FLOAT, null, d);
    }

    private static V pow(V base, V exp) {
        if (base.kind() == Kind.NONE || exp.kind() == Kind.NONE) return V.NONE;
        if (base.kind() == Kind.EXACT && exp.kind() == Kind.EXACT) {
            BigRational r = exactPow(base.q(), exp.q());
            if (r != null) return V.exact(r);
        }
        double d;
        if (exp.d() == -1) d = 1.0 / base.d();
        else if (base.d() < 0 && exp.d() != Math.rint(exp.d())) d = Double.NaN;   // sympy's principal root is complex
        else d = Math.pow(base.d(), exp.d());
        boolean real = base.kind() == Kind.REAL || exp.kind() == Kind.REAL || (base.kind() == Kind.EXACT && exp.kind() == Kind.EXACT);
        return new V(real ? Kind.REAL : Kind.FLOAT, null, d);
    }

    private static BigRational exactPow(BigRational base, BigRational exp) {
        if (exp.isInteger()) return base.pow(exp.num());
        if (exp.den().bitLength() > 8) return null;
        BigRational root = base.root(exp.den().intValue());
        return root == null ? null : root.pow(exp.num());
    }

    private static V func(Func f) {
        V x = eval(f.args().getFirst());
        if (x.kind() == Kind.NONE) return V.NONE;
        if (x.kind() == Kind.EXACT) {
            BigRational q = x.q();
            BigRational r = switch (f.name()) {
                case "abs" -> q.signum() < 0 ? q.negate() : q;
                case "floor" -> BigRational.of(floor(q));
                case "ceiling" -> BigRational.of(floor(q.negate()).negate());
                case "factorial" -> q.isInteger() && q.signum() >= 0 && q.num().bitLength() < 10 ? factorial(q.num().intValue()) : null;
                default -> null;
            };
            if (r != null) return V.exact(r);
        }
        double d = approx(f, Map.of());
        boolean keepsFloat = x.kind() == Kind.FLOAT && (f.name().equals("abs") || f.name().equals("floor") || f.name().equals("ceiling"));
        return new V(keepsFloat ? Kind.FLOAT : Kind.REAL, null, d);
    }

    /** Exact value without Floats, or null (irrational, symbolic, a Float inside, too large). */
    static BigRational exact(MathExpr e) {
        V v = eval(e);
        return v.kind() == Kind.EXACT ? v.q() : null;
    }

    /**
     * What evalf computes before it chops: exact rational arithmetic in which each Float is its binary
     * value; null when irrational or symbolic.
     */
    static BigRational binaryExact(MathExpr e) {
        return switch (e) {
            case Num n -> n.isFloat() ? BigRational.of(new BigDecimal(n.value().toDouble())) : n.value();
            case Add a -> {
                BigRational s = BigRational.ZERO;
                for (MathExpr t : a.terms()) {
                    BigRational v = binaryExact(t);
                    if (v == null || (s = s.add(v)) == null) yield null;
                }
                yield s;
            }
            case Mul m -> {
                BigRational p = BigRational.ONE;
                for (MathExpr f : m.factors()) {
                    BigRational v = binaryExact(f);
                    if (v == null || (p = p.multiply(v)) == null) yield null;
                }
                yield p;
            }
            case Pow p -> {
                BigRational b = binaryExact(p.base()), x = binaryExact(p.exp());
                yield b == null || x == null ? null : exactPow(b, x);
            }
            case Percent p -> {
                BigRational v = binaryExact(p.value());
                yield v == null ? null : v.divide(BigRational.of(100));
            }
            default -> null;
        };
    }

    private static BigInteger floor(BigRational x) {
        BigInteger[] qr = x.num().divideAndRemainder(x.den());
        return qr[1].signum() < 0 ? qr[0].subtract(BigInteger.ONE) : qr[0];
    }

    private static BigRational factorial(int n) {
        BigInteger f = BigInteger.ONE;
        for (int i = 2; i <= n; i++) f = f.multiply(BigInteger.valueOf(i));
        return BigRational.of(f, BigInteger.ONE);
    }

    /** sympy.binomial(n, k): evaluated to an Integer for integer arguments, else left as a function. */
    static MathExpr binomial(MathExpr n, MathExpr k) {
        BigRational a = exact(n), b = exact(k);
        if (a != null && b != null && a.isInteger() && b.isInteger() && !(n instanceof Num x && x.isFloat())
                && a.num().bitLength() < 20 && b.num().bitLength() < 20) {
            long nn = a.num().longValueExact(), kk = b.num().longValueExact();
            if (kk < 0 || (nn >= 0 && kk > nn)) return Num.integer(0);
            BigInteger r = BigInteger.ONE;
            for (long i = 0; i < kk; i++) r = r.multiply(BigInteger.valueOf(nn - i)).divide(BigInteger.valueOf(i + 1));
            BigRational v = BigRational.of(r, BigInteger.ONE);
            if (v != null) return new Num(v, false);
        }
        return new Func("binomial", List.of(n, k), false);
    }

    /** Double value with the given symbol values; NaN when undefined, complex or not a number. */
    static double approx(MathExpr e, Map<String, Double> symbols) {
        return switch (e) {
            case Num n -> n.value().toDouble();
            case Sym s -> symbols.getOrDefault(s.name(), Double.NaN);
            case Const c -> switch (c) {
                case PI -> Math.PI;
                case E -> Math.E;
                case INF -> Double.POSITIVE_INFINITY;
                case NEG_INF -> Double.NEGATIVE_INFINITY;
            };
            case Add a -> {
                double s = 0;
                for (MathExpr t : a.terms()) s += approx(t, symbols);
                yield s;
            }
            case Mul m -> {
                double p = 1;
                for (MathExpr f : m.factors()) p *= approx(f, symbols);
                yield p;
            }
            case Pow p -> pow(approx(p.base(), symbols), p.exp(), symbols);
            case Percent p -> approx(p.value(), symbols) / 100;
            case Func f when !f.undefined() -> func(f, symbols);
            default -> Double.NaN;
        };
    }

    private static double pow(double base, MathExpr expNode, Map<String, Double> symbols) {
        double exp = approx(expNode, symbols);
        if (base < 0 && exp != Math.rint(exp)) return Double.NaN;   // sympy's principal root is complex
        return Math.pow(base, exp);
    }

    private static double func(Func f, Map<String, Double> symbols) {
        double x = approx(f.args().getFirst(), symbols);
        return switch (f.name()) {
            case "sin" -> Math.sin(x);
            case "cos" -> Math.cos(x);
            case "tan" -> Math.tan(x);
            case "sec" -> 1 / Math.cos(x);
            case "csc" -> 1 / Math.sin(x);
            case "cot" -> 1 / Math.tan(x);
            case "asin" -> Math.asin(x);
            case "acos" -> Math.acos(x);
            case "atan" -> Math.atan(x);
            case "sinh" -> Math.sinh(x);
            case "cosh" -> Math.cosh(x);
            case "tanh" -> Math.tanh(x);
            case "exp" -> Math.exp(x);
            case "log" -> x <= 0 ? Double.NaN : Math.log(x) / Math.log(approx(f.args().get(1), symbols));
            case "abs" -> Math.abs(x);
            case "floor" -> Math.floor(x);
            case "ceiling" -> Math.ceil(x);
            case "factorial" -> x >= 0 && x == Math.rint(x) && x <= 170 ? factorialDouble((int) x) : Double.NaN;
            case "binomial" -> Double.NaN;
            default -> Double.NaN;
        };
    }

    private static double factorialDouble(int n) {
        double f = 1;
        for (int i = 2; i <= n; i++) f *= i;
        return f;
    }

    /** The value without symbols as a double (NaN when there is none). */
    static double approx(MathExpr e) {
        return eval(e).d();
    }

    /** Sign of a - b when both are numbers (exact when possible); Integer.MIN_VALUE when not comparable. */
    static int compareNumeric(MathExpr a, MathExpr b) {
        V x = eval(a), y = eval(b);
        if (x.kind() == Kind.EXACT && y.kind() == Kind.EXACT) return Integer.signum(x.q().compareTo(y.q()));
        double u = x.d(), v = y.d();
        if (Double.isNaN(u) || Double.isNaN(v)) return Integer.MIN_VALUE;
        return Double.compare(u, v) == 0 ? 0 : u < v ? -1 : 1;
    }

    /** sympy's {@code expr.free_symbols} (sympy's I is not a symbol). */
    static Set<String> freeSymbols(MathExpr e) {
        Set<String> out = new TreeSet<>();
        collectSymbols(e, out);
        return out;
    }

    private static void collectSymbols(MathExpr e, Set<String> out) {
        if (e instanceof Sym s) {
            if (!s.name().equals("I")) out.add(s.name());
            return;
        }
        for (MathExpr a : MathExpr.args(e)) collectSymbols(a, out);
    }

    /** latex2sympy's is_expr_of_only_symbols: a symbol, 1/(symbols), or a node whose arguments all are. */
    static boolean isOnlySymbols(MathExpr e) {
        if (e instanceof Sym s) return !s.name().equals("I");
        if (e instanceof Pow p && p.exp() instanceof Num n && !n.isFloat() && n.value().equals(BigRational.ONE.negate())) {
            if (p.base() instanceof Sym s && !s.name().equals("I")) return true;
            List<MathExpr> inner = MathExpr.args(p.base());
            if (!inner.isEmpty() && inner.stream().allMatch(Values::isOnlySymbols)) return true;
        }
        List<MathExpr> args = MathExpr.args(e);
        return !args.isEmpty() && args.stream().allMatch(Values::isOnlySymbols);
    }

    /** sympy's {@code x.round(6)} on doit(x): an Integer stays one, anything else becomes a Float of 6 decimals. */
    record Rounded(boolean integer, BigDecimal value) {}

    /** round(places) of doit(e), or null when it has symbols or no finite value. */
    static Rounded round(MathExpr e, int places) {
        V v = eval(e);
        switch (v.kind()) {
            case EXACT -> {
                if (v.q().isInteger()) return new Rounded(true, new BigDecimal(v.q().num()));
                return new Rounded(false, v.q().round(places).stripTrailingZeros());
            }
            case FLOAT, REAL -> {
                if (!Double.isFinite(v.d())) return null;
                return new Rounded(false, new BigDecimal(v.d()).setScale(places, java.math.RoundingMode.HALF_EVEN).stripTrailingZeros());
            }
            default -> {
                return null;
            }
        }
    }
}
