package falconh1r.reward;

import java.util.List;

/**
 * The parsed form of an answer: the subset of the sympy objects latex2sympy2_extended builds that
 * tier 2 understands. Nodes are unevaluated, as latex2sympy builds them with {@code evaluate=False}
 * ({@code 2+3} stays an {@link Add}); {@link Values} evaluates them. Records give structural
 * equality, the analogue of sympy's {@code a == b}.
 */
sealed interface MathExpr {

    /** sympy Integer / Rational ({@code isFloat} false) or Float ({@code isFloat} true), with its exact value. */
    record Num(BigRational value, boolean isFloat) implements MathExpr {
        static Num integer(long n) {
            return new Num(BigRational.of(n), false);
        }
    }

    /** A real symbol; latex2sympy lowercases the names. */
    record Sym(String name) implements MathExpr {}

    /** sympy's pi, E (Euler's number), oo and -oo. */
    enum Const implements MathExpr { PI, E, INF, NEG_INF }

    record Add(List<MathExpr> terms) implements MathExpr {}

    record Mul(List<MathExpr> factors) implements MathExpr {}

    record Pow(MathExpr base, MathExpr exp) implements MathExpr {}

    /** {@code Mul(value, Rational(1, 100), evaluate=False)}: how latex2sympy and Math-Verify write "x%". */
    record Percent(MathExpr value) implements MathExpr {}

    /**
     * A function application: the named sympy functions (sin, cos, tan, sec, csc, cot, asin, acos,
     * atan, sinh, cosh, tanh, exp, log with its base as second argument, abs, floor, ceiling,
     * factorial, binomial) or, with {@code undefined}, an undefined sympy Function such as f(x).
     */
    record Func(String name, List<MathExpr> args, boolean undefined) implements MathExpr {}

    enum Op {
        EQ, NE, LT, LE, GT, GE;

        /** INVERSE_RELATIONS of grader.py (a < b is b > a); Ne has none. */
        Op inverse() {
            return switch (this) {
                case EQ -> EQ;
                case LT -> GT;
                case GT -> LT;
                case LE -> GE;
                case GE -> LE;
                case NE -> null;
            };
        }
    }

    /** A sympy Relational lhs op rhs. */
    record Rel(Op op, MathExpr lhs, MathExpr rhs) implements MathExpr {}

    /** latex2sympy's And of a relation chain (a = b = c), relations in written order. */
    record And(List<Rel> rels) implements MathExpr {}

    /** latex2sympy's FiniteSet, elements in written order (sympy sorts them; see {@link MathVerify}). */
    record FiniteSet(List<MathExpr> elements) implements MathExpr {}

    record Tuple(List<MathExpr> elements) implements MathExpr {}

    record Interval(MathExpr start, MathExpr end, boolean leftOpen, boolean rightOpen) implements MathExpr {}

    record Union(List<MathExpr> sets) implements MathExpr {}

    /** A sympy Matrix, row-major entries [rows * cols]. */
    record Matrix(int rows, int cols, List<MathExpr> entries) implements MathExpr {}

    /** sympy's EmptySet and Reals. */
    enum NamedSet implements MathExpr { EMPTY, REALS }

    Num MINUS_ONE = Num.integer(-1);

    /** sympy's {@code expr.func.is_Number}: a number atom, oo or -oo. */
    static boolean isNumber(MathExpr e) {
        return e instanceof Num || e == Const.INF || e == Const.NEG_INF;
    }

    /** latex2sympy's as_unary_minus / convert_unary SUB: numbers are negated, anything else is Mul(-1, x). */
    static MathExpr negate(MathExpr e) {
        if (e instanceof Num n) return new Num(n.value().negate(), n.isFloat());
        if (e == Const.INF) return Const.NEG_INF;
        if (e == Const.NEG_INF) return Const.INF;
        return product(MINUS_ONE, e);
    }

    /** latex2sympy's add_flat: Add(a, b) with Add arguments spliced in. */
    static MathExpr sum(MathExpr a, MathExpr b) {
        List<MathExpr> terms = new java.util.ArrayList<>();
        if (a instanceof Add x) terms.addAll(x.terms());
        else terms.add(a);
        if (b instanceof Add y) terms.addAll(y.terms());
        else terms.add(b);
        return new Add(terms);
    }

    /** latex2sympy's mul_flat: Mul(a, b) with Mul arguments spliced in. */
    static MathExpr product(MathExpr a, MathExpr b) {
        List<MathExpr> factors = new java.util.ArrayList<>();
        if (a instanceof Mul x) factors.addAll(x.factors());
        else factors.add(a);
        if (b instanceof Mul y) factors.addAll(y.factors());
        else factors.add(b);
        return new Mul(factors);
    }

    /** A sympy Set (not a Tuple). */
    static boolean isSet(MathExpr e) {
        return e instanceof FiniteSet || e instanceof Interval || e instanceof Union || e instanceof NamedSet;
    }

    /** sympy's expression arguments ({@code expr.args}) as latex2sympy builds them. */
    static List<MathExpr> args(MathExpr e) {
        return switch (e) {
            case Add a -> a.terms();
            case Mul m -> m.factors();
            case Pow p -> List.of(p.base(), p.exp());
            case Percent p -> List.of(p.value(), new Num(new BigRational(java.math.BigInteger.ONE, java.math.BigInteger.valueOf(100)), false));
            case Func f -> f.args();
            case Rel r -> List.of(r.lhs(), r.rhs());
            case And a -> List.copyOf(a.rels());
            case FiniteSet s -> s.elements();
            case Tuple t -> t.elements();
            case Interval i -> List.of(i.start(), i.end());
            case Union u -> u.sets();
            case Matrix m -> m.entries();
            case Num n -> List.of();
            case Sym s -> List.of();
            case Const c -> List.of();
            case NamedSet s -> List.of();
        };
    }
}
