package falconh1r.reward;

import falconh1r.reward.MathExpr.Const;
import falconh1r.reward.MathExpr.FiniteSet;
import falconh1r.reward.MathExpr.Interval;
import falconh1r.reward.MathExpr.NamedSet;
import falconh1r.reward.MathExpr.Union;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Equality of real sets with numeric ends (sympy's {@code a.symmetric_difference(b).is_empty} for
 * unions of intervals and points): each side becomes a sorted list of disjoint pieces, merged where
 * they overlap or touch, and the lists are compared end by end.
 */
final class SetValues {
    private SetValues() {}

    /** One interval; a point is [c, c]. */
    private record Piece(MathExpr lo, MathExpr hi, boolean loOpen, boolean hiOpen) {}

    /** True when both sets hold the same reals; false when they differ or have symbolic ends. */
    static boolean sameSet(MathExpr a, MathExpr b) {
        List<Piece> x = canonical(a), y = canonical(b);
        if (x == null || y == null || x.size() != y.size()) return false;
        for (int i = 0; i < x.size(); i++) {
            Piece p = x.get(i), q = y.get(i);
            if (p.loOpen != q.loOpen || p.hiOpen != q.hiOpen || cmp(p.lo, q.lo) != 0 || cmp(p.hi, q.hi) != 0) return false;
        }
        return true;
    }

    /** a ∩ b for sets with numeric ends, as an Interval, a Union of Intervals, a FiniteSet of points or EmptySet; null if not. */
    static MathExpr intersect(MathExpr a, MathExpr b) {
        List<Piece> x = canonical(a), y = canonical(b);
        if (x == null || y == null) return null;
        List<MathExpr> parts = new ArrayList<>();
        for (Piece p : x) {
            for (Piece q : y) {
                int lo = cmp(p.lo, q.lo), hi = cmp(p.hi, q.hi);
                MathExpr start = lo >= 0 ? p.lo : q.lo, end = hi <= 0 ? p.hi : q.hi;
                boolean loOpen = lo > 0 ? p.loOpen : lo < 0 ? q.loOpen : p.loOpen || q.loOpen;
                boolean hiOpen = hi < 0 ? p.hiOpen : hi > 0 ? q.hiOpen : p.hiOpen || q.hiOpen;
                int c = cmp(start, end);
                if (c > 0 || (c == 0 && (loOpen || hiOpen))) continue;
                parts.add(c == 0 ? new FiniteSet(List.of(start)) : new Interval(start, end, loOpen, hiOpen));
            }
        }
        if (parts.isEmpty()) return NamedSet.EMPTY;
        return parts.size() == 1 ? parts.getFirst() : new Union(parts);
    }

    private static List<Piece> canonical(MathExpr set) {
        List<Piece> pieces = new ArrayList<>();
        if (!collect(set, pieces)) return null;
        for (Piece p : pieces) if (cmp(p.lo, p.hi) == Integer.MIN_VALUE) return null;
        pieces.removeIf(p -> cmp(p.lo, p.hi) > 0 || (cmp(p.lo, p.hi) == 0 && (p.loOpen || p.hiOpen)));
        pieces.sort(Comparator.comparingDouble((Piece p) -> Values.approx(p.lo)).thenComparing(p -> p.loOpen));
        List<Piece> merged = new ArrayList<>();
        for (Piece p : pieces) {
            if (!merged.isEmpty()) {
                Piece last = merged.getLast();
                int c = cmp(p.lo, last.hi);
                if (c < 0 || (c == 0 && !(p.loOpen && last.hiOpen))) {
                    int h = cmp(p.hi, last.hi);
                    if (h > 0) merged.set(merged.size() - 1, new Piece(last.lo, p.hi, last.loOpen, p.hiOpen));
                    else if (h == 0) merged.set(merged.size() - 1, new Piece(last.lo, last.hi, last.loOpen, last.hiOpen && p.hiOpen));
                    continue;
                }
            }
            merged.add(p);
        }
        return merged;
    }

    private static boolean collect(MathExpr set, List<Piece> out) {
        switch (set) {
            case Interval i -> out.add(new Piece(i.start(), i.end(), i.leftOpen(), i.rightOpen()));
            case FiniteSet f -> {
                for (MathExpr e : f.elements()) {
                    if (MathExpr.isSet(e) || e instanceof MathExpr.Tuple) return false;
                    out.add(new Piece(e, e, false, false));
                }
            }
            case Union u -> {
                for (MathExpr s : u.sets()) if (!collect(s, out)) return false;
            }
            case NamedSet n -> {
                if (n == NamedSet.REALS) out.add(new Piece(Const.NEG_INF, Const.INF, true, true));
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Sign of a - b (exact when both are exact, else doubles within MathVerify.REL_TOL); MIN_VALUE if not numbers. */
    private static int cmp(MathExpr a, MathExpr b) {
        BigRational x = Values.exact(a), y = Values.exact(b);
        if (x != null && y != null) return Integer.signum(x.compareTo(y));
        if (!Values.freeSymbols(a).isEmpty() || !Values.freeSymbols(b).isEmpty()) return Integer.MIN_VALUE;
        double u = Values.approx(a), v = Values.approx(b);
        if (Double.isNaN(u) || Double.isNaN(v)) return Integer.MIN_VALUE;
        if (u == v || MathVerify.close(u, v)) return 0;
        return u < v ? -1 : 1;
    }
}
