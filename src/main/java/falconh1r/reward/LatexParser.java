package falconh1r.reward;

import static falconh1r.reward.MathExpr.MINUS_ONE;

import falconh1r.reward.LatexLexer.Kind;
import falconh1r.reward.LatexLexer.Token;
import falconh1r.reward.MathExpr.Add;
import falconh1r.reward.MathExpr.And;
import falconh1r.reward.MathExpr.Const;
import falconh1r.reward.MathExpr.FiniteSet;
import falconh1r.reward.MathExpr.Func;
import falconh1r.reward.MathExpr.Interval;
import falconh1r.reward.MathExpr.Matrix;
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
import java.util.Map;
import java.util.function.Supplier;

/**
 * latex2sympy2_extended 1.10.2's {@code latex2sympy(latex, normalization_config=None)} for the subset
 * tier 2 supports: a backtracking recursive-descent reading of its ANTLR grammar PS.g4 (where ANTLR
 * takes the first alternative that parses the whole input, so does this) building what
 * {@code _Latex2Sympy}'s convert_* methods build. Unsupported constructs (integrals, sums, limits,
 * derivatives, set differences) fail as a Python parse error does, so the answer falls back to its
 * string. Work is bounded: at most {@link #MAX_TOKENS} tokens, {@link #MAX_DEPTH} nested rules and
 * {@link #MAX_STEPS} rule entries, each also spent from the caller's {@link WorkBudget}.
 */
final class LatexParser {

    static final int MAX_TOKENS = 2_000;
    static final int MAX_DEPTH = 60;
    static final int MAX_STEPS = 50_000;

    /** Any parse failure; no stack trace, since backtracking throws it routinely. */
    static final class Fail extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Fail INSTANCE = new Fail();

        private Fail() {
            super(null, null, false, false);
        }
    }

    private final List<Token> tokens;
    private final WorkBudget budget;
    private int pos;
    private int depth;
    private int steps;

    private LatexParser(List<Token> tokens, WorkBudget budget) {
        this.tokens = tokens;
        this.budget = budget;
    }

    /** The parsed expression, or null where latex2sympy raises (or a bound is hit). */
    static MathExpr parse(String latex, WorkBudget budget) {
        try {
            if (LatexAtoms.COMMA_NUMBER.matcher(budget.view(latex)).matches()) return LatexAtoms.convertNumber(latex);
            budget.spend(latex.length());
            return new LatexParser(LatexLexer.tokenize(latex, MAX_TOKENS), budget).math();
        } catch (Fail | ArithmeticException e) {
            return null;
        }
    }

    // ---- sets, elements, relations --------------------------------------------------------------------

    /** math: (set_elements_relation | set_elements | set_relation) EOF. */
    private MathExpr math() {
        for (Supplier<MathExpr> alt : List.<Supplier<MathExpr>>of(this::setElementsRelation,
                () -> toSetOrTuple(semicolonElements(true)), this::setRelation)) {
            MathExpr e = attempt(() -> {
                MathExpr x = alt.get();
                if (peek() != Kind.EOF) throw Fail.INSTANCE;
                return x;
            });
            if (e != null) return e;
        }
        throw Fail.INSTANCE;
    }

    /** set_elements_relation: atom_expr_list (IN | ASSIGNMENT) semicolon_elements_no_relation, as Eq(lhs, elements). */
    private MathExpr setElementsRelation() {
        MathExpr lhs = atomExprList();
        Kind k = next().kind();
        if (k != Kind.IN && k != Kind.ASSIGNMENT) throw Fail.INSTANCE;
        return new Rel(Op.EQ, lhs, toSetOrTuple(semicolonElements(false)));
    }

    /** set_relation: atom_expr_list (IN | ASSIGNMENT) set_relation | union_expr (⊆, ⊇, ∉, ∩, \setminus unsupported). */
    private MathExpr setRelation() {
        return rule(() -> {
            MathExpr rel = attempt(() -> {
                MathExpr lhs = atomExprList();
                Kind k = next().kind();
                if (k != Kind.IN && k != Kind.ASSIGNMENT) throw Fail.INSTANCE;
                return new Rel(Op.EQ, lhs, setRelation());
            });
            return rel != null ? rel : unionExpr();
        });
    }

    /** union_expr over set_group: Union, Tuples made FiniteSets as convert_set_union does. */
    private MathExpr unionExpr() {
        List<MathExpr> sets = new ArrayList<>();
        sets.add(setGroup());
        while (accept(Kind.UNION)) sets.add(setGroup());
        if (peek() == Kind.INTERSECTION || peek() == Kind.SET_MINUS) throw Fail.INSTANCE;
        if (sets.size() == 1) return sets.getFirst();
        return new Union(sets.stream().map(s -> s instanceof Tuple t ? (MathExpr) new FiniteSet(t.elements()) : s).toList());
    }

    /** set_group: '(' union_expr ')' | set_atom. */
    private MathExpr setGroup() {
        return rule(() -> {
            MathExpr inner = peek() != Kind.L_PAREN ? null : attempt(() -> {
                pos++;
                MathExpr e = unionExpr();
                expect(Kind.R_PAREN);
                return e;
            });
            return inner != null ? inner : setAtom();
        });
    }

    /** semicolon_elements(_no_relation): comma_elements (';' comma_elements)*, each a list of converted elements. */
    private List<List<MathExpr>> semicolonElements(boolean relations) {
        List<List<MathExpr>> groups = new ArrayList<>();
        do {
            List<MathExpr> group = new ArrayList<>();
            do group.addAll(element(relations));
            while (accept(Kind.COMMA));
            groups.add(group);
        } while (accept(Kind.SEMICOLON));
        return groups;
    }

    /** element: plus_minus_expr | set_atom | relation (expr for _no_relation): the first alternative that ends the element. */
    private List<MathExpr> element(boolean relations) {
        return rule(() -> {
            for (Supplier<List<MathExpr>> alt : List.<Supplier<List<MathExpr>>>of(this::plusMinus,
                    () -> List.of(setAtom()), () -> List.of(relations ? relation() : expr()))) {
                List<MathExpr> e = attempt(() -> {
                    List<MathExpr> x = alt.get();
                    Kind k = peek();
                    if (k != Kind.COMMA && k != Kind.SEMICOLON && k != Kind.EOF && !isCloser(k)) throw Fail.INSTANCE;
                    return x;
                });
                if (e != null) return e;
            }
            throw Fail.INSTANCE;
        });
    }

    private static boolean isCloser(Kind k) {
        return k == Kind.R_PAREN || k == Kind.R_BRACKET || k == Kind.R_BRACE || k == Kind.R_BRACE_VISUAL
                || k == Kind.R_PAREN_VISUAL || k == Kind.R_BRACK || k == Kind.R_GROUP;
    }

    /** plus_minus_expr: expr ± expr | ± expr, as the two values of convert_element. */
    private List<MathExpr> plusMinus() {
        if (accept(Kind.PLUS_MINUS)) {
            MathExpr e = expr();
            return List.of(MathExpr.negate(e), e);
        }
        MathExpr left = expr();
        expect(Kind.PLUS_MINUS);
        MathExpr right = expr();
        return List.of(new Add(List.of(left, right)), new Add(List.of(left, MathExpr.negate(right))));
    }

    /** set_atom: interval | literal_set | ordered_tuple | finite_set. */
    private MathExpr setAtom() {
        return rule(() -> {
            Kind k = peek();
            if (k == Kind.L_BRACKET || k == Kind.L_PAREN || k == Kind.L_PAREN_VISUAL || k == Kind.L_BRACK || k == Kind.L_GROUP) {
                MathExpr i = attempt(this::interval);
                if (i != null) return i;
            }
            switch (k) {
                case SET -> {
                    if (!"reals".equals(next().name())) throw Fail.INSTANCE;
                    return NamedSet.REALS;
                }
                case SET_EMPTY -> {
                    pos++;
                    return NamedSet.EMPTY;
                }
                case L_PAREN, L_PAREN_VISUAL, L_BRACKET -> {
                    pos++;
                    List<MathExpr> flat = flatten(semicolonElements(true));
                    expect(k == Kind.L_PAREN ? Kind.R_PAREN : k == Kind.L_BRACKET ? Kind.R_BRACKET : Kind.R_PAREN_VISUAL);
                    return flat.size() == 1 ? flat.getFirst() : new Tuple(flat);
                }
                case L_BRACE, L_BRACE_VISUAL -> {
                    pos++;
                    if (k == Kind.L_BRACE && accept(Kind.R_BRACE)) return NamedSet.EMPTY;
                    List<MathExpr> flat = flatten(semicolonElements(true));
                    expect(k == Kind.L_BRACE ? Kind.R_BRACE : Kind.R_BRACE_VISUAL);
                    return new FiniteSet(flat);
                }
                case BOXED -> {
                    pos++;
                    expect(Kind.L_BRACE);
                    MathExpr e = toSetOrTuple(semicolonElements(true));
                    expect(Kind.R_BRACE);
                    return e;
                }
                default -> throw Fail.INSTANCE;
            }
        });
    }

    /** interval: open expr ',' expr close, evaluated as convert_interval and sympy.Interval do. */
    private MathExpr interval() {
        Kind open = next().kind();
        MathExpr a = expr();
        expect(Kind.COMMA);
        MathExpr b = expr();
        Kind close = next().kind();
        boolean leftOpen = open == Kind.L_PAREN || open == Kind.L_GROUP || open == Kind.L_PAREN_VISUAL;
        boolean rightOpen = switch (close) {
            case R_PAREN, R_GROUP, R_PAREN_VISUAL -> true;
            case R_BRACKET, R_BRACK -> false;
            default -> throw Fail.INSTANCE;
        };
        int cmp = Values.compareNumeric(b, a);
        boolean comparable = cmp != Integer.MIN_VALUE;
        // an empty one (b <= a open, b < a closed) is a Tuple; else sympy.Interval: empty for b < a,
        // {a} for [a, a], open at infinite ends
        if (comparable && ((leftOpen && rightOpen && cmp <= 0) || (!leftOpen && !rightOpen && cmp < 0))) return new Tuple(List.of(a, b));
        if (comparable && cmp < 0) return NamedSet.EMPTY;
        if (cmp == 0) return leftOpen || rightOpen ? NamedSet.EMPTY : new FiniteSet(List.of(a));
        return new Interval(a, b, leftOpen || a == Const.NEG_INF, rightOpen || b == Const.INF);
    }

    /** convert_elements_to_set_or_tuple: one element is itself; else a FiniteSet (of Tuples for ';' groups). */
    private static MathExpr toSetOrTuple(List<List<MathExpr>> el) {
        if (el.size() == 1) return el.getFirst().size() == 1 ? el.getFirst().getFirst() : new FiniteSet(el.getFirst());
        boolean singles = el.stream().allMatch(g -> g.size() == 1);
        return new FiniteSet(el.stream().map(g -> singles ? g.getFirst() : new Tuple(g)).toList());
    }

    private static List<MathExpr> flatten(List<List<MathExpr>> el) {
        List<MathExpr> out = new ArrayList<>();
        for (List<MathExpr> g : el) out.addAll(g);
        return out;
    }

    private static final Map<Kind, Op> RELATIONS = Map.of(Kind.ASSIGNMENT, Op.EQ, Kind.EQUAL, Op.EQ, Kind.LT, Op.LT,
            Kind.LTE, Op.LE, Kind.GT, Op.GT, Kind.GTE, Op.GE, Kind.UNEQUAL, Op.NE);

    /** relation: relation op relation | expr, left-associative; a chain a = b = c becomes And(a = b, b = c). */
    private MathExpr relation() {
        MathExpr lhs = expr();
        while (true) {
            Op op = RELATIONS.get(peek());
            if (op == null && peek() != Kind.APPROX) return lhs;
            pos++;
            MathExpr rhs = expr();
            if (op == null) {                          // x ≈ v is v; anything else ≈ v stays itself
                if (Values.isOnlySymbols(lhs)) lhs = rhs;
            } else if (lhs instanceof And a) {
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

    /** expr / additive: mp ((+ | -) mp)*, left-associative; a - b is a + (-b) or a + (-1)·b (convert_add). */
    private MathExpr expr() {
        return rule(() -> {
            MathExpr lhs = mp(true);
            while (peek() == Kind.ADD || peek() == Kind.SUB) {
                boolean sub = next().kind() == Kind.SUB;
                MathExpr rhs = mp(true);
                lhs = MathExpr.sum(lhs, !sub ? rhs : MathExpr.isNumber(rhs) ? MathExpr.negate(rhs) : MathExpr.product(MINUS_ONE, rhs));
            }
            return lhs;
        });
    }

    /** mp / mp_nofunc: unary ((* | \times | \cdot | / | \div | :) unary)*, left-associative (convert_mp). */
    private MathExpr mp(boolean funcs) {
        MathExpr lhs = unary(funcs);
        while (true) {
            Kind k = peek();
            if (k == Kind.MUL || k == Kind.CMD_TIMES || k == Kind.CMD_CDOT) {
                pos++;
                lhs = MathExpr.product(lhs, unary(funcs));
            } else if (k == Kind.DIV || k == Kind.CMD_DIV || k == Kind.COLON) {
                pos++;
                lhs = divide(lhs, unary(funcs));
            } else {
                return lhs;
            }
        }
    }

    /** Integer / Integer is a Rational (Integer / 0 sympy's zoo: unsupported); anything else Mul(a, Pow(b, -1)). */
    private static MathExpr divide(MathExpr lhs, MathExpr rhs) {
        if (lhs instanceof Num a && rhs instanceof Num b && !a.isFloat() && !b.isFloat() && a.value().isInteger() && b.value().isInteger()) {
            if (b.value().signum() == 0) throw Fail.INSTANCE;
            return new Num(a.value().divide(b.value()), false);
        }
        return new Mul(List.of(lhs, new Pow(rhs, MINUS_ONE)));
    }

    /**
     * unary / unary_nofunc: (+ | -) unary | postfix+, the postfixes multiplied right-nested as
     * convert_postfix_list does (after the first, no functions in the _nofunc form).
     */
    private MathExpr unary(boolean funcs) {
        return rule(() -> {
            if (accept(Kind.ADD)) return unary(funcs);
            if (accept(Kind.SUB)) return MathExpr.negate(unary(funcs));
            List<MathExpr> items = new ArrayList<>();
            items.add(postfix(true));
            while (startsPostfix(peek())) {
                MathExpr next = attempt(() -> postfix(funcs));
                if (next == null) break;
                items.add(next);
            }
            MathExpr res = items.getLast();
            for (int i = items.size() - 2; i >= 0; i--) res = implicitTimes(items.get(i), res);
            return res;
        });
    }

    private static boolean startsPostfix(Kind k) {
        return switch (k) {
            case L_PAREN, L_GROUP, L_BRACE, L_BRACKET, L_BRACE_VISUAL, L_BRACE_CMD, L_BRACK, PHANTOM, BOXED, BAR, L_VERT, VERT,
                 L_FLOOR, L_CEIL, FUNC, FUNC_SQRT, EXP_E, MATRIX_START, ARRAY_START, LETTER, GREEK, OTHER_SYMBOL, ACCENT, SYMBOL,
                 NUMBER, PERCENT_NUMBER, E_NOTATION, E_NOTATION_E, DIFFERENTIAL, CMD_FRAC, CMD_BINOM -> true;
            default -> false;
        };
    }

    /** The product of adjacent postfixes; an Integer before a positive Rational is a mixed number (2 1/2 = 5/2, 2 3 = 5). */
    private static MathExpr implicitTimes(MathExpr res, MathExpr rh) {
        if (res instanceof Num a && !a.isFloat() && a.value().isInteger() && rh instanceof Num b && !b.isFloat() && b.value().signum() > 0) {
            BigInteger p = b.value().num(), q = b.value().den(), n = a.value().num();
            return new Num(BigRational.of(n.signum() < 0 ? n.multiply(q).subtract(p) : n.multiply(q).add(p), q), false);
        }
        return MathExpr.product(res, rh);
    }

    /** postfix: exp ('!' | degree)*; a degree changes nothing (convert_degrees=False). */
    private MathExpr postfix(boolean funcs) {
        MathExpr e = exp(funcs);
        while (true) {
            if (accept(Kind.BANG)) e = new Func("factorial", List.of(e), false);
            else if (!accept(Kind.DEGREE)) return e;
        }
    }

    /** exp: comp ('^' (atom | '{' expr '}') subexpr?)*, left-associative (a trailing subscript is ignored). */
    private MathExpr exp(boolean funcs) {
        MathExpr base = comp(funcs);
        while (accept(Kind.CARET)) {
            MathExpr exponent = supArgument();
            if (peek() == Kind.UNDERSCORE) subexprText();
            base = new Pow(base, exponent);
        }
        return base;
    }

    /** The argument of '^': '{' expr '}' or an atom. */
    private MathExpr supArgument() {
        return peek() == Kind.L_BRACE ? braced() : atom();
    }

    /** comp (comp_nofunc: no func): group | \boxed / \phantom | |x| | floor / ceil | frac | binom | matrix | func | atom. */
    private MathExpr comp(boolean funcs) {
        return rule(() -> {
            Token t = tokens.get(pos);
            Kind k = t.kind();
            if (!funcs && (k == Kind.FUNC || k == Kind.FUNC_SQRT || k == Kind.EXP_E)) throw Fail.INSTANCE;
            return switch (k) {
                case L_PAREN -> group(Kind.R_PAREN);
                case L_BRACE -> group(Kind.R_BRACE);
                case L_BRACKET -> group(Kind.R_BRACKET);
                case L_BRACE_VISUAL -> group(Kind.R_BRACE_VISUAL);
                case L_BRACE_CMD -> group(Kind.R_BRACE_CMD);
                case L_BRACK -> group(Kind.R_BRACK);
                case L_GROUP -> group(Kind.R_GROUP);
                case PHANTOM, BOXED -> {
                    pos++;
                    yield braced();
                }
                case BAR, VERT -> new Func("abs", List.of(group(k)), false);
                case L_VERT -> new Func("abs", List.of(group(Kind.R_VERT)), false);
                case L_FLOOR -> new Func("floor", List.of(group(Kind.R_FLOOR)), false);
                case L_CEIL -> new Func("ceiling", List.of(group(Kind.R_CEIL)), false);
                case CMD_FRAC -> {
                    pos++;
                    MathExpr top = braced();
                    yield divide(top, braced());
                }
                case CMD_BINOM -> {
                    pos++;
                    MathExpr n = braced();
                    yield Values.binomial(n, braced());
                }
                case MATRIX_START -> matrix(Kind.MATRIX_END);
                case ARRAY_START -> matrix(Kind.ARRAY_END);
                case FUNC -> namedFunction();
                case FUNC_SQRT -> sqrt();
                case EXP_E -> {
                    pos++;
                    yield accept(Kind.CARET) ? new Func("exp", List.of(supArgument()), false) : Const.E;
                }
                case LETTER, GREEK, OTHER_SYMBOL, ACCENT -> {
                    MathExpr f = funcs ? attempt(this::undefinedFunction) : null;
                    yield f != null ? f : atom();
                }
                default -> atom();
            };
        });
    }

    /** An opening token, an expr, then {@code close}. */
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

    /** \sqrt{x} is Pow(x, 1/2), \sqrt[n]{x} is Pow(x, 1/n). */
    private MathExpr sqrt() {
        pos++;
        MathExpr root = null;
        if (accept(Kind.L_BRACKET)) {
            root = expr();
            expect(Kind.R_BRACKET);
        }
        MathExpr base = braced();
        if (root == null) return new Pow(base, new Num(new BigRational(BigInteger.ONE, BigInteger.TWO), false));
        if (root instanceof Num r && !r.isFloat() && r.value().signum() != 0) return new Pow(base, new Num(BigRational.ONE.divide(r.value()), false));
        return new Pow(base, new Pow(root, MINUS_ONE));
    }

    /** matrix: rows of '&'-separated exprs separated by '\\' (a trailing one allowed), all rows of one length. */
    private MathExpr matrix(Kind end) {
        pos++;
        List<MathExpr> entries = new ArrayList<>();
        int rows = 0, cols = -1;
        do {
            int n = 0;
            do {
                entries.add(expr());
                n++;
            } while (accept(Kind.AMPERSAND));
            if (cols >= 0 && n != cols) throw Fail.INSTANCE;
            cols = n;
            rows++;
        } while (accept(Kind.ROW_SEP) && peek() != end);
        expect(end);
        return new Matrix(rows, cols, entries);
    }

    /** func_normal_single_arg (subexpr / supexpr) ('(' expr ')' | mp_nofunc), as convert_func builds it. */
    private MathExpr namedFunction() {
        String name = next().name();
        MathExpr sub = null, sup = null;
        for (int i = 0; i < 2; i++) {
            if (sub == null && accept(Kind.UNDERSCORE)) sub = supArgument();
            else if (sup == null && accept(Kind.CARET)) sup = supArgument();
        }
        MathExpr arg = peek() != Kind.L_PAREN ? null : attempt(() -> group(Kind.R_PAREN));
        if (arg == null) arg = mp(false);
        MathExpr e;
        switch (name) {
            case "det" -> throw Fail.INSTANCE;
            case "log", "ln" -> e = new Func("log", List.of(arg, sub != null ? sub : name.equals("log") ? Num.integer(10) : Const.E), false);
            case "floor" -> e = new Func("floor", List.of(arg), false);
            case "ceil" -> e = new Func("ceiling", List.of(arg), false);
            default -> {
                // arc<f> and ar<f>h are a<f>; sin^{-1} is asin
                String f = name.startsWith("arc") ? "a" + name.substring(3) : name.startsWith("ar") ? "a" + name.substring(2) : name;
                if (sup instanceof Num n && !n.isFloat() && n.value().equals(BigRational.ONE.negate())
                        && List.of("sin", "cos", "tan", "csc", "sec", "cot", "sinh", "cosh", "tanh").contains(f)) {
                    f = "a" + f;
                    sup = null;
                }
                e = new Func(f, List.of(arg), false);
            }
        }
        return sup != null ? new Pow(e, sup) : e;
    }

    /**
     * func: atom_expr_no_supexpr supexpr? '(' func_common_args ')' (or [..], {(..)}, {[..]}): an undefined
     * function f(x), named by its text, each argument parsed on its own; the arguments must be one atom
     * or contain a comma.
     */
    private MathExpr undefinedFunction() {
        int start = pos;
        if (next().kind() == Kind.ACCENT) throw Fail.INSTANCE;
        if (peek() == Kind.UNDERSCORE) subexprText();
        String name = text(start, pos);
        MathExpr sup = accept(Kind.CARET) ? supArgument() : null;
        boolean wrapped = peek() == Kind.L_BRACE && (peekAt(1) == Kind.L_PAREN || peekAt(1) == Kind.L_BRACKET);
        if (wrapped) pos++;
        Kind open = next().kind();
        if (open != Kind.L_PAREN && open != Kind.L_BRACKET) throw Fail.INSTANCE;
        Kind close = open == Kind.L_PAREN ? Kind.R_PAREN : Kind.R_BRACKET;
        int argsStart = pos;
        MathExpr single = attempt(() -> {
            MathExpr a = atom();
            if (peek() != close) throw Fail.INSTANCE;
            return a;
        });
        if (single == null) {
            expr();
            expect(Kind.COMMA);
            while (peek() != close) {
                expr();
                if (!accept(Kind.COMMA)) break;
            }
        }
        int argsEnd = pos;
        expect(close);
        if (wrapped) expect(Kind.R_BRACE);
        List<MathExpr> args = new ArrayList<>();
        for (String a : PyStrings.split(text(argsStart, argsEnd), ",")) {
            if (a.isEmpty()) continue;
            MathExpr parsed = parse(a, budget);
            if (parsed == null) throw Fail.INSTANCE;
            args.add(parsed);
        }
        MathExpr f = new Func(name, args, true);
        return sup != null ? new Pow(f, sup) : f;
    }

    /** atom: atom_expr | SYMBOL (\infty) | number_subexpr | PERCENT_NUMBER | E_NOTATION | E_NOTATION_E | DIFFERENTIAL. */
    private MathExpr atom() {
        Token t = next();
        return switch (t.kind()) {
            case NUMBER -> {
                if (peek() == Kind.UNDERSCORE) subexprText();    // a base subscript (204_5) is ignored
                yield LatexAtoms.parseNumber(t.text());
            }
            case PERCENT_NUMBER -> new Percent(LatexAtoms.parseNumber(LatexNormalizer.strip(t.text().replace("\\%", "").replace("%", "").replace(",", ""))));
            case E_NOTATION -> LatexAtoms.floatNumber(t.text());
            case E_NOTATION_E -> new Sym("e");
            case DIFFERENTIAL -> {
                String v = LatexNormalizer.strip(t.text().substring(1));
                yield new Sym("d" + (v.startsWith("\\") ? v.substring(1) : v));
            }
            case SYMBOL -> {
                if (!"infty".equals(t.name())) throw Fail.INSTANCE;
                yield Const.INF;
            }
            case LETTER, GREEK, OTHER_SYMBOL, ACCENT -> atomExpr(t);
            default -> throw Fail.INSTANCE;
        };
    }

    /** atom_expr: a letter, Greek letter, other symbol or accent with subscript and superscript (convert_atom_expr). */
    private MathExpr atomExpr(Token t) {
        String atomText = t.kind() == Kind.ACCENT ? LatexAtoms.accentText(t.text()) : t.text();
        String subscript = "";
        MathExpr sup = null;
        for (int i = 0; i < 2; i++) {
            if (subscript.isEmpty() && peek() == Kind.UNDERSCORE) {
                String s = subexprText();
                subscript = s.codePointCount(0, s.length()) > 1 ? "_{" + s + "}" : "_" + s;
            } else if (sup == null && accept(Kind.CARET)) {
                sup = supArgument();
            }
        }
        if (t.kind() == Kind.LETTER && atomText.equals("I")) return new Sym("I");   // sympy.I; sub- and superscript ignored
        MathExpr symbol = LatexAtoms.symbol(LatexNormalizer.strip(atomText) + subscript);
        return sup != null ? new Pow(symbol, sup) : symbol;
    }

    /** subexpr: '_' (atom | '{' (expr | args) '}'); returns the subscript's text as ANTLR's getText gives it. */
    private String subexprText() {
        expect(Kind.UNDERSCORE);
        if (!accept(Kind.L_BRACE)) {
            int start = pos;
            atom();
            return text(start, pos);
        }
        int start = pos;
        do expr();
        while (accept(Kind.COMMA));
        int end = pos;
        expect(Kind.R_BRACE);
        return text(start, end);
    }

    /** atom_expr_list: '(' atom_expr (',' atom_expr)* ')' | atom_expr. */
    private MathExpr atomExprList() {
        if (!accept(Kind.L_PAREN)) return atomExprToken();
        List<MathExpr> items = new ArrayList<>();
        do items.add(atomExprToken());
        while (accept(Kind.COMMA));
        expect(Kind.R_PAREN);
        return items.size() == 1 ? items.getFirst() : new Tuple(items);
    }

    private MathExpr atomExprToken() {
        Token t = next();
        if (t.kind() != Kind.LETTER && t.kind() != Kind.GREEK && t.kind() != Kind.OTHER_SYMBOL && t.kind() != Kind.ACCENT) throw Fail.INSTANCE;
        return atomExpr(t);
    }

    // ---- machinery ----------------------------------------------------------------------------------

    /** One rule: counts depth and steps against the bounds and the budget. */
    private <T> T rule(Supplier<T> body) {
        budget.spend(1);
        if (depth >= MAX_DEPTH || ++steps > MAX_STEPS) throw Fail.INSTANCE;
        depth++;
        try {
            return body.get();
        } finally {
            depth--;
        }
    }

    /** One alternative: its result, or null with the position restored when it fails (a spent step bound still ends the parse). */
    private <T> T attempt(Supplier<T> alternative) {
        int start = pos;
        try {
            return alternative.get();
        } catch (Fail f) {
            if (steps > MAX_STEPS) throw f;
            pos = start;
            return null;
        }
    }

    private String text(int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) sb.append(tokens.get(i).text());
        return sb.toString();
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

    private boolean accept(Kind k) {
        if (peek() != k) return false;
        pos++;
        return true;
    }

    private void expect(Kind k) {
        if (next().kind() != k) throw Fail.INSTANCE;
    }
}
