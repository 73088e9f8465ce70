package falconh1r.reward;

import falconh1r.reward.MathExpr.Const;
import falconh1r.reward.MathExpr.Num;
import falconh1r.reward.MathExpr.Sym;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * latex2sympy2_extended's conversions of single tokens: numbers ({@code parse_number},
 * {@code convert_number}, sympy.Number) and symbols ({@code convert_atom_expr}'s accent handling,
 * {@code symbols.get_symbol}).
 */
final class LatexAtoms {
    private LatexAtoms() {}

    /** Number literals longer than this fail to parse (hostile input; no answer has them). */
    static final int MAX_DIGITS = 1_000;

    /** latex2sympy's comma_number_regex: a whole input like "12,000,023" is a number, not a set. */
    static final Pattern COMMA_NUMBER = Pattern.compile("^\\s*-?\\d{1,3}(,\\d{3})+(\\.\\d+)?\\s*$");

    /** parse_number: commas dropped, leading zeros of an all-digit literal dropped, sympy.Number. */
    static Num parseNumber(String text) {
        text = text.replace(",", "");
        boolean digits = !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
        if (!digits) return floatNumber(text);
        if (text.length() > MAX_DIGITS) throw LatexParser.Fail.INSTANCE;
        return new Num(BigRational.of(new BigInteger(text)), false);
    }

    /** sympy.Number of a literal with a '.' or an exponent: a Float, holding the literal's exact value. */
    static Num floatNumber(String text) {
        if (text.length() > MAX_DIGITS) throw LatexParser.Fail.INSTANCE;
        try {
            BigDecimal d = new BigDecimal(text);
            BigRational v = Math.abs((long) d.scale()) > MAX_DIGITS ? null : BigRational.of(d);
            if (v == null) throw LatexParser.Fail.INSTANCE;
            return new Num(v, true);
        } catch (NumberFormatException e) {
            throw LatexParser.Fail.INSTANCE;
        }
    }

    /** convert_number for a COMMA_NUMBER input: digits without the commas ("0,111" is 0.111). */
    static Num convertNumber(String number) {
        if (number.contains(",") && number.startsWith("0")) number = number.replace(",", ".");
        String integer = number.replace(",", "").replace(" ", "").strip();
        int k = 0;
        while (k < integer.length() && integer.charAt(k) == '0') k++;
        integer = k == integer.length() ? "0" : integer.substring(k);
        if (integer.contains(".")) return floatNumber(integer);
        if (integer.length() > MAX_DIGITS) throw LatexParser.Fail.INSTANCE;
        return new Num(BigRational.of(new BigInteger(integer)), false);
    }

    /** The symbol name of an ACCENT token: "\text{Evelyn}" is Evelyn (parentheses dropped), "\bar{x}" is bar{x}. */
    static String accentText(String token) {
        int brace = token.indexOf('{');
        String name = token.substring(1, brace);
        String text = token.substring(brace + 1, token.length() - 1).replace(" ", "");
        if (name.equals("bar") || name.equals("overline")) name = "bar";
        else if (name.equals("vec") || name.equals("overrightarrow")) name = "vec";
        else if (name.equals("tilde") || name.equals("widetilde")) name = "tilde";
        else if (name.contains("text") || name.contains("mbox")) {
            name = "";
            text = text.replace("(", "").replace(")", "");
        } else if (name.contains("math")) {
            name = "math";
        }
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

    /** symbols.get_symbol(text, lowercase_symbols=True): Greek names, no leading backslash, lowercased; "pi" is sympy's pi. */
    static MathExpr symbol(String text) {
        String letter = GREEK_NAMES.getOrDefault(text.replace("\"", ""), text);
        if (letter.startsWith("\\")) letter = letter.substring(1);
        letter = letter.toLowerCase(Locale.ROOT);
        return letter.equals("pi") ? Const.PI : new Sym(letter);
    }
}
