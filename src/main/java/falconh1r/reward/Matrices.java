package falconh1r.reward;

import falconh1r.reward.MathExpr.Add;
import falconh1r.reward.MathExpr.Matrix;
import falconh1r.reward.MathExpr.Mul;
import java.util.ArrayList;
import java.util.List;

/**
 * doit() of sympy matrix expressions latex2sympy builds: sums (MatAdd), products (MatMul, including
 * scalar multiples) of explicit matrices, entry by entry, as unevaluated scalar expressions.
 */
final class Matrices {
    private Matrices() {}

    /** The explicit matrix {@code e} evaluates to, or null when it is no matrix expression (or shapes clash). */
    static Matrix value(MathExpr e) {
        return switch (e) {
            case Matrix m -> m;
            case Add a -> sum(a.terms());
            case Mul m -> product(m.factors());
            default -> null;
        };
    }

    private static Matrix sum(List<MathExpr> terms) {
        Matrix acc = null;
        for (MathExpr t : terms) {
            Matrix m = value(t);
            if (m == null || (acc != null && (acc.rows() != m.rows() || acc.cols() != m.cols()))) return null;
            if (acc == null) {
                acc = m;
                continue;
            }
            List<MathExpr> entries = new ArrayList<>();
            for (int i = 0; i < m.entries().size(); i++) entries.add(MathExpr.sum(acc.entries().get(i), m.entries().get(i)));
            acc = new Matrix(m.rows(), m.cols(), entries);
        }
        return acc;
    }

    private static Matrix product(List<MathExpr> factors) {
        Matrix acc = null;
        List<MathExpr> scalars = new ArrayList<>();
        for (MathExpr f : factors) {
            Matrix m = value(f);
            if (m == null) {
                if (containsMatrix(f)) return null;
                scalars.add(f);
                continue;
            }
            if (acc == null) {
                acc = m;
                continue;
            }
            if (acc.cols() != m.rows()) return null;
            List<MathExpr> entries = new ArrayList<>();
            for (int i = 0; i < acc.rows(); i++) {
                for (int j = 0; j < m.cols(); j++) {
                    List<MathExpr> terms = new ArrayList<>();
                    for (int k = 0; k < acc.cols(); k++) {
                        terms.add(new Mul(List.of(acc.entries().get(i * acc.cols() + k), m.entries().get(k * m.cols() + j))));
                    }
                    entries.add(terms.size() == 1 ? terms.getFirst() : new Add(terms));
                }
            }
            acc = new Matrix(acc.rows(), m.cols(), entries);
        }
        if (acc == null || scalars.isEmpty()) return acc;
        List<MathExpr> entries = new ArrayList<>();
        for (MathExpr x : acc.entries()) {
            List<MathExpr> f = new ArrayList<>(scalars);
            f.add(x);
            entries.add(new Mul(f));
        }
        return new Matrix(acc.rows(), acc.cols(), entries);
    }

    static boolean containsMatrix(MathExpr e) {
        if (e instanceof Matrix) return true;
        for (MathExpr a : MathExpr.args(e)) if (containsMatrix(a)) return true;
        return false;
    }
}
