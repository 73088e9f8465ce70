package falconh1r.reward;

import falconh1r.reward.LatexLexer.Kind;
import falconh1r.reward.LatexLexer.Token;
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
import falconh1r.reward.MathExpr.Pow;
import falconh1r.reward.MathExpr.Rel;
import falconh1r.reward.MathExpr.Sym;
import falconh1r.reward.MathExpr.Tuple;
import falconh1r.reward.MathExpr.Union;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * latex2sympy2_extended 1.10.2's {@code latex2sympy(latex, normalization_config=None)} for the subset
 * tier 2 supports: a backtracking recursive-descent reading of PS.g4 (where ANTLR picks the first
 * alternative that parses the whole input, so does this) with the conversions of {@code _Latex2Sympy}.
 * Unsupported constructs (matrices, integrals, sums, limits, derivatives, set differences) fail as a
 * Python parse error would, so the answer falls back to its string. Work is bounded: at most
 * {@link #MAX_TOKENS} tokens, {@link #MAX_DEPTH} nested rules and {@link #MAX_STEPS} rule entries.
 */
final class LatexParser {

    static final int MAX_TOKENS = 2_000;
    static final int MAX_DEPTH = 60;
    static final int MAX_STEPS = 50_000;
    /** Number literals longer than this fail to parse (hostile input; no answer has them). */
    static final int MAX_DIGITS = 1_000;

    /** Any parse failure; no stack trace, since backtracking throws it routinely. */
    static final class Fail extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Fail INSTANCE = new Fail();

        private Fail() {
            super(null, null, false, false);
        }
    }

    private static final Num MINUS_ONE = Num.integer(-1);
    private static final Pattern COMMA_NUMBER = Pattern.compile("^\\s*-?\\d{1,3}(,\\d{3})+(\\.\\d+)?\\s*$");

    private final List<Token> tokens;
    private final WorkBudget budget;
    private int pos;
    private int depth;
    private int steps;

    private LatexParser(List<Token> tokens, WorkBudget budget) {
        this.tokens = tokens;
        this.budget = budget;
    }

    /** The parsed expression, or null where latex2sympy raises (or the work bound is hit). */
    static MathExpr parse(String latex, WorkBudget budget) {
        try {
            if (COMMA_NUMBER.matcher(budget.view(latex)).matches()) return convertNumber(latex);
            budget.spend(latex.length());
            LatexParser p = new LatexParser(LatexLexer.tokenize(latex, MAX_TOKENS), budget);
            return p.math();
        } catch (Fail | ArithmeticException e) {
            return null;
        }
    }

    // ---- top level: math: (set_elements_relation | set_elements | set_relation) EOF ----------------

    private MathExpr math() {
        int start = pos;
        for (int alt = 0; alt < 3; alt++) {
            pos = start;
            try {
                MathExpr e = switch (alt) {
                    case 0 -> setElementsRelation();
                    case 1 -> toSetOrTuple(semicolonElements(true));
                    default -> setRelation();
                };
                if (peek() == Kind.EOF) return e;
            } catch (Fail f) {
                if (steps > MAX_STEPS) throw f;
            }
        }
        throw Fail.INSTANCE;
    }

    /** set_elements_relation: atom_expr_list (IN | ASSIGNMENT) semicolon_elements_no_relation. */
    private MathExpr setElementsRelation() {
        MathExpr lhs = atomExprList();
        Kind k = next().kind();
        if (k != Kind.IN && k != Kind.ASSIGNMENT) throw Fail.INSTANCE;
        return new Rel(Op.EQ, lhs, toSetOrTuple(semicolonElements(false)));
    }

    /** set_relation: atom_expr_list (IN | ASSIGNMENT) set_relation | minus_expr (SUBSET / SUPSET / NOTIN unsupported). */
    private MathExpr setRelation() {
        enter();
        try {
            int start = pos;
            try {
                MathExpr lhs = atomExprList();
                Kind k = next().kind();
                if (k == Kind.IN || k == Kind.ASSIGNMENT) return new Rel(Op.EQ, lhs, setRelation());
            } catch (Fail f) {
                if (steps > MAX_STEPS) throw f;
            }
            pos = start;
            return unionExpr();
        } finally {
            depth--;
        }
    }

    /** union_expr over set_group; Tuples become FiniteSets as convert_set_union does. */
    private MathExpr unionExpr() {
        List<MathExpr> sets = new ArrayList<>();
        sets.add(setGroup());
        while (peek() == Kind.UNION) {
            pos++;
            sets.add(setGroup());
        }
        if (peek() == Kind.INTERSECTION || peek() == Kind.SET_MINUS) throw Fail.INSTANCE;
        if (sets.size() == 1) return sets.getFirst();
        List<MathExpr> flat = new ArrayList<>();
        for (MathExpr s : sets) flat.add(s instanceof Tuple t ? new FiniteSet(t.elements()) : s);
        return new Union(flat);
    }

    /** set_group: '(' minus_expr ')' | set_atom. */
    private MathExpr setGroup() {
        enter();
        try {
            int start = pos;
            if (peek() == Kind.L_PAREN) {
                try {
                    pos++;
                    MathExpr inner = unionExpr();
                    expect(Kind.R_PAREN);
                    return inner;
                } catch (Fail f) {
                    if (steps > MAX_STEPS) throw f;
                    pos = start;
                }
            }
            return setAtom();
        } finally {
            depth--;
        }
    }

    /** semicolon_elements(_no_relation): comma_elements (';' comma_elements)*, each a list of converted elements. */
    private List<List<MathExpr>> semicolonElements(boolean relations) {
        List<List<MathExpr>> groups = new ArrayList<>();
        while (true) {
            List<MathExpr> group = new ArrayList<>();
            while (true) {
                group.addAll(element(relations));
                if (peek() != Kind.COMMA) break;
                pos++;
            }
            groups.add(group);
            if (peek() != Kind.SEMICOLON) return groups;
            pos++;
        }
    }

    /** element: plus_minus_expr | set_atom | relation (or expr for _no_relation), first that ends the element. */
    private List<MathExpr> element(boolean relations) {
        enter();
        try {
            int start = pos;
            for (int alt = 0; alt < 3; alt++) {
                pos = start;
                try {
                    List<MathExpr> e = switch (alt) {
                        case 0 -> plusMinus();
                        case 1 -> List.of(setAtom());
                        default -> List.of(relations ? relation() : expr());
                    };
                    Kind k = peek();
                    if (k == Kind.COMMA || k == Kind.SEMICOLON || k == Kind.EOF || isCloser(k)) return e;
                } catch (Fail f) {
                    if (steps > MAX_STEPS) throw f;
                }
            }
            throw Fail.INSTANCE;
        } finally {
            depth--;
        }
    }

    private static boolean isCloser(Kind k) {
        return k == Kind.R_PAREN || k == Kind.R_BRACKET || k == Kind.R_BRACE || k == Kind.R_BRACE_VISUAL
                || k == Kind.R_PAREN_VISUAL || k == Kind.R_BRACK || k == Kind.R_GROUP;
    }

    /** plus_minus_expr: expr PLUS_MINUS expr | PLUS_MINUS expr, as the two values of convert_element. */
    private List<MathExpr> plusMinus() {
        if (peek() == Kind.PLUS_MINUS) {
            pos++;
            MathExpr e = expr();
            return List.of(unaryMinus(e), e);
        }
        MathExpr left = expr();
        expect(Kind.PLUS_MINUS);
        MathExpr right = expr();
        return List.of(new Add(List.of(left, right)), new Add(List.of(left, unaryMinus(right))));
    }

    /** set_atom: interval | literal_set | ordered_tuple | finite_set. */
    private MathExpr setAtom() {
        enter();
        try {
            int start = pos;
            Kind k = peek();
            if (k == Kind.L_BRACKET || k == Kind.L_PAREN || k == Kind.L_PAREN_VISUAL || k == Kind.L_BRACK || k == Kind.L_GROUP) {
                try {
                    return interval();
                } catch (Fail f) {
                    if (steps > MAX_STEPS) throw f;
                    pos = start;
                }
            }
            switch (k) {
                case SET -> {
                    pos++;
                    if (!"reals".equals(tokens.get(start).name())) throw Fail.INSTANCE;
                    return NamedSet.REALS;
                }
                case SET_EMPTY -> {
                    pos++;
                    return NamedSet.EMPTY;
                }
                case L_BRACE -> {
                    if (peekAt(1) == Kind.R_BRACE) {
                        pos += 2;
                        return NamedSet.EMPTY;
                    }
                }
                default -> {}
            }
            if (k == Kind.L_PAREN || k == Kind.L_PAREN_VISUAL || k == Kind.L_BRACKET) {
                pos++;
                List<List<MathExpr>> el = semicolonElements(true);
                expect(k == Kind.L_PAREN ? Kind.R_PAREN : k == Kind.L_BRACKET ? Kind.R_BRACKET : Kind.R_PAREN_VISUAL);
                List<MathExpr> flat = flatten(el);
                return flat.size() == 1 ? flat.getFirst() : new Tuple(flat);
            }
            if (k == Kind.L_BRACE || k == Kind.L_BRACE_VISUAL) {
                pos++;
                List<List<MathExpr>> el = semicolonElements(true);
                expect(k == Kind.L_BRACE ? Kind.R_BRACE : Kind.R_BRACE_VISUAL);
                return new FiniteSet(flatten(el));
            }
            if (k == Kind.BOXED) {
                pos++;
                expect(Kind.L_BRACE);
                List<List<MathExpr>> el = semicolonElements(true);
                expect(Kind.R_BRACE);
                return toSetOrTuple(el);
            }
            throw Fail.INSTANCE;
        } finally {
            depth--;
        }
    }

    /** interval: open expr ',' expr close; an empty one (b <= a open, b < a closed) is a Tuple. */
    private MathExpr interval() {
        Kind open = next().kind();
        MathExpr a = expr();
        expect(Kind.COMMA);
        MathExpr b = expr();
        Kind close = next().kind();
        boolean leftOpen = open == Kind.L_PAREN || open == Kind.L_GROUP || open == Kind.L_PAREN_VISUAL;
        boolean rightOpen;
        switch (close) {
            case R_PAREN, R_GROUP, R_PAREN_VISUAL -> rightOpen = true;
            case R_BRACKET, R_BRACK -> rightOpen = false;
            default -> throw Fail.INSTANCE;
        }
        if (open == Kind.L_BRACK || open == Kind.L_BRACKET) leftOpen = false;
        int cmp = Values.compareNumeric(b, a);
        if (cmp != Integer.MIN_VALUE && ((leftOpen && rightOpen && cmp <= 0) || (!leftOpen && !rightOpen && cmp < 0))) {
            return new Tuple(List.of(a, b));
        }
        // sympy.Interval evaluates: empty when end < start, {a} for [a, a], open at infinite ends
        if (cmp != Integer.MIN_VALUE && cmp < 0) return NamedSet.EMPTY;
        if (cmp == 0) return leftOpen || rightOpen ? NamedSet.EMPTY : new FiniteSet(List.of(a));
        if (a == Const.NEG_INF) leftOpen = true;
        if (b == Const.INF) rightOpen = true;
        return new Interval(a, b, leftOpen, rightOpen);
    }

    /** convert_elements_to_set_or_tuple. */
    private static MathExpr toSetOrTuple(List<List<MathExpr>> el) {
        if (el.size() == 1) {
            List<MathExpr> only = el.getFirst();
            return only.size() == 1 ? only.getFirst() : new FiniteSet(only);
        }
        boolean allSingle = true;
        for (List<MathExpr> g : el) allSingle &= g.size() == 1;
        List<MathExpr> out = new ArrayList<>();
        for (List<MathExpr> g : el) out.add(allSingle ? g.getFirst() : new Tuple(g));
        return new FiniteSet(out);
    }

    private static List<MathExpr> flatten(List<List<MathExpr>> el) {
        List<MathExpr> out = new ArrayList<>();
        for (List<MathExpr> g : el) out.addAll(g);
        return out;
    }

    // ---- relations ----------------------------------------------------------------------------------

    /** relation: relation op relation | expr, left-associative, with convert_relation's chaining into And. */
    private MathExpr relation() {
        MathExpr lhs = expr();
        while (true) {
            Op op;
            switch (peek()) {
                case ASSIGNMENT, EQUAL -> op = Op.EQ;
                case LT -> op = Op.LT;
                case LTE -> op = Op.LE;
                case GT -> op = Op.GT;
                case GTE -> op = Op.GE;
                case UNEQUAL -> op = Op.NE;
                case APPROX -> op = null;
                default -> {
                    return lhs;
                }
            }
            pos++;
            MathExpr rhs = expr();
            if (op == null) {
                if (Values.isOnlySymbols(lhs)) lhs = rhs;
                continue;
            }
            if (lhs instanceof And a) {
                List<Rel> rels = new ArrayList<>(a.rels());
                rels.add(new Rel(op, rels.getLast().rhs(), rhs));
                lhs = new And(rels);
            } else if (lhs instanceof Rel r) {
                lhs = new And(List.of(r, new Rel(op, r.rhs(), rhs)));
            } else {
                lhs = new Rel(op, lhs, rhs);
            }
        }
    }

    // ---- expressions --------------------------------------------------------------------------------

    /** expr: additive (ADD / SUB, left-associative; convert_add). */
    private MathExpr expr() {
        enter();
        try {
            MathExpr lhs = mp(true);
            while (peek() == Kind.ADD || peek() == Kind.SUB) {
                boolean sub = next().kind() == Kind.SUB;
                MathExpr rhs = mp(true);
                if (sub) rhs = isNumber(rhs) ? unaryMinus(rhs) : mulFlat(MINUS_ONE, rhs);
                lhs = addFlat(lhs, rhs);
            }
            return lhs;
        } finally {
            depth--;
        }
    }

    /** mp / mp_nofunc: unary ((MUL | \times | \cdot | DIV | \div | ':') unary)*, left-associative; convert_mp. */
    private MathExpr mp(boolean funcs) {
        MathExpr lhs = unary(funcs);
        while (true) {
            Kind k = peek();
            if (k == Kind.MUL || k == Kind.CMD_TIMES || k == Kind.CMD_CDOT) {
                pos++;
                lhs = mulFlat(lhs, unary(funcs));
            } else if (k == Kind.DIV || k == Kind.CMD_DIV || k == Kind.COLON) {
                pos++;
                MathExpr rhs = unary(funcs);
                lhs = divide(lhs, rhs);
            } else {
                return lhs;
            }
        }
    }

    /** Integer / Integer is a Rational; anything else is Mul(lhs, Pow(rhs, -1)). */
    private static MathExpr divide(MathExpr lhs, MathExpr rhs) {
        if (lhs instanceof Num a && rhs instanceof Num b && !a.isFloat() && !b.isFloat() && a.value().isInteger() && b.value().isInteger()) {
            if (b.value().signum() == 0) throw Fail.INSTANCE;   // sympy's zoo
            return new Num(a.value().divide(b.value()), false);
        }
        return new Mul(List.of(lhs, new Pow(rhs, MINUS_ONE)));
    }

    /** unary: (ADD | SUB) unary | postfix+ (implicit multiplication, right-nested, with mixed fractions). */
    private MathExpr unary(boolean funcs) {
        enter();
        try {
            Kind k = peek();
            if (k == Kind.ADD) {
                pos++;
                return unary(funcs);
            }
            if (k == Kind.SUB) {
                pos++;
                return unaryMinus(unary(funcs));
            }
            List<MathExpr> items = new ArrayList<>();
            items.add(postfix(true));
            while (startsPostfix(peek())) {
                int save = pos;
                try {
                    items.add(postfix(funcs));
                } catch (Fail f) {
                    if (steps > MAX_STEPS) throw f;
                    pos = save;
                    break;
                }
            }
            MathExpr res = items.getLast();
            for (int i = items.size() - 2; i >= 0; i--) res = implicitTimes(items.get(i), res);
            return res;
        } finally {
            depth--;
        }
    }

    private boolean startsPostfix(Kind k) {
        return switch (k) {
            case L_PAREN, L_GROUP, L_BRACE, L_BRACKET, L_BRACE_VISUAL, L_BRACE_CMD, L_BRACK, PHANTOM, BOXED, BAR, L_VERT, VERT,
                 L_FLOOR, L_CEIL, FUNC, FUNC_SQRT, EXP_E, MATRIX_START, ARRAY_START, LETTER, GREEK, OTHER_SYMBOL, ACCENT, SYMBOL, NUMBER, PERCENT_NUMBER,
                 E_NOTATION, E_NOTATION_E, DIFFERENTIAL, CMD_FRAC, CMD_BINOM -> true;
            default -> false;
        };
    }

    /** convert_postfix_list's product: Integer followed by a positive Rational is a mixed number (2 1/2 = 5/2). */
    private static MathExpr implicitTimes(MathExpr res, MathExpr rh) {
        if (res instanceof Num a && !a.isFloat() && a.value().isInteger() && rh instanceof Num b && !b.isFloat() && b.value().signum() > 0) {
            BigRational r = b.value();
            BigInteger p = r.num(), q = r.den(), n = a.value().num();
            BigInteger v = n.signum() < 0 ? n.multiply(q).subtract(p) : n.multiply(q).add(p);
            return new Num(BigRational.of(v, q), false);
        }
        return mulFlat(res, rh);
    }

    /** postfix / postfix_nofunc: exp (BANG | degree)*; a degree is dropped (convert_degrees=False). */
    private MathExpr postfix(boolean funcs) {
        MathExpr e = exp(funcs);
        while (true) {
            Kind k = peek();
            if (k == Kind.BANG) {
                pos++;
                e = new Func("factorial", List.of(e), false);
            } else if (k == Kind.DEGREE) {
                pos++;
            } else {
                return e;
            }
        }
    }

    /** exp: comp ('^' (atom | '{' expr '}') subexpr?)*, left-associative. */
    private MathExpr exp(boolean funcs) {
        MathExpr base = comp(funcs);
        while (peek() == Kind.CARET) {
            pos++;
            MathExpr exponent = supArgument();
            if (peek() == Kind.UNDERSCORE) subexprText();
            base = new Pow(base, exponent);
        }
        return base;
    }

    /** The argument of '^': an atom or '{' expr '}'. */
    private MathExpr supArgument() {
        if (peek() == Kind.L_BRACE) {
            pos++;
            MathExpr e = expr();
            expect(Kind.R_BRACE);
            return e;
        }
        return atom();
    }

    /** comp (comp_nofunc without funcs): group | formatting_group | abs_group | floor / ceil | func | atom | frac | binom. */
    private MathExpr comp(boolean funcs) {
        enter();
        try {
            Token t = tokens.get(pos);
            if (!funcs && (t.kind() == Kind.FUNC || t.kind() == Kind.FUNC_SQRT || t.kind() == Kind.EXP_E)) throw Fail.INSTANCE;
            switch (t.kind()) {
                case L_PAREN -> {
                    return group(Kind.R_PAREN);
                }
                case L_BRACE -> {
                    return group(Kind.R_BRACE);
                }
                case L_BRACKET -> {
                    return group(Kind.R_BRACKET);
                }
                case L_BRACE_VISUAL -> {
                    return group(Kind.R_BRACE_VISUAL);
                }
                case L_BRACE_CMD -> {
                    return group(Kind.R_BRACE_CMD);
                }
                case L_BRACK -> {
                    return group(Kind.R_BRACK);
                }
                case L_GROUP -> {
                    return group(Kind.R_GROUP);
                }
                case PHANTOM, BOXED -> {
                    pos++;
                    expect(Kind.L_BRACE);
                    MathExpr e = expr();
                    expect(Kind.R_BRACE);
                    return e;
                }
                case BAR, VERT -> {
                    pos++;
                    MathExpr e = expr();
                    expect(t.kind());
                    return new Func("abs", List.of(e), false);
                }
                case L_VERT -> {
                    pos++;
                    MathExpr e = expr();
                    expect(Kind.R_VERT);
                    return new Func("abs", List.of(e), false);
                }
                case L_FLOOR, L_CEIL -> {
                    pos++;
                    MathExpr e = expr();
                    expect(t.kind() == Kind.L_FLOOR ? Kind.R_FLOOR : Kind.R_CEIL);
                    return new Func(t.kind() == Kind.L_FLOOR ? "floor" : "ceiling", List.of(e), false);
                }
                case CMD_FRAC -> {
                    pos++;
                    MathExpr top = braced();
                    MathExpr bottom = braced();
                    return divide(top, bottom);
                }
                case CMD_BINOM -> {
                    pos++;
                    MathExpr n = braced();
                    MathExpr k = braced();
                    return Values.binomial(n, k);
                }
                case FUNC -> {
                    return namedFunction();
                }
                case MATRIX_START, ARRAY_START -> {
                    return matrix(t.kind() == Kind.MATRIX_START ? Kind.MATRIX_END : Kind.ARRAY_END);
                }
                case FUNC_SQRT -> {
                    pos++;
                    MathExpr root = null;
                    if (peek() == Kind.L_BRACKET) {
                        pos++;
                        root = expr();
                        expect(Kind.R_BRACKET);
                    }
                    MathExpr base = braced();
                    if (root == null) return new Pow(base, new Num(new BigRational(BigInteger.ONE, BigInteger.TWO), false));
                    if (root instanceof Num r && !r.isFloat() && r.value().signum() != 0) return new Pow(base, new Num(BigRational.ONE.divide(r.value()), false));
                    return new Pow(base, new Pow(root, MINUS_ONE));
                }
                case EXP_E -> {
                    pos++;
                    if (peek() == Kind.CARET) {
                        pos++;
                        return new Func("exp", List.of(supArgument()), false);
                    }
                    return Const.E;
                }
                case LETTER, GREEK, OTHER_SYMBOL, ACCENT -> {
                    int start = pos;
                    if (!funcs) return atom();
                    try {
                        return undefinedFunction();
                    } catch (Fail f) {
                        if (steps > MAX_STEPS) throw f;
                        pos = start;
                        return atom();
                    }
                }
                default -> {
                    return atom();
                }
            }
        } finally {
            depth--;
        }
    }

    /** matrix: rows of '&'-separated exprs, separated by '\\\\' (a trailing one allowed); rows of one length. */
    private MathExpr matrix(Kind end) {
        pos++;
        List<MathExpr> entries = new ArrayList<>();
        int rows = 0, cols = -1;
        while (true) {
            int n = 0;
            while (true) {
                entries.add(expr());
                n++;
                if (peek() != Kind.AMPERSAND) break;
                pos++;
            }
            if (cols >= 0 && n != cols) throw Fail.INSTANCE;
            cols = n;
            rows++;
            if (peek() == Kind.ROW_SEP) {
                pos++;
                if (peek() == end) break;
                continue;
            }
            break;
        }
        expect(end);
        return new MathExpr.Matrix(rows, cols, entries);
    }

    private MathExpr group(Kind close) {
        pos++;
        MathExpr e = expr();
        expect(close);
        return e;
    }

    private MathExpr braced() {
        expect(Kind.L_BRACE);
        MathExpr e = expr();
        expect(Kind.R_BRACE);
        return e;
    }

    /** func_normal_single_arg (subexpr / supexpr) ('(' expr ')' | mp_nofunc); convert_func's single-argument cases. */
    private MathExpr namedFunction() {
        String name = next().name();
        MathExpr sub = null, sup = null;
        for (int i = 0; i < 2; i++) {
            if (peek() == Kind.UNDERSCORE && sub == null) {
                pos++;
                sub = peek() == Kind.L_BRACE ? braced() : atom();
            } else if (peek() == Kind.CARET && sup == null) {
                pos++;
                sup = supArgument();
            }
        }
        MathExpr arg;
        int start = pos;
        if (peek() == Kind.L_PAREN) {
            try {
                pos++;
                arg = expr();
                expect(Kind.R_PAREN);
            } catch (Fail f) {
                if (steps > MAX_STEPS) throw f;
                pos = start;
                arg = mp(false);
            }
        } else {
            arg = mp(false);
        }
        if (name.equals("det")) throw Fail.INSTANCE;
        MathExpr e;
        if (name.equals("log") || name.equals("ln")) {
            MathExpr base = sub != null ? sub : name.equals("log") ? Num.integer(10) : Const.E;
            e = new Func("log", List.of(arg, base), false);
        } else if (name.equals("floor") || name.equals("ceil")) {
            e = new Func(name.equals("floor") ? "floor" : "ceiling", List.of(arg), false);
        } else {
            boolean inverse = sup instanceof Num n && !n.isFloat() && n.value().equals(BigRational.ONE.negate());
            String f = name.startsWith("arc") ? "a" + name.substring(3) : name.startsWith("ar") && !name.startsWith("arc") ? "a" + name.substring(2) : name;
            if (inverse && List.of("sin", "cos", "tan", "csc", "sec", "cot", "sinh", "cosh", "tanh").contains(f)) {
                f = "a" + f;
                sup = null;
            }
            e = new Func(f, List.of(arg), false);
        }
        return sup != null ? new Pow(e, sup) : e;
    }

    /** func: atom_expr_no_supexpr supexpr? '(' func_common_args ')' (an undefined function f(x)); args parsed alone. */
    private MathExpr undefinedFunction() {
        int start = pos;
        Token head = next();
        if (peek() == Kind.UNDERSCORE) subexprText();
        String name = text(start, pos);
        MathExpr sup = null;
        if (peek() == Kind.CARET) {
            pos++;
            sup = supArgument();
        }
        Kind open = peek();
        Kind close;
        boolean wrapped = false;
        if (open == Kind.L_PAREN) close = Kind.R_PAREN;
        else if (open == Kind.L_BRACKET) close = Kind.R_BRACKET;
        else if (open == Kind.L_BRACE && (peekAt(1) == Kind.L_PAREN || peekAt(1) == Kind.L_BRACKET)) {
            wrapped = true;
            pos++;
            open = peek();
            close = open == Kind.L_PAREN ? Kind.R_PAREN : Kind.R_BRACKET;
        } else {
            throw Fail.INSTANCE;
        }
        pos++;
        int argsStart = pos;
        // func_common_args: atom | expr ',' | expr ',' args
        int save = pos;
        List<MathExpr> args = new ArrayList<>();
        boolean single = false;
        try {
            atom();
            single = peek() == close;
        } catch (Fail f) {
            if (steps > MAX_STEPS) throw f;
        }
        pos = save;
        if (!single) {
            expr();
            if (peek() != Kind.COMMA) throw Fail.INSTANCE;
            while (peek() == Kind.COMMA) {
                pos++;
                if (peek() == close) break;
                expr();
            }
        } else {
            atom();
        }
        if (peek() != close) throw Fail.INSTANCE;
        int argsEnd = pos;
        pos++;
        if (wrapped) expect(Kind.R_BRACE);
        for (String a : PyStrings.split(text(argsStart, argsEnd), ",")) {
            if (a.isEmpty()) continue;
            MathExpr parsed = parse(a, budget);
            if (parsed == null) throw Fail.INSTANCE;
            args.add(parsed);
        }
        if (head.kind() == Kind.ACCENT || args.isEmpty()) throw Fail.INSTANCE;
        MathExpr f = new Func(name, args, true);
        return sup != null ? new Pow(f, sup) : f;
    }

    /** atom: atom_expr | SYMBOL | number_subexpr | PERCENT_NUMBER | E_NOTATION | E_NOTATION_E | DIFFERENTIAL. */
    private MathExpr atom() {
        Token t = next();
        switch (t.kind()) {
            case NUMBER -> {
                if (peek() == Kind.UNDERSCORE) subexprText();
                return parseNumber(t.text());
            }
            case PERCENT_NUMBER -> {
                String s = t.text().replace("\\%", "").replace("%", "").replace(",", "");
                return new Percent(parseNumber(LatexNormalizer.strip(s)));
            }
            case E_NOTATION -> {
                return floatNumber(t.text());
            }
            case E_NOTATION_E -> {
                return new Sym("e");
            }
            case DIFFERENTIAL -> {
                String v = LatexNormalizer.strip(t.text().substring(1));
                if (v.startsWith("\\")) v = v.substring(1);
                return new Sym("d" + v);
            }
            case SYMBOL -> {
                if (!"infty".equals(t.name())) throw Fail.INSTANCE;
                return Const.INF;
            }
            case LETTER, GREEK, OTHER_SYMBOL, ACCENT -> {
                return atomExpr(t);
            }
            default -> throw Fail.INSTANCE;
        }
    }

    /** atom_expr: a letter, Greek letter, other symbol or accent, with subscript and superscript (convert_atom_expr). */
    private MathExpr atomExpr(Token t) {
        String atomText = t.kind() == Kind.ACCENT ? accentText(t.text()) : t.text();
        String subscript = "";
        MathExpr sup = null;
        for (int i = 0; i < 2; i++) {
            if (peek() == Kind.UNDERSCORE && subscript.isEmpty()) {
                String s = subexprText();
                subscript = s.codePointCount(0, s.length()) > 1 ? "_{" + s + "}" : "_" + s;
            } else if (peek() == Kind.CARET && sup == null) {
                pos++;
                sup = supArgument();
            }
        }
        if (t.kind() == Kind.LETTER && atomText.equals("I")) return new Sym("I");   // sympy.I, sub- and superscript ignored
        MathExpr symbol = symbol(LatexNormalizer.strip(atomText) + subscript);
        return sup != null ? new Pow(symbol, sup) : symbol;
    }

    /** The symbol name of an ACCENT token ("\text{Evelyn}" is evelyn, "\bar{x}" is bar{x}). */
    private static String accentText(String token) {
        int brace = token.indexOf('{');
        String name = token.substring(1, brace);
        String text = token.substring(brace + 1, token.length() - 1).replace(" ", "");
        if (name.equals("bar") || name.equals("overline")) name = "bar";
        else if (name.equals("vec") || name.equals("overrightarrow")) name = "vec";
        else if (name.equals("tilde") || name.equals("widetilde")) name = "tilde";
        else if (name.contains("text") || name.contains("mbox")) {
            name = "";
            text = text.replace("(", "").replace(")", "");
        } else if (name.contains("math")) name = "math";
        return name.isEmpty() ? text : name + "{" + text + "}";
    }

    private static final Map<String, String> GREEK_NAMES = Map.ofEntries(
            Map.entry("α", "alpha"), Map.entry("β", "beta"), Map.entry("γ", "gamma"), Map.entry("Γ", "Gamma"), Map.entry("δ", "delta"),
            Map.entry("Δ", "Delta"), Map.entry("ε", "epsilon"), Map.entry("ϵ", "varepsilon"), Map.entry("ζ", "zeta"), Map.entry("η", "eta"),
            Map.entry("θ", "theta"), Map.entry("Θ", "Theta"), Map.entry("ϑ", "vartheta"), Map.entry("ι", "iota"), Map.entry("κ", "kappa"),
            Map.entry("λ", "lambda"), Map.entry("Λ", "Lambda"), Map.entry("μ", "mu"), Map.entry("ν", "nu"), Map.entry("ξ", "xi"),
            Map.entry("Ξ", "Xi"), Map.entry("ο", "omicron"), Map.entry("π", "pi"), Map.entry("Π", "Pi"), Map.entry("ϖ", "varpi"),
            Map.entry("ρ", "rho"), Map.entry("ϱ", "varrho"), Map.entry("σ", "sigma"), Map.entry("Σ", "Sigma"), Map.entry("ς", "varsigma"),
            Map.entry("τ", "tau"), Map.entry("υ", "upsilon"), Map.entry("Υ", "Upsilon"), Map.entry("φ", "phi"), Map.entry("Φ", "Phi"),
            Map.entry("ϕ", "varphi"), Map.entry("χ", "chi"), Map.entry("ψ", "psi"), Map.entry("Ψ", "Psi"), Map.entry("ω", "omega"),
            Map.entry("Ω", "Omega"));

    /** symbols.get_symbol(text, lowercase_symbols=True): Greek names, no leading backslash, lowercased, pi is sympy's pi. */
    static MathExpr symbol(String text) {
        String letter = GREEK_NAMES.getOrDefault(text.replace("\"", ""), text);
        if (letter.startsWith("\\")) letter = letter.substring(1);
        letter = letter.toLowerCase(Locale.ROOT);
        return letter.equals("pi") ? Const.PI : new Sym(letter);
    }

    /** subexpr: '_' (atom | '{' (expr | args) '}'); returns the subscript's text as ANTLR's getText gives it. */
    private String subexprText() {
        expect(Kind.UNDERSCORE);
        int start = pos;
        if (peek() == Kind.L_BRACE) {
            pos++;
            int inner = pos;
            expr();
            while (peek() == Kind.COMMA) {
                pos++;
                expr();
            }
            int end = pos;
            expect(Kind.R_BRACE);
            return text(inner, end);
        }
        atom();
        return text(start, pos);
    }

    /** atom_expr_list: '(' atom_expr (',' atom_expr)* ')' | atom_expr. */
    private MathExpr atomExprList() {
        if (peek() == Kind.L_PAREN) {
            pos++;
            List<MathExpr> items = new ArrayList<>();
            while (true) {
                items.add(atomExprToken());
                if (peek() == Kind.COMMA) {
                    pos++;
                    continue;
                }
                expect(Kind.R_PAREN);
                return items.size() == 1 ? items.getFirst() : new Tuple(items);
            }
        }
        return atomExprToken();
    }

    private MathExpr atomExprToken() {
        Token t = next();
        if (t.kind() != Kind.LETTER && t.kind() != Kind.GREEK && t.kind() != Kind.OTHER_SYMBOL && t.kind() != Kind.ACCENT) throw Fail.INSTANCE;
        return atomExpr(t);
    }

    // ---- numbers and helpers -----------------------------------------------------------------------

    /** parse_number: commas dropped, leading zeros of an all-digit literal dropped, sympy.Number. */
    static Num parseNumber(String text) {
        text = text.replace(",", "");
        boolean digits = !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
        if (digits) {
            if (text.length() > MAX_DIGITS) throw Fail.INSTANCE;
            return new Num(BigRational.of(new BigInteger(text)), false);
        }
        return floatNumber(text);
    }

    /** sympy.Number of a literal with a '.' or an exponent: a Float with the literal's exact value. */
    static Num floatNumber(String text) {
        if (text.length() > MAX_DIGITS) throw Fail.INSTANCE;
        BigRational v;
        try {
            java.math.BigDecimal d = new java.math.BigDecimal(text);
            if (Math.abs((long) d.scale()) > MAX_DIGITS) throw Fail.INSTANCE;
            v = BigRational.of(d);
        } catch (NumberFormatException e) {
            throw Fail.INSTANCE;
        }
        if (v == null) throw Fail.INSTANCE;
        return new Num(v, true);
    }

    /** convert_number for the "1,234" form: digits without the commas ("0,111" is 0.111). */
    private static Num convertNumber(String number) {
        if (number.contains(",") && number.startsWith("0")) number = number.replace(",", ".");
        String integer = number.replace(",", "").replace(" ", "").strip();
        int k = 0;
        while (k < integer.length() && integer.charAt(k) == '0') k++;
        integer = integer.substring(k);
        if (integer.isEmpty()) integer = "0";
        if (integer.contains(".")) return floatNumber(integer);
        if (integer.length() > MAX_DIGITS) throw Fail.INSTANCE;
        return new Num(BigRational.of(new BigInteger(integer)), false);
    }

    /** sympy's {@code expr.func.is_Number}: a number atom, oo or -oo. */
    static boolean isNumber(MathExpr e) {
        return e instanceof Num || e == Const.INF || e == Const.NEG_INF;
    }

    /** as_unary_minus / convert_unary's SUB: numbers are negated, anything else is Mul(-1, x). */
    static MathExpr unaryMinus(MathExpr e) {
        if (e instanceof Num n) return new Num(n.value().negate(), n.isFloat());
        if (e == Const.INF) return Const.NEG_INF;
        if (e == Const.NEG_INF) return Const.INF;
        return mulFlat(MINUS_ONE, e);
    }

    static MathExpr addFlat(MathExpr a, MathExpr b) {
        List<MathExpr> terms = new ArrayList<>();
        if (a instanceof Add x) terms.addAll(x.terms());
        else terms.add(a);
        if (b instanceof Add y) terms.addAll(y.terms());
        else terms.add(b);
        return new Add(terms);
    }

    static MathExpr mulFlat(MathExpr a, MathExpr b) {
        List<MathExpr> factors = new ArrayList<>();
        if (a instanceof Mul x) factors.addAll(x.factors());
        else factors.add(a);
        if (b instanceof Mul y) factors.addAll(y.factors());
        else factors.add(b);
        return new Mul(factors);
    }

    private String text(int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) sb.append(tokens.get(i).text());
        return sb.toString();
    }

    private void enter() {
        budget.spend(1);
        if (++depth > MAX_DEPTH || ++steps > MAX_STEPS) {
            depth--;
            throw Fail.INSTANCE;
        }
    }

    private Kind peek() {
        return tokens.get(pos).kind();
    }

    private Kind peekAt(int k) {
        return pos + k < tokens.size() ? tokens.get(pos + k).kind() : Kind.EOF;
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (t.kind() == Kind.EOF) throw Fail.INSTANCE;
        pos++;
        return t;
    }

    private void expect(Kind k) {
        if (next().kind() != k) throw Fail.INSTANCE;
    }
}
