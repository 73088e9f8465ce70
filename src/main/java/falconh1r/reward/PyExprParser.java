package falconh1r.reward;

import falconh1r.reward.MathExpr.Add;
import falconh1r.reward.MathExpr.Mul;
import falconh1r.reward.MathExpr.Num;
import falconh1r.reward.MathExpr.Pow;
import java.util.ArrayList;
import java.util.List;

/**
 * sympy's {@code parse_expr(text, evaluate=False)} for what Math-Verify's expression regex can
 * capture: numbers, + - * / ** and parentheses, with Python's precedence (** binds tighter than a
 * unary minus on its left and is right-associative). Anything else (×, ÷, "2 3", "2(3)") is a Python
 * syntax or type error, so null.
 */
final class PyExprParser {
    private final String s;
    private final WorkBudget budget;
    private int pos;
    private int depth;

    private PyExprParser(String s, WorkBudget budget) {
        this.s = s;
        this.budget = budget;
    }

    static MathExpr parse(String text, WorkBudget budget) {
        PyExprParser p = new PyExprParser(text, budget);
        try {
            MathExpr e = p.expr();
            p.skipSpace();
            return p.pos == p.s.length() ? e : null;
        } catch (LatexParser.Fail e) {
            return null;
        }
    }

    private MathExpr expr() {
        if (++depth > LatexParser.MAX_DEPTH) throw LatexParser.Fail.INSTANCE;
        List<MathExpr> terms = new ArrayList<>();
        add(terms, term());
        while (true) {
            budget.spend(1);
            skipSpace();
            if (peek('+')) {
                pos++;
                add(terms, term());
            } else if (peek('-')) {
                pos++;
                add(terms, MathExpr.product(Num.integer(-1), term()));
            } else {
                depth--;
                return terms.size() == 1 ? terms.getFirst() : new Add(terms);
            }
        }
    }

    /** Python's a + b builds Add(a, b), flattened as sympy does. */
    private static void add(List<MathExpr> terms, MathExpr t) {
        if (t instanceof Add a) terms.addAll(a.terms());
        else terms.add(t);
    }

    private MathExpr term() {
        List<MathExpr> factors = new ArrayList<>();
        factors.add(factor());
        while (true) {
            budget.spend(1);
            skipSpace();
            if (s.startsWith("//", pos)) throw LatexParser.Fail.INSTANCE;    // floor division: not a number here
            if (peek('*')) {
                pos++;
                MathExpr f = factor();
                if (f instanceof Mul m) factors.addAll(m.factors());
                else factors.add(f);
            } else if (peek('/')) {
                pos++;
                factors.add(new Pow(factor(), Num.integer(-1)));
            } else {
                return factors.size() == 1 ? factors.getFirst() : new Mul(factors);
            }
        }
    }

    private MathExpr factor() {
        skipSpace();
        if (peek('+')) {
            pos++;
            return factor();
        }
        if (peek('-')) {
            pos++;
            return new Mul(List.of(Num.integer(-1), factor()));
        }
        MathExpr base = atom();
        skipSpace();
        if (s.startsWith("**", pos)) {
            pos += 2;
            return new Pow(base, factor());
        }
        return base;
    }

    private MathExpr atom() {
        skipSpace();
        if (peek('(')) {
            pos++;
            MathExpr e = expr();
            skipSpace();
            if (!peek(')')) throw LatexParser.Fail.INSTANCE;
            pos++;
            return e;
        }
        int start = pos;
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
        boolean dot = pos < s.length() && s.charAt(pos) == '.';
        if (dot) {
            pos++;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
        }
        String number = s.substring(start, pos);
        if (number.isEmpty() || number.equals(".")) throw LatexParser.Fail.INSTANCE;
        if (pos < s.length() && (s.charAt(pos) == '.' || s.charAt(pos) == '(')) throw LatexParser.Fail.INSTANCE;
        if (dot) return LatexAtoms.floatNumber(number.endsWith(".") ? number + "0" : number);
        return LatexAtoms.parseNumber(number);
    }

    private boolean peek(char c) {
        return pos < s.length() && s.charAt(pos) == c;
    }

    private void skipSpace() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
    }
}
