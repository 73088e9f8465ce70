package falconh1r.reward;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokens of latex2sympy2_extended 1.10.2's ANTLR lexer (PS.g4) that tier 2 uses, with ANTLR's
 * rule: the longest token wins, and on a tie the one the grammar defines first. Input it cannot
 * tokenise (an unknown command, a lone '%') throws {@link LatexParser.Fail}, as the Python lexer's
 * error listener raises.
 */
final class LatexLexer {
    private LatexLexer() {}

    enum Kind {
        DEGREE, TRANSPOSE, ADD, SUB, MUL, DIV, L_PAREN, R_PAREN, L_PAREN_VISUAL, R_PAREN_VISUAL, L_GROUP, R_GROUP,
        L_BRACE, R_BRACE, L_BRACE_VISUAL, R_BRACE_VISUAL, L_BRACE_CMD, R_BRACE_CMD, L_BRACKET, R_BRACKET, L_BRACK, R_BRACK,
        PHANTOM, BOXED, BAR, L_VERT, R_VERT, VERT, NORM, L_ANGLE, R_ANGLE, L_FLOOR, R_FLOOR, L_CEIL, R_CEIL,
        FUNC_LIM, FUNC_INT, FUNC_SUM, FUNC_PROD, FUNC, FUNC_SQRT, FUNC_MULTI, KEYWORD, CMD_TIMES, CMD_CDOT, CMD_DIV,
        CMD_FRAC, CMD_BINOM, CMD_CHOOSE, CMD_MOD, CMD_OPERATORNAME, MATRIX_START, MATRIX_END, ARRAY_START, ARRAY_END, DET, AMPERSAND, ROW_SEP, UNDERSCORE, CARET, COLON,
        SEMICOLON, COMMA, PERIOD, DIFFERENTIAL, EXP_E, E_NOTATION_E, LETTER, NUMBER, E_NOTATION, IN, ASSIGNMENT, EQUAL,
        APPROX, LT, LTE, GT, GTE, UNEQUAL, BANG, PERCENT_NUMBER, GREEK, OTHER_SYMBOL, SYMBOL, SET, SET_EMPTY, ACCENT,
        UNION, INTERSECTION, SET_MINUS, PLUS_MINUS, SUBSET, SUPSET, NOTIN, EOF
    }

    /** A token: its kind, its text as written, and for FUNC / SET / SYMBOL the canonical name. */
    record Token(Kind kind, String text, String name) {}

    private record Literal(String text, Kind kind, String name, int order) {}

    /** Literal tokens by first character; within one character, longest first, then grammar order. */
    private static final Map<Character, List<Literal>> LITERALS = new HashMap<>();
    private static int order;

    private static void lit(Kind kind, String name, String... texts) {
        for (String t : texts) {
            Literal l = new Literal(t, kind, name, order++);
            List<Literal> list = LITERALS.computeIfAbsent(t.charAt(0), c -> new ArrayList<>());
            list.add(l);
            list.sort((a, b) -> a.text.length() != b.text.length() ? b.text.length() - a.text.length() : a.order - b.order);
        }
    }

    /** symbols.GREEK_LETTER_MAP as (name, command, character); \pi is sympy's pi. */
    private static final String[][] GREEK = {
        {"alpha", "\\alpha", "α"}, {"beta", "\\beta", "β"}, {"gamma", "\\gamma", "γ"}, {"Gamma", "\\Gamma", "Γ"},
        {"delta", "\\delta", "δ"}, {"Delta", "\\Delta", "Δ"}, {"epsilon", "\\epsilon", "ε"}, {"varepsilon", "\\varepsilon", "ϵ"},
        {"zeta", "\\zeta", "ζ"}, {"eta", "\\eta", "η"}, {"theta", "\\theta", "θ"}, {"Theta", "\\Theta", "Θ"},
        {"vartheta", "\\vartheta", "ϑ"}, {"iota", "\\iota", "ι"}, {"kappa", "\\kappa", "κ"}, {"lambda", "\\lambda", "λ"},
        {"Lambda", "\\Lambda", "Λ"}, {"mu", "\\mu", "μ"}, {"nu", "\\nu", "ν"}, {"xi", "\\xi", "ξ"}, {"Xi", "\\Xi", "Ξ"},
        {"omicron", "\\omicron", "ο"}, {"pi", "\\pi", "π"}, {"Pi", "\\Pi", "Π"}, {"varpi", "\\varpi", "ϖ"},
        {"rho", "\\rho", "ρ"}, {"varrho", "\\varrho", "ϱ"}, {"sigma", "\\sigma", "σ"}, {"Sigma", "\\Sigma", "Σ"},
        {"varsigma", "\\varsigma", "ς"}, {"tau", "\\tau", "τ"}, {"upsilon", "\\upsilon", "υ"}, {"Upsilon", "\\Upsilon", "Υ"},
        {"phi", "\\phi", "φ"}, {"Phi", "\\Phi", "Φ"}, {"varphi", "\\varphi", "ϕ"}, {"chi", "\\chi", "χ"},
        {"psi", "\\psi", "ψ"}, {"Psi", "\\Psi", "Ψ"}, {"omega", "\\omega", "ω"}, {"Omega", "\\Omega", "Ω"},
    };

    private static final String[] SKIP = {"\\,", "\\thinspace", "\\:", "\\medspace", "\\;", "\\thickspace", "\\quad", "\\qquad",
        "\\!", "\\negthinspace", "\\negmedspace", "\\negthickspace", "\\$", "\\vrule", "\\vcenter", "\\vbox", "\\vskip", "\\vspace", "\\hfil"};

    static {
        // the parser's implicit literals come first in ANTLR's order
        lit(Kind.TRANSPOSE, null, "^T", "^{T}", "^{\\top}", "'");
        lit(Kind.DEGREE, null, "^\\circ", "^\\degree", "^\\circle", "^°", "^{\\circ}", "^{\\degree}", "^{\\circle}", "^{°}");
        for (String s : SKIP) lit(null, null, s);
        lit(Kind.ADD, null, "+", "∔", "⊕", "⊞");
        lit(Kind.SUB, null, "-", "−", "∸");
        lit(Kind.MUL, null, "*", "×", "⋅", "⋄", "⊡", "∗", "⋆", "∘", "∙", "⊗", "⊠", "⋈", "⋉", "⋊");
        lit(Kind.DIV, null, "/", "÷", "∕", "\\over");
        lit(Kind.L_PAREN, null, "(");
        lit(Kind.R_PAREN, null, ")");
        lit(Kind.L_PAREN_VISUAL, null, "\\(");
        lit(Kind.R_PAREN_VISUAL, null, "\\)");
        lit(Kind.L_GROUP, null, "\\lgroup");
        lit(Kind.R_GROUP, null, "\\rgroup");
        lit(Kind.L_BRACE, null, "{");
        lit(Kind.R_BRACE, null, "}");
        lit(Kind.L_BRACE_VISUAL, null, "\\{");
        lit(Kind.R_BRACE_VISUAL, null, "\\}");
        lit(Kind.L_BRACE_CMD, null, "\\lbrace");
        lit(Kind.R_BRACE_CMD, null, "\\rbrace");
        lit(Kind.L_BRACKET, null, "[");
        lit(Kind.R_BRACKET, null, "]");
        lit(Kind.L_BRACK, null, "\\lbrack");
        lit(Kind.R_BRACK, null, "\\rbrack");
        lit(Kind.PHANTOM, null, "\\phantom");
        lit(Kind.BOXED, null, "\\boxed");
        lit(Kind.BAR, null, "|");
        lit(Kind.L_VERT, null, "\\lvert");
        lit(Kind.R_VERT, null, "\\rvert");
        lit(Kind.VERT, null, "\\vert");
        lit(Kind.NORM, null, "\\|");
        lit(Kind.L_ANGLE, null, "\\langle");
        lit(Kind.R_ANGLE, null, "\\rangle");
        lit(Kind.L_FLOOR, null, "\\lfloor", "\\llcorner");
        lit(Kind.R_FLOOR, null, "\\rfloor", "\\lrcorner");
        lit(Kind.L_CEIL, null, "\\lceil", "\\ulcorner");
        lit(Kind.R_CEIL, null, "\\rceil", "\\urcorner");
        lit(Kind.FUNC_LIM, null, "\\lim");
        lit(Kind.KEYWORD, null, "\\to", "\\rightarrow", "\\Rightarrow", "\\longrightarrow", "\\Longrightarrow");
        lit(Kind.FUNC_INT, null, "\\int");
        lit(Kind.FUNC_SUM, null, "\\sum");
        lit(Kind.FUNC_PROD, null, "\\prod");
        for (String f : new String[] {"log", "ln", "exp", "sin", "cos", "tan", "csc", "sec", "cot", "arcsin", "arccos", "arctan",
            "arccsc", "arcsec", "arccot", "sinh", "cosh", "tanh", "arsinh", "arcosh", "artanh", "arcsinh", "arccosh", "arctanh"}) {
            lit(Kind.FUNC, f, "\\" + f);
        }
        lit(Kind.KEYWORD, null, "arsinh", "arcsinh", "arcosh", "arccosh", "artanh", "arctanh", "gcd", "lcm", "floor", "ceil");
        lit(Kind.FUNC_SQRT, null, "\\sqrt");
        lit(Kind.FUNC_MULTI, null, "\\gcd", "\\lcm");
        lit(Kind.FUNC, "floor", "\\floor");
        lit(Kind.FUNC, "ceil", "\\ceil");
        lit(Kind.FUNC_MULTI, null, "\\max", "\\min");
        lit(Kind.FUNC, "det", "\\det");
        lit(Kind.KEYWORD, null, "eye", "zeros", "ones", "cols", "rows", "diag", "norm", "rank", "trace", "tr", "rref", "hstack",
            "vstack", "orth", "ortho", "orthogonal", "orthogonalize", "nullspace", "eig", "eigen", "diagonalize", "eigenvals",
            "eigenvalues", "eigenvects", "eigenvectors", "svd", "SVD");
        lit(Kind.CMD_TIMES, null, "\\times");
        lit(Kind.CMD_CDOT, null, "\\cdot");
        lit(Kind.CMD_DIV, null, "\\div");
        lit(Kind.CMD_FRAC, null, "\\frac", "\\dfrac", "\\tfrac", "\\cfrac");
        lit(Kind.CMD_BINOM, null, "\\binom", "\\tbinom", "\\dbinom");
        lit(Kind.CMD_CHOOSE, null, "\\choose");
        lit(Kind.CMD_MOD, null, "\\mod");
        lit(Kind.KEYWORD, null, "\\mathit");
        lit(Kind.CMD_OPERATORNAME, null, "\\operatorname");
        lit(Kind.KEYWORD, null, "matrix", "pmatrix", "bmatrix", "vmatrix");
        for (String t : new String[] {"matrix", "pmatrix", "bmatrix"}) {
            lit(Kind.MATRIX_START, null, "\\begin{" + t + "}");
            lit(Kind.MATRIX_END, null, "\\end{" + t + "}");
        }
        lit(Kind.ARRAY_END, null, "\\end{array}");
        lit(Kind.DET, null, "\\begin{vmatrix}", "\\end{vmatrix}");
        lit(Kind.AMPERSAND, null, "&");
        lit(Kind.ROW_SEP, null, "\\\\");
        lit(Kind.UNDERSCORE, null, "_");
        lit(Kind.CARET, null, "^");
        lit(Kind.COLON, null, ":");
        lit(Kind.SEMICOLON, null, ";");
        lit(Kind.COMMA, null, ",");
        lit(Kind.PERIOD, null, ".");
        lit(Kind.KEYWORD, null, "\\xrightarrow", "\\xRightarrow", "<->", "<=>", "\\leftrightarrow", "\\Leftrightarrow");
        lit(Kind.EXP_E, null, "e", "\\exponentialE");
        lit(Kind.E_NOTATION_E, null, "E");
        lit(Kind.IN, null, "\\in");
        lit(Kind.ASSIGNMENT, null, "=", "≡", "≣", "≟", "≎", "≏", "≐", "≑", "≒", "≓", "≔", "≕", "≖", "≗");
        lit(Kind.EQUAL, null, "==", "\\equiv");
        lit(Kind.APPROX, null, "~=", "≈", "≊", "≋", "≃", "≅", "\\approx");
        lit(Kind.LT, null, "<", "≪", "≺", "⋖", "\\lt");
        lit(Kind.LTE, null, "\\leq", "\\le", "\\leqslant", "≤", "≦", "≲", "≾", "<=");
        lit(Kind.GT, null, ">", "≫", "≻", "⋗", "\\gt");
        lit(Kind.GTE, null, "\\geq", "\\ge", "\\geqslant", "≥", "≧", "≳", "≿", ">=");
        lit(Kind.UNEQUAL, null, "!=", "!==", "\\ne", "\\neq", "\\not\\equiv", "≠", "≁", "≄", "≇", "≉", "≢");
        lit(Kind.BANG, null, "!");
        for (String[] g : GREEK) lit(Kind.GREEK, g[0], g[1], g[2]);
        for (String s : new String[] {"Bbbk", "wp", "nabla", "bigstar", "angle", "nexists", "diagdown", "measuredangle", "eth",
            "diagup", "sphericalangle", "clubsuit", "varnothing", "Diamond", "complement", "diamondsuit", "imath", "Finv",
            "triangledown", "heartsuit", "jmath", "Game", "triangle", "spadesuit", "ell", "hbar", "vartriangle", "hslash",
            "blacklozenge", "lozenge", "blacksquare", "mho", "blacktriangle", "sharp", "prime", "Im", "flat", "square",
            "backprime", "Re", "natural", "surd", "circledS"}) {
            lit(Kind.OTHER_SYMBOL, s, "\\" + s);
        }
        lit(Kind.SYMBOL, "partial", "\\partial");
        lit(Kind.SYMBOL, "infty", "\\infty", "\\$\\infty", "\\infty\\%", "\\infty%");
        lit(Kind.SET, "naturals", "\\mathbb{N}", "ℕ");
        lit(Kind.SET, "integers", "\\mathbb{Z}", "ℤ");
        lit(Kind.SET, "rationals", "\\mathbb{Q}", "ℚ");
        lit(Kind.SET, "reals", "\\mathbb{R}", "ℝ");
        lit(Kind.SET, "complexes", "\\mathbb{C}", "ℂ");
        lit(Kind.SET, "primes", "\\mathbb{P}", "ℙ");
        lit(Kind.UNION, null, "\\cup", "∪");
        lit(Kind.INTERSECTION, null, "\\cap", "∩");
        lit(Kind.SET_MINUS, null, "\\setminus", "∖");
        lit(Kind.PLUS_MINUS, null, "\\pm", "±", "∓", "\\mp");
        lit(Kind.SET_EMPTY, null, "\\emptyset", "∅", "\\{\\}", "\\lbrace\\rbrace");
        lit(Kind.SUPSET, null, "\\supseteq", "⊇");
        lit(Kind.SUBSET, null, "\\subseteq", "⊆");
        lit(Kind.NOTIN, null, "\\notin", "∉");
    }

    private static final String[] ACCENTS = {"acute", "bar", "overline", "breve", "check", "widecheck", "dot", "ddot", "grave",
        "hat", "tilde", "widetilde", "vec", "overrightarrow", "bm", "boldsymbol", "text", "textit", "textbf", "textnormal",
        "mathbb", "mathbin", "mathbf", "mathcal", "mathclap", "mathclose", "mathellipsis", "mathfrak", "mathinner", "mathit",
        "mathnormal", "mathop", "mathopen", "mathord", "mathpunct", "mathrel", "mathring", "mathrlap", "mathrm", "mathscr",
        "mathsf", "mathsterling", "mathtt", "mbox"};

    /** The tokens of {@code s}, ending with EOF; at most {@code maxTokens} of them or it fails. */
    static List<Token> tokenize(String s, int maxTokens) {
        List<Token> out = new ArrayList<>();
        int i = 0, n = s.length();
        while (i < n) {
            if (out.size() >= maxTokens) throw LatexParser.Fail.INSTANCE;
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                i++;
                continue;
            }
            int bestLen = 0;
            Token best = null;
            boolean skip = false;
            List<Literal> lits = LITERALS.get(c);
            if (lits != null) {
                for (Literal l : lits) {
                    if (s.startsWith(l.text, i)) {
                        int len = l.text.length();
                        if (l.kind == Kind.GREEK || l.kind == Kind.OTHER_SYMBOL) {
                            if (i + len < n && s.charAt(i + len) == ' ') len++;
                        }
                        bestLen = len;
                        skip = l.kind == null;
                        best = skip ? null : new Token(l.kind, s.substring(i, i + len), l.name);
                        break;
                    }
                }
            }
            int numLen = number(s, i);
            if (numLen > 0) {
                int end = i + numLen;
                Kind kind = Kind.NUMBER;
                int e = eNotation(s, end);
                int p = percent(s, end);
                if (e > end && e - i > bestLen) {
                    kind = Kind.E_NOTATION;
                    end = e;
                } else if (p > end) {
                    kind = Kind.PERCENT_NUMBER;
                    end = p;
                }
                if (end - i > bestLen) {
                    bestLen = end - i;
                    skip = false;
                    best = new Token(kind, s.substring(i, end), null);
                }
            }
            if (c == 'd') {
                int d = differential(s, i);
                if (d - i > bestLen) {
                    bestLen = d - i;
                    skip = false;
                    best = new Token(Kind.DIFFERENTIAL, s.substring(i, d), null);
                }
            }
            if (c == '\\' && s.startsWith("\\begin{array}{", i)) {
                int j = i + "\\begin{array}{".length();
                while (j < n && "clr".indexOf(s.charAt(j)) >= 0) j++;
                if (j < n && s.charAt(j) == '}' && j + 1 - i > bestLen) {
                    bestLen = j + 1 - i;
                    skip = false;
                    best = new Token(Kind.ARRAY_START, s.substring(i, j + 1), null);
                }
            }
            if (c == '\\') {
                int a = accent(s, i);
                if (a - i > bestLen) {
                    bestLen = a - i;
                    skip = false;
                    best = new Token(Kind.ACCENT, s.substring(i, a), null);
                }
            }
            if (bestLen == 0 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && c != 'e' && c != 'E') {
                bestLen = 1;
                best = new Token(Kind.LETTER, String.valueOf(c), null);
            }
            if (bestLen == 0) throw LatexParser.Fail.INSTANCE;
            if (!skip) out.add(best);
            i += bestLen;
        }
        out.add(new Token(Kind.EOF, "", null));
        return out;
    }

    private static boolean digit(String s, int i) {
        return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9';
    }

    /** NUMBER: DIGIT+ | DIGIT* '.' DIGIT+ (longest); 0 if none. */
    private static int number(String s, int i) {
        int j = i;
        while (digit(s, j)) j++;
        if (j < s.length() && s.charAt(j) == '.' && digit(s, j + 1)) {
            j++;
            while (digit(s, j)) j++;
        }
        return j - i;
    }

    /** E_NOTATION: NUMBER 'E' (SUB | ADD)? DIGIT+; the end, or {@code end} if none. */
    private static int eNotation(String s, int end) {
        if (end >= s.length() || s.charAt(end) != 'E') return end;
        int j = end + 1;
        if (j < s.length() && (s.charAt(j) == '+' || s.charAt(j) == '-')) j++;
        if (!digit(s, j)) return end;
        while (digit(s, j)) j++;
        return j;
    }

    /** PERCENT_NUMBER: NUMBER WS_CHAR? ('\%' | '%'); the end, or {@code end} if none. */
    private static int percent(String s, int end) {
        int j = end;
        if (j < s.length() && " \t\r\n".indexOf(s.charAt(j)) >= 0) j++;
        if (s.startsWith("\\%", j)) return j + 2;
        if (s.startsWith("%", j)) return j + 1;
        return end;
    }

    /** DIFFERENTIAL: 'd' WS_CHAR*? ([a-zA-Z] | '\\' [a-zA-Z]+); the end, or i if none. */
    private static int differential(String s, int i) {
        int j = i + 1;
        while (j < s.length() && " \t\r\n".indexOf(s.charAt(j)) >= 0) j++;
        if (j < s.length() && Character.isLetter(s.charAt(j)) && s.charAt(j) < 128) return j + 1;
        if (j + 1 < s.length() && s.charAt(j) == '\\' && isAsciiLetter(s.charAt(j + 1))) {
            j++;
            while (j < s.length() && isAsciiLetter(s.charAt(j))) j++;
            return j;
        }
        return i;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** ACCENT: ACCENT_CMD WS_CHAR? '{' ('\}' | ~'}')*? '}'; the end, or i if none. */
    private static int accent(String s, int i) {
        int best = i;
        for (String a : ACCENTS) {
            if (!s.startsWith(a, i + 1)) continue;
            int j = i + 1 + a.length();
            if (j < s.length() && " \t\r\n".indexOf(s.charAt(j)) >= 0) j++;
            if (j >= s.length() || s.charAt(j) != '{') continue;
            for (int k = j + 1; k < s.length(); k++) {
                if (s.charAt(k) == '}') {
                    best = Math.max(best, k + 1);
                    break;
                }
            }
        }
        return best;
    }
}
