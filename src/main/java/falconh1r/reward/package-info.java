/**
 * The binary math reward of Falcon-H1R's RL stage (pipeline.md §3.7): {@link falconh1r.reward.MathReward}.
 *
 * <p>Tier 1 ({@code HendrycksMath}) is verl's {@code math_reward.py}, ported line by line. Tier 2 is
 * Math-Verify 0.8.0 as verl's {@code math_verify.compute_score} calls it, for a documented subset:
 * <ul>
 * <li><b>Extraction</b> ({@code AnswerExtractor}): Math-Verify's regexes verbatim, by priority (0 "final
 *     answer is ... I hope", 50 "final answer ... is" and \boxed, 100 "answer:", 200 "answer", 300 plain
 *     $...$, $$...$$, \[...\], \(...\), bare \frac or number), rightmost match first, up to five LaTeX
 *     pieces joined by "and"/"or"/",", the first match's string kept as a fallback candidate;
 *     latex2sympy2_extended's {@code normalize_latex} ({@code LatexNormalizer}): \left/\right, \text
 *     and \mathrm, units, percent words, malformed \frac12 and \sqrt3, a/b.
 * <li><b>Parsing</b> ({@code LatexLexer}, {@code LatexParser}, {@code PyExprParser}): integers, decimals
 *     (sympy Floats), thousands separators ("1,234", "1{,}234"), scientific "1.5E3", percentages,
 *     \frac/\dfrac/\tfrac/\cfrac, mixed numbers, \sqrt and \sqrt[n], powers, signs, + - × ÷ · / :,
 *     implicit multiplication, \pi, e, \infty, \log/\ln/\exp, trigonometric and hyperbolic functions,
 *     |x|, floor/ceiling, factorial, \binom, degrees, subscripts, Greek letters, \text{...} symbols,
 *     f(x); relations (=, ≠, <, ≤, >, ≥, ≈, chains such as x = 5 + 96 = 101); sets \{...\}, tuples,
 *     intervals, ∪, \emptyset, \mathbb{R}, ±, "x \in [a, b]"; matrices (pmatrix, bmatrix, matrix,
 *     array) with sums and products. Not supported (the answer falls back to string equality): \sum,
 *     \prod, \int, \lim, derivatives, ∩, \setminus, \subseteq, complex numbers, gcd/lcm/max/min.
 * <li><b>Equivalence</b> ({@code MathVerify}): {@code verify(gold, pred)}, asymmetric, with the rules of
 *     {@code sympy_expr_eq}: assignments unwrapped (gold 101 matches "x = ... = 101"), relations
 *     compared by lhs - rhs (also flipped) or by proportional sides, relations against sets through
 *     as_set, sets and tuples element by element, intervals end by end, symbols by name; numbers by
 *     round(6) when a Float takes part, else exactly with BigInteger rationals, sympy's 53-bit Float
 *     arithmetic where Floats meet other numbers, doubles for irrational values; expressions with
 *     variables by equality at fixed sample points.
 * </ul>
 * Work is bounded: a {@code WorkBudget} (one million units per check) stands in for Math-Verify's 5 s
 * timeouts and scores 0 when spent; parses are capped in tokens, depth and steps, rationals in bits.
 */
package falconh1r.reward;
