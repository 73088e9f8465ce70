package falconh1r.reward;

import falconh1r.reward.MathExpr.FiniteSet;
import falconh1r.reward.MathExpr.Num;
import falconh1r.reward.MathExpr.Percent;
import falconh1r.reward.MathVerify.Candidate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Math-Verify 0.8.0 {@code parser.parse(text, targets)} (fallback_mode "first_match", extraction_mode
 * "any_match"): the regexes of {@code lazy_latex_regex} and {@code lazy_expr_regex}, verbatim but for
 * group names, grouped by priority (0: "final answer is ... I hope"; 50: "final answer ... is" and
 * \boxed; 100: "answer:"; 200: "answer"; 300: plain LaTeX or number). Within a priority the matches
 * are tried rightmost first ({@code extract_target_from_pred}); the first that parses is the answer,
 * and the first match's string is appended as a fallback candidate.
 */
final class AnswerExtractor {
    private AnswerExtractor() {}

    /** Texts longer than this get no candidates (Math-Verify would hit its parsing timeout). */
    static final int MAX_TEXT = 250_000;

    private enum Target { LATEX, EXPR }

    private record Regex(Pattern pattern, int priority, Target target) {}

    private record Match(MatchResult m, Map<String, Integer> groups, Target target) {}

    private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES;

    private static final List<Regex> LATEX = latexRegexes();
    private static final List<Regex> EXPR = exprRegexes();
    /** verl's gold targets: (LatexExtractionConfig(),). */
    private static final List<Regex> GOLD_TARGETS = LATEX;
    /** verl's prediction targets: (ExprExtractionConfig(), LatexExtractionConfig()). */
    private static final List<Regex> PRED_TARGETS;

    static {
        List<Regex> both = new ArrayList<>(EXPR);
        both.addAll(LATEX);
        PRED_TARGETS = both;
    }

    /** parse("\boxed{" + gold + "}", (LatexExtractionConfig(),)) as verl's math_verify.compute_score calls it. */
    static List<Candidate> parseGold(String groundTruth) {
        return parse("\\boxed{" + groundTruth + "}", GOLD_TARGETS);
    }

    /** parse(prediction, (ExprExtractionConfig(), LatexExtractionConfig())). */
    static List<Candidate> parsePrediction(String prediction) {
        return parse(prediction, PRED_TARGETS);
    }

    /** extract_target_from_pred. */
    private static List<Candidate> parse(String text, List<Regex> regexes) {
        List<Candidate> out = new ArrayList<>();
        if (text.length() > MAX_TEXT) return out;
        List<Regex> sorted = new ArrayList<>(regexes);
        sorted.sort(Comparator.comparingInt(Regex::priority));
        String fallback = null;
        int i = 0;
        while (i < sorted.size()) {
            int priority = sorted.get(i).priority();
            List<Match> matches = new ArrayList<>();
            for (; i < sorted.size() && sorted.get(i).priority() == priority; i++) findAll(sorted.get(i), text, matches);
            matches.sort(Comparator.comparingInt((Match m) -> -m.m().end()).thenComparingInt(m -> m.m().start()));
            for (Match m : matches) {
                Candidate c = m.target() == Target.LATEX ? extractLatex(m) : extractExpr(m);
                if (fallback == null && !c.string().isEmpty()) fallback = c.string();
                if (c.expr() != null) {
                    out.add(Candidate.of(c.expr()));
                    break;
                }
            }
            if (!out.isEmpty()) break;
        }
        if (fallback != null) out.add(Candidate.of(fallback));
        return out;
    }

    /** Every non-overlapping match, left to right (finditer). A regex that overflows the stack on hostile input stops there. */
    private static void findAll(Regex r, String text, List<Match> into) {
        Matcher m = r.pattern().matcher(text);
        Map<String, Integer> groups = r.pattern().namedGroups();
        try {
            while (m.find()) into.add(new Match(m.toMatchResult(), groups, r.target()));
        } catch (StackOverflowError e) {
            // Java's regex engine recurses per repetition; Python's does not. Matches found so far stand.
        }
    }

    // ---- extraction ---------------------------------------------------------------------------------

    /** extract_latex: the first_ and nextN_ LaTeX groups, normalised and parsed; several parsed ones form a FiniteSet. */
    private static Candidate extractLatex(Match match) {
        List<MathExpr> exprs = new ArrayList<>();
        List<String> strings = new ArrayList<>();
        for (String prefix : new String[] {"first", "next1", "next2", "next3", "next4", "next5"}) {
            String name = firstGroup(match, prefix + "latex");
            if (name == null) continue;
            String latex = match.m().group(name);
            String kind = name.substring(prefix.length());
            String percent = match.groups().containsKey(prefix + "percent") ? match.m().group(prefix + "percent") : null;
            String normalized = LatexNormalizer.normalize(latex, kind.equals("latexBoxed") ? LatexNormalizer.Boxed.LAST : LatexNormalizer.Boxed.ALL);
            strings.add(normalized);
            MathExpr parsed = parseLatex(normalized);
            if (parsed != null && percent != null && !percent.isEmpty()) parsed = new Percent(parsed);
            exprs.add(parsed);
        }
        if (exprs.isEmpty()) return new Candidate(null, "");
        if (exprs.size() > 1 && exprs.stream().allMatch(e -> e != null)) {
            List<MathExpr> all = new ArrayList<>();
            for (MathExpr e : exprs) {
                if (e instanceof FiniteSet s) all.addAll(s.elements());
                else all.add(e);
            }
            return new Candidate(new FiniteSet(all), String.join(" and ", strings));
        }
        return new Candidate(exprs.getFirst(), strings.getFirst());
    }

    /** The first group (in definition order) whose name starts with {@code prefix} and that matched non-empty text. */
    private static String firstGroup(Match match, String prefix) {
        String best = null;
        int bestIndex = Integer.MAX_VALUE;
        for (Map.Entry<String, Integer> g : match.groups().entrySet()) {
            if (!g.getKey().startsWith(prefix) || g.getValue() >= bestIndex) continue;
            String v = match.m().group(g.getValue());
            if (v != null && !v.isEmpty()) {
                best = g.getKey();
                bestIndex = g.getValue();
            }
        }
        return best;
    }

    private static final Pattern EQUATION_SPLIT = Pattern.compile("(?<!\\\\|<|!|>)=");

    /** parse_latex_cached: the whole LaTeX, else (when it has no ',' or ';') the part after its last '='. */
    static MathExpr parseLatex(String latex) {
        MathExpr e = LatexParser.parse(latex);
        if (e != null || latex.contains(",") || latex.contains(";")) return e;
        List<String> parts = List.of(EQUATION_SPLIT.split(latex, -1));
        return parts.size() > 2 ? LatexParser.parse(parts.getLast()) : null;
    }

    /** extract_expr: a number (thousands separators dropped, ',' as decimal point, percent) or a plain expression. */
    private static Candidate extractExpr(Match match) {
        String integer = firstNumberGroup(match, "integer"), decimal = firstNumberGroup(match, "decimal");
        boolean percent = match.groups().containsKey("percent") && match.m().group("percent") != null && !match.m().group("percent").isEmpty();
        if (!integer.isEmpty() || !decimal.isEmpty()) {
            integer = integer.replace(",", "").replace(" ", "");
            int k = 0;
            while (k < integer.length() && integer.charAt(k) == '0') k++;
            integer = integer.substring(k);
            if (integer.isEmpty()) integer = "0";
            String numberStr = integer + decimal.replace(",", ".");
            MathExpr number = pyNumber(numberStr);
            if (number != null && percent) number = new Percent(number);
            return new Candidate(number, numberStr);
        }
        String expr = match.groups().containsKey("expr") && match.m().group("expr") != null ? match.m().group("expr") : "";
        if (expr.isEmpty()) return new Candidate(null, "");
        return new Candidate(PyExprParser.parse(expr.replace("\n", " ").replace("^", "**")), expr);
    }

    private static String firstNumberGroup(Match match, String prefix) {
        for (int k = 1; k <= 3; k++) {
            String name = prefix + k;
            if (!match.groups().containsKey(name)) continue;
            String v = match.m().group(name);
            if (v != null && !v.isEmpty()) return v;
        }
        return "";
    }

    /** sympy.Number(text): an Integer, or a Float when there is a '.'; null for what the Java side cannot read. */
    private static MathExpr pyNumber(String text) {
        try {
            if (text.length() > LatexParser.MAX_DIGITS) return null;
            if (text.contains(".")) return LatexParser.floatNumber(text);
            BigRational v = BigRational.of(new java.math.BigInteger(text), java.math.BigInteger.ONE);
            return v == null ? null : new Num(v, false);
        } catch (NumberFormatException | LatexParser.Fail e) {
            return null;
        }
    }

    // ---- the regexes --------------------------------------------------------------------------------

    /** make_latex_env_pattern(prefix, context): $$..$$, \[..\], $..$, \(..\), [..], (plain only) a bare \frac, then a percent. */
    private static String latexEnvPattern(String prefix, boolean boxed) {
        String percent = "(?<" + prefix + "percent>(?:\\\\?%|[Pp]ercent|[Pp]ercentage|[Pp]ct))";
        String[] content = {
            "(?:[^$]|\\$(?!\\$))",            // display $$
            "(?:[^\\\\]|\\\\(?!\\]))",        // display \[
            "(?:\\\\[$]|[^\\n$])",            // inline $
            "(?:[^\\\\\\n]|\\\\(?!\\)))",     // inline \(
            "[^\\n\\]\\[]",                   // inline [
        };
        for (int i = 0; i < content.length; i++) {
            String c = content[i];
            content[i] = boxed ? c + "*?\\\\boxed\\{" + c + "+?\\}" + c + "*?" : c + "+?";
        }
        List<String> patterns = new ArrayList<>(List.of(
                "(?<!\\\\)\\$\\$(?<" + prefix + "latexDisplayDollar>" + content[0] + ")(?<!\\\\)\\$\\$",
                "(?<!\\\\)\\\\\\[(?<" + prefix + "latexDisplayBracket>" + content[1] + ")(?<!\\\\)\\\\\\]",
                "(?<!\\\\|\\d)\\$(?<" + prefix + "latexInlineDollar>" + content[2] + ")(?<!\\\\)\\$",
                "(?<!\\\\)\\\\\\((?<" + prefix + "latexInlineParenthesis>" + content[3] + ")(?<!\\\\)\\\\\\)",
                "\\s\\[(?<" + prefix + "latexInlineBracket>" + content[4] + ")\\]\\s"));
        if (!boxed) {
            String number = "-?\\d+(?:[.,]\\d+)?";
            patterns.add("(?<" + prefix + "latexFraction>-?\\\\frac\\{" + number + "\\}\\{" + number + "\\})");
        }
        return "(?:(?:" + String.join("|", patterns) + ")\\s*" + percent + "?)";
    }

    private static List<Regex> latexRegexes() {
        StringBuilder next = new StringBuilder();
        for (int i = 1; i <= 5; i++) next.append("(?:\\s*(?:,?and|,?or|,)\\s*").append(latexEnvPattern("next" + i, false)).append(")?");
        String envs = "(?:" + latexEnvPattern("first", false) + next + ")";
        List<Regex> out = new ArrayList<>();
        int flags = FLAGS | Pattern.DOTALL;
        out.add(new Regex(Pattern.compile("(?i:final answer is)\\:?\\s*" + envs + "\\.?\\s?I hope", flags), 0, Target.LATEX));
        out.add(new Regex(Pattern.compile("(?i:final answer.{0,100}?)\\s+is\\:?\\s*" + envs, flags), 50, Target.LATEX));
        out.add(new Regex(Pattern.compile("(?i:answer):.{0,50}?" + envs, flags), 100, Target.LATEX));
        out.add(new Regex(Pattern.compile("(?i:answer).{0,50}?" + envs, flags), 200, Target.LATEX));
        out.add(new Regex(Pattern.compile(envs, flags), 300, Target.LATEX));
        StringBuilder boxedNext = new StringBuilder();
        for (int i = 1; i <= 5; i++) boxedNext.append("\\s*(?:\\s*(?:,?and|,?or|,)\\s*").append(latexEnvPattern("next" + i, true)).append(")?");
        out.add(new Regex(Pattern.compile(latexEnvPattern("first", true) + boxedNext, flags), 50, Target.LATEX));
        out.add(new Regex(Pattern.compile("(?<firstlatexBoxed>\\\\boxed\\{.+\\})", flags), 50, Target.LATEX));
        return out;
    }

    private static List<Regex> exprRegexes() {
        String number = "(?<!\\d)(?:"
                + "(?<integer1>-?[1-9]\\d{0,2}(?:[ ,]\\d{3})+)(?<decimal1>\\.\\d+)?|"
                + "(?<integer2>-?\\d+)(?<decimal2>[.,]\\d+)|"
                + "(?<decimal3>\\.\\d+)|"
                + "(?<integer3>-?\\d+)"
                + ")(?<percent>\\s*(?:%|[Pp]ercent|\\s*[Pp]ercentage|\\s*[Pp]ct))?";
        String ops = "\\+\\-\\*\\×\\/\\^\\(\\)\\÷";
        String chars = "[\\d\\.\\s" + ops + "]";
        String expr = "(?<expr>-?\\(?-?\\d" + chars + "*[" + ops + "]" + chars + "+\\)?)";
        String currency = "[\\$€£¥₹₽₪₩₫฿₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₴₵₶₷₸₹₺₻₼₽₾₿]";
        String prefix = "(?:^|\\s|\\=)(?:\\*\\*)?";
        String suffix = "(?:\\*\\*)?(?:\\.|,|:|\\s|\\)|\\$|$)";
        String exprWithAnchors = "(?:" + prefix + expr + suffix + ")";
        String numberWithAnchors = "(?:" + prefix + currency + "?" + number + ")";
        String exprOrNumber = "(?:" + exprWithAnchors + "|" + numberWithAnchors + ")";
        List<Regex> out = new ArrayList<>();
        out.add(new Regex(Pattern.compile("(?i:final answer is)\\:?\\s*" + exprOrNumber + "\\.?\\s?I hope", FLAGS), 0, Target.EXPR));
        out.add(new Regex(Pattern.compile("(?i:final answer.{0,100}?)\\s+is\\:?" + exprOrNumber, FLAGS), 50, Target.EXPR));
        out.add(new Regex(Pattern.compile("(?i:answer):(?:.{0,100}=\\s*|.{0,50}?)" + exprOrNumber + "(?!\\s*=)", FLAGS), 100, Target.EXPR));
        out.add(new Regex(Pattern.compile("(?i:answer)(?:.{0,100}=\\s*|.{0,50}?)" + exprOrNumber + "(?!\\s*=)", FLAGS), 200, Target.EXPR));
        out.add(new Regex(Pattern.compile(exprWithAnchors, FLAGS), 300, Target.EXPR));
        out.add(new Regex(Pattern.compile(numberWithAnchors, FLAGS), 300, Target.EXPR));
        return out;
    }
}
