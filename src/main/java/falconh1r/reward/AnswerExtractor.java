package falconh1r.reward;

import falconh1r.reward.MathExpr.FiniteSet;
import falconh1r.reward.MathExpr.Num;
import falconh1r.reward.MathExpr.Percent;
import falconh1r.reward.MathVerify.Candidate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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

    private enum Target { LATEX, EXPR }

    /**
     * A necessary condition for a match of one regex to start at a position: finditer only tries the
     * positions that pass, so the matches are the same and the work is less.
     */
    @FunctionalInterface
    private interface Start {
        boolean possible(String text, int at);
    }

    /**
     * One regex of Math-Verify's tables, with the positions where its matches can start; for the boxed
     * regexes ({@code boxed}), only positions up to the last "\\boxed{" (every match contains one).
     */
    private record Regex(Pattern pattern, int priority, Target target, Start start, boolean boxed) {
        Regex(String regex, int flags, int priority, Target target, Start start) {
            this(Pattern.compile(regex, flags), priority, target, start, regex.contains("\\\\boxed\\{"));
        }
    }

    /** Matches of the "answer" regexes start at the word (case-insensitively, as (?i:...) matches it). */
    private static Start word(String w) {
        return (t, at) -> t.regionMatches(true, at, w, 0, w.length());
    }

    /** expr_with_anchors / number_with_anchors: start at the text's start, a space or '=', with a digit within 8 characters. */
    private static boolean numberStart(String t, int at) {
        if (at != 0 && !isSpace(t.charAt(at)) && t.charAt(at) != '=') return false;
        for (int i = at, end = Math.min(t.length(), at + 8); i < end; i++) if (Character.isDigit(t.charAt(i))) return true;
        return false;
    }

    /** LaTeX environments start at '$', '\\' (\[, \(, \frac), a space before '[' or a '-' before \frac. */
    private static boolean latexStart(String t, int at) {
        char c = t.charAt(at);
        if (c == '$' || c == '\\') return true;
        char next = at + 1 < t.length() ? t.charAt(at + 1) : 0;
        return (c == '-' && next == '\\') || (next == '[' && isSpace(c));
    }

    /** A superset of what \\s matches under UNICODE_CHARACTER_CLASS. */
    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /**
     * One match: its span, its groups' text by group number (null where a group did not take part) and
     * the regex's group names. The strings are copied at once: Matcher.toMatchResult() would copy the
     * whole text for every match.
     */
    private record Match(int start, int end, String[] values, Map<String, Integer> groups, Target target) {
        String group(String name) {
            Integer i = groups.get(name);
            return i == null ? null : values[i];
        }
    }

    /** Python's str regexes: Unicode \\d, \\s and case folding; '.' and '$' know only '\\n'. */
    private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNICODE_CASE | Pattern.UNIX_LINES;

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
    static List<Candidate> parseGold(String groundTruth, WorkBudget budget) {
        return parse("\\boxed{" + groundTruth + "}", GOLD_TARGETS, budget);
    }

    /** parse(prediction, (ExprExtractionConfig(), LatexExtractionConfig())). */
    static List<Candidate> parsePrediction(String prediction, WorkBudget budget) {
        return parse(prediction, PRED_TARGETS, budget);
    }

    /** extract_target_from_pred. */
    private static List<Candidate> parse(String text, List<Regex> regexes, WorkBudget budget) {
        List<Candidate> out = new ArrayList<>();
        List<Regex> sorted = new ArrayList<>(regexes);
        sorted.sort(Comparator.comparingInt(Regex::priority));
        String fallback = null;
        int i = 0;
        while (i < sorted.size()) {
            int priority = sorted.get(i).priority();
            List<Match> matches = new ArrayList<>();
            for (; i < sorted.size() && sorted.get(i).priority() == priority; i++) findAll(sorted.get(i), text, matches, budget);
            matches.sort(Comparator.comparingInt((Match m) -> -m.end()).thenComparingInt(Match::start));
            for (Match m : matches) {
                Candidate c = m.target() == Target.LATEX ? extractLatex(m, budget) : extractExpr(m, budget);
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
    private static void findAll(Regex r, String text, List<Match> into, WorkBudget budget) {
        Matcher m = r.pattern().matcher(budget.view(text));
        m.useTransparentBounds(true).useAnchoringBounds(false);
        Map<String, Integer> groups = r.pattern().namedGroups();
        int n = text.length();
        int last = r.boxed() ? text.lastIndexOf("\\boxed{") : n - 1;
        budget.spend(n / 8 + 1);                       // the position scan below (cheap next to regex work)
        try {
            for (int at = 0; at <= last; at++) {
                if (!r.start().possible(text, at)) continue;
                budget.spend(4);                       // resetting the matcher's groups
                m.region(at, n);
                if (!m.lookingAt()) continue;
                String[] values = new String[m.groupCount() + 1];
                for (int g = 1; g < values.length; g++) {
                    if (m.start(g) < 0) continue;
                    budget.spend(m.end(g) - m.start(g));
                    values[g] = text.substring(m.start(g), m.end(g));
                }
                into.add(new Match(m.start(), m.end(), values, groups, r.target()));
                at = Math.max(at, m.end() - 1);
            }
        } catch (StackOverflowError e) {
            // Java's regex engine recurses per repetition; Python's does not. Matches found so far stand.
        }
    }

    // ---- extraction ---------------------------------------------------------------------------------

    /** extract_latex: the first_ and nextN_ LaTeX groups, normalised and parsed; several parsed ones form a FiniteSet. */
    private static Candidate extractLatex(Match match, WorkBudget budget) {
        List<MathExpr> exprs = new ArrayList<>();
        List<String> strings = new ArrayList<>();
        for (String prefix : new String[] {"first", "next1", "next2", "next3", "next4", "next5"}) {
            String name = firstGroup(match, prefix + "latex");
            if (name == null) continue;
            String latex = match.group(name);
            String kind = name.substring(prefix.length());
            String percent = match.group(prefix + "percent");
            String normalized = LatexNormalizer.normalize(latex, kind.equals("latexBoxed") ? LatexNormalizer.Boxed.LAST : LatexNormalizer.Boxed.ALL, budget);
            strings.add(normalized);
            MathExpr parsed = parseLatex(normalized, budget);
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
            String v = match.values()[g.getValue()];
            if (v != null && !v.isEmpty()) {
                best = g.getKey();
                bestIndex = g.getValue();
            }
        }
        return best;
    }

    private static final Pattern EQUATION_SPLIT = Pattern.compile("(?<!\\\\|<|!|>)=");

    /** parse_latex_cached: the whole LaTeX, else (when it has no ',' or ';') the part after its last '='. */
    static MathExpr parseLatex(String latex, WorkBudget budget) {
        MathExpr e = LatexParser.parse(latex, budget);
        if (e != null || latex.contains(",") || latex.contains(";")) return e;
        List<String> parts = List.of(EQUATION_SPLIT.split(budget.view(latex), -1));
        return parts.size() > 2 ? LatexParser.parse(parts.getLast(), budget) : null;
    }

    /** extract_expr: a number (thousands separators dropped, ',' as decimal point, percent) or a plain expression. */
    private static Candidate extractExpr(Match match, WorkBudget budget) {
        String integer = firstNumberGroup(match, "integer"), decimal = firstNumberGroup(match, "decimal");
        String percentText = match.group("percent");
        boolean percent = percentText != null && !percentText.isEmpty();
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
        String expr = match.group("expr") != null ? match.group("expr") : "";
        if (expr.isEmpty()) return new Candidate(null, "");
        budget.spend(expr.length());
        return new Candidate(PyExprParser.parse(expr.replace("\n", " ").replace("^", "**"), budget), expr);
    }

    private static String firstNumberGroup(Match match, String prefix) {
        for (int k = 1; k <= 3; k++) {
            String v = match.group(prefix + k);
            if (v != null && !v.isEmpty()) return v;
        }
        return "";
    }

    /** sympy.Number(text): an Integer, or a Float when there is a '.'; null for what the Java side cannot read. */
    private static MathExpr pyNumber(String text) {
        try {
            if (text.length() > LatexAtoms.MAX_DIGITS) return null;
            if (text.contains(".")) return LatexAtoms.floatNumber(text);
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
        out.add(new Regex("(?i:final answer is)\\:?\\s*" + envs + "\\.?\\s?I hope", flags, 0, Target.LATEX, word("final answer is")));
        out.add(new Regex("(?i:final answer.{0,100}?)\\s+is\\:?\\s*" + envs, flags, 50, Target.LATEX, word("final answer")));
        out.add(new Regex("(?i:answer):.{0,50}?" + envs, flags, 100, Target.LATEX, word("answer")));
        out.add(new Regex("(?i:answer).{0,50}?" + envs, flags, 200, Target.LATEX, word("answer")));
        out.add(new Regex(envs, flags, 300, Target.LATEX, AnswerExtractor::latexStart));
        StringBuilder boxedNext = new StringBuilder();
        for (int i = 1; i <= 5; i++) boxedNext.append("\\s*(?:\\s*(?:,?and|,?or|,)\\s*").append(latexEnvPattern("next" + i, true)).append(")?");
        out.add(new Regex(latexEnvPattern("first", true) + boxedNext, flags, 50, Target.LATEX, AnswerExtractor::latexStart));
        out.add(new Regex("(?<firstlatexBoxed>\\\\boxed\\{.+\\})", flags, 50, Target.LATEX, word("\\boxed{")));
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
        out.add(new Regex("(?i:final answer is)\\:?\\s*" + exprOrNumber + "\\.?\\s?I hope", FLAGS, 0, Target.EXPR, word("final answer is")));
        out.add(new Regex("(?i:final answer.{0,100}?)\\s+is\\:?" + exprOrNumber, FLAGS, 50, Target.EXPR, word("final answer")));
        out.add(new Regex("(?i:answer):(?:.{0,100}=\\s*|.{0,50}?)" + exprOrNumber + "(?!\\s*=)", FLAGS, 100, Target.EXPR, word("answer")));
        out.add(new Regex("(?i:answer)(?:.{0,100}=\\s*|.{0,50}?)" + exprOrNumber + "(?!\\s*=)", FLAGS, 200, Target.EXPR, word("answer")));
        out.add(new Regex(exprWithAnchors, FLAGS, 300, Target.EXPR, AnswerExtractor::numberStart));
        out.add(new Regex(numberWithAnchors, FLAGS, 300, Target.EXPR, AnswerExtractor::numberStart));
        return out;
    }
}
