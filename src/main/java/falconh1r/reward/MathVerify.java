package falconh1r.reward;

import falconh1r.reward.MathExpr.Add;
import falconh1r.reward.MathExpr.And;
import falconh1r.reward.MathExpr.Const;
import falconh1r.reward.MathExpr.FiniteSet;
import falconh1r.reward.MathExpr.Func;
import falconh1r.reward.MathExpr.Interval;
import falconh1r.reward.MathExpr.Mul;
import falconh1r.reward.MathExpr.NamedSet;
import falconh1r.reward.MathExpr.Num;
import falconh1r.reward.MathExpr.Op;
import falconh1r.reward.MathExpr.Percent;
import falconh1r.reward.MathExpr.Rel;
import falconh1r.reward.MathExpr.Sym;
import falconh1r.reward.MathExpr.Tuple;
import falconh1r.reward.MathExpr.Union;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Math-Verify 0.8.0 {@code grader.verify(gold, target)} with its defaults (float_rounding 6,
 * numeric_precision 15, strict, no set-relation comparison), for the {@link MathExpr} subset.
 * Asymmetric: gold first. {@code sympy_expr_eq} is followed step by step; where it calls sympy
 * machinery this class substitutes:
 * <ul>
 * <li>{@code simplify(a - b).is_zero}: exact (BigInteger) rationals compare exactly; where a sympy
 *     Float takes part, the 53-bit results sympy's Float arithmetic gives compare exactly (so 14/3 and
 *     14/3.0 differ by their rounding residue, as in sympy); irrational values compare as doubles
 *     within {@link #REL_TOL}; with free symbols, the two sides must agree at {@link #POINTS} fixed
 *     sample points (an identity test);
 * <li>{@code (a - b).evalf(15, chop=True) == 0}: exact arithmetic on the Floats' binary values, a
 *     difference under 2^-56 of the size counting as chopped;
 * <li>{@code solve(gold) == solve(pred)} for relations: the two sides' differences are proportional
 *     (for inequalities in one variable, by a positive factor, or a negative one when flipped);
 * <li>{@code relation.as_set()}: for one variable (or |variable|) against numbers;
 * <li>{@code symmetric_difference(...).is_empty}: {@link SetValues}, unions of intervals and points
 *     with numeric ends.
 * </ul>
 * Python exceptions that end a comparison (a strict zip of unequal lengths, Ne's missing inverse)
 * end it here too, as false.
 */
final class MathVerify {
    private MathVerify() {}

    static final double REL_TOL = 1e-12;
    static final int POINTS = 4;
    private static final double[][] SAMPLES = {
        {0.7316, -1.2891, 2.4517, 0.3389}, {1.6143, 0.5872, -0.8261, 3.1079}, {-0.4427, 2.2358, 1.1934, -1.7703},
        {2.9061, -0.6618, 0.2744, 1.4482}, {0.1597, 1.9725, -2.3316, 0.8853},
    };

    /** A Python exception inside the comparison: verify returns false for this pair. */
    private static final class Raise extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Raise INSTANCE = new Raise();

        private Raise() {
            super(null, null, false, false);
        }
    }

    /** A parsed candidate: a sympy-like expression, or the fallback string. */
    record Candidate(MathExpr expr, String string) {
        static Candidate of(MathExpr e) {
            return new Candidate(e, null);
        }

        static Candidate of(String s) {
            return new Candidate(null, s);
        }
    }

    /** verify(gold, target) for one gold and one predicted candidate. */
    static boolean verify(Candidate gold, Candidate pred) {
        if (gold.expr() != null && pred.expr() != null) {
            try {
                return exprEq(gold.expr(), pred.expr());
            } catch (Raise | ArithmeticException e) {
                return false;
            }
        }
        if (gold.string() != null && pred.string() != null) {
            String g = LatexNormalizer.strip(gold.string()), p = LatexNormalizer.strip(pred.string());
            return !g.isEmpty() && !p.isEmpty() && g.equals(p);
        }
        return false;
    }

    /** sympy_expr_eq(gold, pred, 6, 15, allow_set_relation_comp=False, strict=True). */
    static boolean exprEq(MathExpr gold, MathExpr pred) {
        boolean goldAssign = isAssignment(gold), predAssign = isAssignment(pred);
        boolean goldEq = isEquation(gold), predEq = isEquation(pred);
        if (goldAssign) gold = new Rel(Op.EQ, firstRel(gold).lhs(), lastRel(gold).rhs());
        if (predAssign) pred = new Rel(Op.EQ, firstRel(pred).lhs(), lastRel(pred).rhs());
        if (predEq && !goldEq) pred = lastRel(pred).rhs();
        else if (goldAssign && !predEq) gold = lastRel(gold).rhs();

        if (isRelation(gold) && MathExpr.isSet(pred)) {
            MathExpr asSet = asSet(gold);
            if (asSet != null) gold = asSet;
        }
        if (structEq(gold, pred)) return true;
        if (isRelation(gold) && isRelation(pred)) return compareRelational(gold, pred);
        if (isSetOrTuple(gold) || isSetOrTuple(pred)) return compareSets(gold, pred);
        if (gold instanceof Sym || pred instanceof Sym) return compareSymbols(gold, pred);
        if (Matrices.containsMatrix(gold) || Matrices.containsMatrix(pred)) return compareMatrices(gold, pred);
        return numericEq(gold, pred) || symbolicEq(gold, pred);
    }

    /** numeric_eq of two matrices (same shape, every entry numeric_eq), else simplify(a - b).is_zero_matrix. */
    private static boolean compareMatrices(MathExpr gold, MathExpr pred) {
        MathExpr.Matrix a = Matrices.value(gold), b = Matrices.value(pred);
        if (a == null || b == null || a.rows() != b.rows() || a.cols() != b.cols()) return false;
        boolean numeric = true, symbolic = true;
        for (int i = 0; i < a.entries().size(); i++) {
            MathExpr x = a.entries().get(i), y = b.entries().get(i);
            numeric = numeric && numericEq(x, y);
            symbolic = symbolic && symbolicEq(x, y);
            if (!numeric && !symbolic) return false;
        }
        return true;
    }

    // ---- relations ----------------------------------------------------------------------------------

    static boolean isRelation(MathExpr e) {
        return e instanceof Rel || e instanceof And;
    }

    private static boolean isEquation(MathExpr e) {
        if (e instanceof Rel r) return r.op() == Op.EQ;
        return e instanceof And a && a.rels().stream().allMatch(r -> r.op() == Op.EQ);
    }

    /** is_assignment_relation: an equation whose (first) left side is made of symbols only (x = 1). */
    private static boolean isAssignment(MathExpr e) {
        if (e instanceof Rel r) return r.op() == Op.EQ && Values.isOnlySymbols(r.lhs());
        return e instanceof And a && isEquation(a) && Values.isOnlySymbols(a.rels().getFirst().lhs());
    }

    private static Rel firstRel(MathExpr e) {
        return e instanceof And a ? a.rels().getFirst() : (Rel) e;
    }

    private static Rel lastRel(MathExpr e) {
        return e instanceof And a ? a.rels().getLast() : (Rel) e;
    }

    /** sympy_compare_relational. */
    private static boolean compareRelational(MathExpr gold, MathExpr pred) {
        if (gold instanceof And g && pred instanceof And p) {
            if (g.rels().size() != p.rels().size()) throw Raise.INSTANCE;   // zip(strict=True)
            for (int i = 0; i < g.rels().size(); i++) if (!compareRelational(g.rels().get(i), p.rels().get(i))) return false;
            return true;
        }
        if (!(gold instanceof Rel g) || !(pred instanceof Rel p)) return false;
        if (g.op() == p.op() && exprEq(difference(g.lhs(), g.rhs()), difference(p.lhs(), p.rhs()))) return true;
        if (g.op().inverse() == null) throw Raise.INSTANCE;               // INVERSE_RELATIONS[Ne]: KeyError
        if (g.op().inverse() == p.op() && exprEq(difference(g.lhs(), g.rhs()), difference(p.rhs(), p.lhs()))) return true;
        return sameSolutions(g, p);
    }

    /** a - b as sympy builds it (evaluated: numbers combine). */
    private static MathExpr difference(MathExpr a, MathExpr b) {
        BigRational x = Values.exact(a), y = Values.exact(b);
        if (x != null && y != null) {
            BigRational d = x.subtract(y);
            if (d != null) return new Num(d, false);
        }
        return MathExpr.sum(a, MathExpr.negate(b));
    }

    /**
     * Stands in for sympy_solve_and_compare: g.lhs - g.rhs = c (p.lhs - p.rhs) for a constant c != 0
     * (c > 0 for inequalities of one direction, c < 0 for opposite ones), over the same symbols.
     */
    private static boolean sameSolutions(Rel g, Rel p) {
        MathExpr a = difference(g.lhs(), g.rhs()), b = difference(p.lhs(), p.rhs());
        Set<String> syms = Values.freeSymbols(a);
        if (syms.isEmpty() || !syms.equals(Values.freeSymbols(b)) || syms.size() > SAMPLES.length) return false;
        if (g.op() != Op.EQ && syms.size() > 1) return false;
        double ratio = Double.NaN;
        int used = 0;
        for (int k = 0; k < POINTS; k++) {
            Map<String, Double> env = point(syms, k);
            double u = Values.approx(a, env), v = Values.approx(b, env);
            if (!Double.isFinite(u) || !Double.isFinite(v)) continue;
            if (v == 0 || u == 0) {
                if (u != v) return false;
                continue;
            }
            double r = u / v;
            if (Double.isNaN(ratio)) ratio = r;
            else if (Math.abs(r - ratio) > 1e-9 * Math.abs(ratio)) return false;
            used++;
        }
        if (used < 2) return false;
        if (g.op() == Op.EQ && p.op() == Op.EQ) return true;
        return (g.op() == p.op() && ratio > 0) || (g.op().inverse() == p.op() && ratio < 0);
    }

    /**
     * relation.as_set() (after unwrap_fcs, which turns f(x) into a symbol) for relations between one
     * symbol, or its absolute value, and a number; an And intersects; null otherwise.
     */
    private static MathExpr asSet(MathExpr rel) {
        rel = unwrapFunctions(rel);
        List<Rel> rels = rel instanceof And a ? a.rels() : List.of((Rel) rel);
        if (Values.freeSymbols(rel).size() != 1) return null;
        MathExpr current = NamedSet.REALS;
        for (Rel r : rels) {
            MathExpr s = relSet(r);
            if (s == null || (current = SetValues.intersect(current, s)) == null) return null;
        }
        return current;
    }

    /** unwrap_fcs: an undefined function f(x) becomes the symbol f_x. */
    private static MathExpr unwrapFunctions(MathExpr e) {
        return switch (e) {
            case Func f when f.undefined() -> {
                StringBuilder name = new StringBuilder(f.name());
                for (MathExpr a : f.args()) {
                    if (!(a instanceof Sym s)) yield e;
                    name.append('_').append(s.name());
                }
                yield new Sym(name.toString());
            }
            case Rel r -> new Rel(r.op(), unwrapFunctions(r.lhs()), unwrapFunctions(r.rhs()));
            case And a -> new And(a.rels().stream().map(r -> (Rel) unwrapFunctions(r)).toList());
            default -> e;
        };
    }

    /** The reals where x op c holds, for x a symbol or |symbol| on either side and c a number. */
    private static MathExpr relSet(Rel r) {
        boolean left = Values.freeSymbols(r.rhs()).isEmpty();
        MathExpr x = left ? r.lhs() : r.rhs(), c = left ? r.rhs() : r.lhs();
        Op op = left ? r.op() : r.op() == Op.NE ? Op.NE : r.op().inverse();
        if (!Values.freeSymbols(c).isEmpty() || !Double.isFinite(Values.approx(c))) return null;
        MathExpr neg = MathExpr.negate(c);
        if (x instanceof Sym) {
            return switch (op) {
                case EQ -> new FiniteSet(List.of(c));
                case LT -> new Interval(Const.NEG_INF, c, true, true);
                case LE -> new Interval(Const.NEG_INF, c, true, false);
                case GT -> new Interval(c, Const.INF, true, true);
                case GE -> new Interval(c, Const.INF, false, true);
                case NE -> new Union(List.of(new Interval(Const.NEG_INF, c, true, true), new Interval(c, Const.INF, true, true)));
            };
        }
        if (x instanceof Func f && f.name().equals("abs") && !f.undefined() && f.args().getFirst() instanceof Sym) {
            if (Values.approx(c) < 0) return op == Op.GT || op == Op.GE || op == Op.NE ? NamedSet.REALS : NamedSet.EMPTY;
            return switch (op) {
                case EQ -> new FiniteSet(List.of(neg, c));
                case LT -> new Interval(neg, c, true, true);
                case LE -> new Interval(neg, c, false, false);
                case GT -> new Union(List.of(new Interval(Const.NEG_INF, neg, true, true), new Interval(c, Const.INF, true, true)));
                case GE -> new Union(List.of(new Interval(Const.NEG_INF, neg, true, false), new Interval(c, Const.INF, false, true)));
                case NE -> null;
            };
        }
        return null;
    }

    // ---- sets ---------------------------------------------------------------------------------------

    private static boolean isSetOrTuple(MathExpr e) {
        return MathExpr.isSet(e) || e instanceof Tuple;
    }

    /** sympy_compare_sets. */
    private static boolean compareSets(MathExpr gold, MathExpr pred) {
        MathExpr a = isSetOrTuple(gold) ? gold : new FiniteSet(List.of(gold));
        MathExpr b = isSetOrTuple(pred) ? pred : new FiniteSet(List.of(pred));
        if (a instanceof Interval x && b instanceof Interval y) return compareInterval(x, y);
        if (structEq(a, b)) return true;
        if (MathExpr.isSet(a) && MathExpr.isSet(b) && SetValues.sameSet(a, b)) return true;
        if (isFiniteOrTuple(a) && isFiniteOrTuple(b)) return deepCompare(a, b);
        if (a instanceof Interval x && x.leftOpen() && x.rightOpen() && isFiniteOrTuple(b) && distinct(b).size() == 2) {
            return deepCompare(new Tuple(List.of(x.start(), x.end())), b);
        }
        if (b instanceof Interval y && y.leftOpen() && y.rightOpen() && isFiniteOrTuple(a) && distinct(a).size() == 2) {
            return deepCompare(a, new Tuple(List.of(y.start(), y.end())));
        }
        return false;
    }

    private static boolean isFiniteOrTuple(MathExpr e) {
        return e instanceof FiniteSet || e instanceof Tuple;
    }

    private static boolean compareInterval(Interval a, Interval b) {
        return a.leftOpen() == b.leftOpen() && a.rightOpen() == b.rightOpen() && exprEq(a.start(), b.start()) && exprEq(a.end(), b.end());
    }

    /** sympy_deep_compare_set_and_tuple: same size, then element by element in sympy's order. */
    private static boolean deepCompare(MathExpr gold, MathExpr pred) {
        List<MathExpr> g = distinct(gold), p = distinct(pred);
        if (g.size() != p.size()) return false;
        if (gold instanceof FiniteSet) return matchUnordered(g, p);
        if (pred instanceof FiniteSet ps) {                                   // gold is a Tuple: pred in written order
            if (ps.elements().size() != g.size()) throw Raise.INSTANCE;
            return matchOrdered(g, ps.elements());
        }
        return matchOrdered(g, p);
    }

    /** The elements of a FiniteSet without structural duplicates (sympy's FiniteSet), or a Tuple's elements. */
    private static List<MathExpr> distinct(MathExpr e) {
        if (e instanceof Tuple t) return t.elements();
        List<MathExpr> out = new ArrayList<>();
        for (MathExpr x : ((FiniteSet) e).elements()) {
            boolean dup = false;
            for (MathExpr y : out) dup |= structEq(x, y);
            if (!dup) out.add(x);
        }
        return out;
    }

    private static boolean matchOrdered(List<MathExpr> g, List<MathExpr> p) {
        for (int i = 0; i < g.size(); i++) if (!exprEq(g.get(i), p.get(i))) return false;
        return true;
    }

    /** Both sides sorted by value when all are numbers (sympy's default_sort_key of evalf), else a greedy matching. */
    private static boolean matchUnordered(List<MathExpr> g, List<MathExpr> p) {
        if (allNumeric(g) && allNumeric(p)) {
            Comparator<MathExpr> byValue = Comparator.comparingDouble(Values::approx);
            List<MathExpr> gs = new ArrayList<>(g), ps = new ArrayList<>(p);
            gs.sort(byValue);
            ps.sort(byValue);
            return matchOrdered(gs, ps);
        }
        boolean[] used = new boolean[p.size()];
        outer:
        for (MathExpr x : g) {
            for (int j = 0; j < p.size(); j++) {
                if (!used[j] && exprEq(x, p.get(j))) {
                    used[j] = true;
                    continue outer;
                }
            }
            return false;
        }
        return true;
    }

    private static boolean allNumeric(List<MathExpr> xs) {
        for (MathExpr x : xs) if (!Double.isFinite(Values.approx(x)) || !Values.freeSymbols(x).isEmpty()) return false;
        return true;
    }

    // ---- symbols and numbers ------------------------------------------------------------------------

    /** sympy_compare_symbols. */
    private static boolean compareSymbols(MathExpr gold, MathExpr pred) {
        if ((gold instanceof Sym g && g.name().equalsIgnoreCase("e") && pred == Const.E)
                || (pred instanceof Sym p && p.name().equalsIgnoreCase("e") && gold == Const.E)) {
            return true;
        }
        if (gold instanceof Sym g && pred instanceof Mul m) {
            String concat = concatSymbols(m);
            if (concat != null) return g.name().equalsIgnoreCase(concat);
        }
        if (pred instanceof Sym p && gold instanceof Mul m) {
            String concat = concatSymbols(m);
            if (concat != null) return p.name().equalsIgnoreCase(concat);
        }
        if (gold instanceof Sym g && pred instanceof Sym p) {
            String a = g.name().length() > 1 ? g.name().toLowerCase() : g.name();
            String b = p.name().length() > 1 ? p.name().toLowerCase() : p.name();
            return a.equals(b);
        }
        String g = str(gold), p = str(pred);
        return g != null && g.equals(p);
    }

    /** sympy's str() for the atoms compare_symbols meets ("6" for both Symbol('6') and Integer(6)); null for the rest. */
    private static String str(MathExpr e) {
        return switch (e) {
            case Sym s -> s.name();
            case Num n when !n.isFloat() -> n.value().toString();
            case Const c -> switch (c) {
                case PI -> "pi";
                case E -> "E";
                case INF -> "oo";
                case NEG_INF -> "-oo";
            };
            default -> null;
        };
    }

    private static String concatSymbols(Mul m) {
        StringBuilder sb = new StringBuilder();
        for (MathExpr f : m.factors()) {
            if (f == Const.E) sb.append('e');
            else if (f instanceof Sym s) sb.append(s.name());
            else return null;
        }
        return sb.toString();
    }

    private static boolean isAtomicNumber(MathExpr e, boolean floatOnly) {
        MathExpr v = e instanceof Percent p ? p.value() : e;
        if (v instanceof Num n) return !floatOnly || n.isFloat();
        return !floatOnly && (v == Const.INF || v == Const.NEG_INF);
    }

    /**
     * sympy_numeric_eq: with an atomic Number, round(6) of both when an atomic Float takes part, else
     * {@code doit(a) == doit(b)}; otherwise {@code (a - b).evalf(15, chop=True) == 0}.
     */
    private static boolean numericEq(MathExpr a, MathExpr b) {
        if (isAtomicNumber(a, false) || isAtomicNumber(b, false)) {
            if (isAtomicNumber(a, true) || isAtomicNumber(b, true)) {
                Values.Rounded x = Values.round(a, 6), y = Values.round(b, 6);
                return x != null && x.equals(y);
            }
            Values.V x = Values.eval(a), y = Values.eval(b);
            if (x.kind() != y.kind()) return false;
            return switch (x.kind()) {
                case EXACT -> x.q().compareTo(y.q()) == 0;
                case FLOAT -> x.d() == y.d();
                case REAL -> close(x.d(), y.d());
                case NONE -> false;
            };
        }
        return evalfZero(a, b);
    }

    /**
     * (a - b).evalf(15, chop=True) == 0: exact when no Float or irrational takes part; with Floats, their
     * binary values in exact arithmetic and a difference under 2^-56 of the size counts as zero (chop);
     * with irrationals, doubles within REL_TOL.
     */
    private static boolean evalfZero(MathExpr a, MathExpr b) {
        if (!numeric(a) || !numeric(b)) return false;
        BigRational ea = Values.exact(a), eb = Values.exact(b);
        if (ea != null && eb != null) return ea.compareTo(eb) == 0;
        BigRational x = Values.binaryExact(a), y = Values.binaryExact(b);
        if (x != null && y != null) {
            BigRational diff = x.subtract(y), scale = x.abs().compareTo(y.abs()) > 0 ? x.abs() : y.abs();
            BigRational tol = scale.multiply(BigRational.of(java.math.BigInteger.ONE, java.math.BigInteger.ONE.shiftLeft(56)));
            return diff != null && tol != null && diff.abs().compareTo(tol) <= 0;
        }
        double u = Values.approx(a), v = Values.approx(b);
        return close(u, v);
    }

    /**
     * simplify(a - b).is_zero: exact values compare exactly; with a Float (and nothing irrational), the
     * 53-bit results compare exactly, as sympy's Float arithmetic leaves a rounding residue; with
     * irrationals, doubles within REL_TOL; with free symbols, equality at sample points.
     */
    private static boolean symbolicEq(MathExpr a, MathExpr b) {
        if (!isExpression(a) || !isExpression(b)) return false;
        Set<String> syms = Values.freeSymbols(a);
        syms.addAll(Values.freeSymbols(b));
        if (syms.isEmpty()) {
            Values.V x = Values.eval(a), y = Values.eval(b);
            if (x.kind() == Values.Kind.EXACT && y.kind() == Values.Kind.EXACT) return x.q().compareTo(y.q()) == 0;
            if (x.kind() == Values.Kind.NONE || y.kind() == Values.Kind.NONE || !Double.isFinite(x.d()) || !Double.isFinite(y.d())) return false;
            if (x.kind() == Values.Kind.REAL || y.kind() == Values.Kind.REAL) return close(x.d(), y.d());
            return x.d() == y.d();
        }
        if (syms.size() > SAMPLES.length) return false;
        int used = 0;
        for (int k = 0; k < POINTS; k++) {
            Map<String, Double> env = point(syms, k);
            double u = Values.approx(a, env), v = Values.approx(b, env);
            boolean fu = Double.isFinite(u), fv = Double.isFinite(v);
            if (fu != fv) return false;
            if (!fu) continue;
            if (!close(u, v)) return false;
            used++;
        }
        return used >= 2;
    }

    /** A number: an expression without free symbols. */
    private static boolean numeric(MathExpr e) {
        return isExpression(e) && Values.freeSymbols(e).isEmpty();
    }

    /** Finite and equal within REL_TOL (relative, or absolute below 1). */
    static boolean close(double u, double v) {
        if (!Double.isFinite(u) || !Double.isFinite(v)) return false;
        return Math.abs(u - v) <= REL_TOL * Math.max(1.0, Math.max(Math.abs(u), Math.abs(v)));
    }

    private static boolean isExpression(MathExpr e) {
        return switch (e) {
            case Num n -> true;
            case Sym s -> true;
            case Const c -> true;
            case Add a -> a.terms().stream().allMatch(MathVerify::isExpression);
            case Mul m -> m.factors().stream().allMatch(MathVerify::isExpression);
            case MathExpr.Pow p -> isExpression(p.base()) && isExpression(p.exp());
            case Percent p -> isExpression(p.value());
            case Func f -> f.args().stream().allMatch(MathVerify::isExpression);
            default -> false;
        };
    }

    private static Map<String, Double> point(Set<String> syms, int k) {
        Map<String, Double> env = new HashMap<>();
        int i = 0;
        for (String s : syms) env.put(s, SAMPLES[i++][k]);
        return env;
    }

    // ---- structural equality (sympy's ==) -----------------------------------------------------------

    /** sympy's {@code a == b}: structural, with FiniteSet and And compared as sets. */
    static boolean structEq(MathExpr a, MathExpr b) {
        if (a instanceof FiniteSet x && b instanceof FiniteSet y) return sameElements(x.elements(), y.elements());
        if (a instanceof And x && b instanceof And y) return sameElements(List.copyOf(x.rels()), List.copyOf(y.rels()));
        if (a instanceof Union x && b instanceof Union y) return sameElements(x.sets(), y.sets());
        if (a.getClass() != b.getClass()) return false;
        if (a instanceof Num || a instanceof Sym || a instanceof Const || a instanceof NamedSet) return a.equals(b);
        if (a instanceof Func f && b instanceof Func g && (!f.name().equals(g.name()) || f.undefined() != g.undefined())) return false;
        if (a instanceof Rel r && b instanceof Rel s && r.op() != s.op()) return false;
        if (a instanceof Interval i && b instanceof Interval j && (i.leftOpen() != j.leftOpen() || i.rightOpen() != j.rightOpen())) return false;
        List<MathExpr> x = MathExpr.args(a), y = MathExpr.args(b);
        if (x.size() != y.size()) return false;
        for (int i = 0; i < x.size(); i++) if (!structEq(x.get(i), y.get(i))) return false;
        return true;
    }

    private static boolean sameElements(List<MathExpr> x, List<MathExpr> y) {
        for (MathExpr e : x) if (y.stream().noneMatch(f -> structEq(e, f))) return false;
        for (MathExpr f : y) if (x.stream().noneMatch(e -> structEq(e, f))) return false;
        return true;
    }
}
