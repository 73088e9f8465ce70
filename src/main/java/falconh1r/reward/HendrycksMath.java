package falconh1r.reward;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Tier 1 of the math reward: verl {@code verl/utils/reward_score/math_reward.py} (the Hendrycks MATH
 * checker from lm-evaluation-harness). {@code compute_score(solution, ground_truth)} takes the last
 * \boxed{...} of the solution ({@code last_boxed_only_string}, with the "\boxed " form and the \fbox
 * fallback), strips the box ({@code remove_boxed}), normalises both strings ({@code strip_string}) and
 * compares them ({@code is_equiv}). Python's asserts and index errors become {@link Mismatch}, caught
 * where Python catches them, so every outcome is Python's.
 */
final class HendrycksMath {
    private HendrycksMath() {}

    /** An AssertionError or IndexError of the Python code. */
    private static final class Mismatch extends Exception {
        private static final long serialVersionUID = 1L;

        Mismatch() {
            super(null, null, false, false);
        }
    }

    private static final Pattern CANONICAL_INT = Pattern.compile("-?(?:0|[1-9][0-9]*)");

    /** compute_score(solution_str, ground_truth): true when it returns 1.0. */
    static boolean accepts(String groundTruth, String solution) {
        String boxed = lastBoxedOnlyString(solution);
        if (boxed == null) return false;
        try {
            return isEquiv(removeBoxed(boxed), groundTruth);
        } catch (Mismatch e) {
            return false;
        }
    }

    /** last_boxed_only_string: the last "\boxed ..." up to a '$', or the last \boxed{...} / \fbox{...} with balanced braces. */
    static String lastBoxedOnlyString(String s) {
        int idx = s.lastIndexOf("\\boxed");
        int space = s.lastIndexOf("\\boxed ");
        if (space >= 0) {
            String tail = s.substring(space + "\\boxed ".length());
            int dollar = tail.indexOf('$');
            return "\\boxed " + (dollar >= 0 ? tail.substring(0, dollar) : tail);
        }
        if (idx < 0) {
            idx = s.lastIndexOf("\\fbox");
            if (idx < 0) return null;
        }
        int open = 0;
        for (int i = idx; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{') open++;
            if (c == '}') {
                open--;
                if (open == 0) return s.substring(idx, i + 1);
            }
        }
        return null;
    }

    /** remove_boxed: asserts the "\boxed " or "\boxed{...}" shape (so an \fbox fails). */
    static String removeBoxed(String s) throws Mismatch {
        if (s.contains("\\boxed ")) {
            if (!s.startsWith("\\boxed ")) throw new Mismatch();
            return s.substring("\\boxed ".length());
        }
        if (!s.startsWith("\\boxed{") || !s.endsWith("}")) throw new Mismatch();
        return s.substring("\\boxed{".length(), s.length() - 1);
    }

    /** is_equiv: the normalised strings are equal; if normalising raises, the raw strings are compared. */
    static boolean isEquiv(String a, String b) {
        try {
            return stripString(a).equals(stripString(b));
        } catch (Mismatch e) {
            return a.equals(b);
        }
    }

    /** strip_string, step by step as in Python. */
    static String stripString(String s) throws Mismatch {
        s = s.replace("\n", "");
        s = s.replace("\\!", "");
        s = s.replace("\\\\", "\\");
        s = s.replace("tfrac", "frac");
        s = s.replace("dfrac", "frac");
        s = s.replace("\\left", "");
        s = s.replace("\\right", "");
        s = s.replace("^{\\circ}", "");
        s = s.replace("^\\circ", "");
        s = s.replace("\\$", "");
        s = removeRightUnits(s);
        s = s.replace("\\\\%", "");
        s = s.replace("\\%", "");
        s = s.replace(" .", " 0.");
        s = s.replace("{.", "{0.");
        if (s.isEmpty()) return s;
        if (s.charAt(0) == '.') s = "0" + s;
        List<String> eq = PyStrings.split(s, "=");
        if (eq.size() == 2 && eq.get(0).codePointCount(0, eq.get(0).length()) <= 2) s = eq.get(1);
        s = fixSqrt(s);
        s = s.replace(" ", "");
        s = fixFracs(s);
        if (s.equals("0.5")) s = "\\frac{1}{2}";
        return fixASlashB(s);
    }

    private static String removeRightUnits(String s) throws Mismatch {
        if (!s.contains("\\text{ ")) return s;
        List<String> splits = PyStrings.split(s, "\\text{ ");
        if (splits.size() != 2) throw new Mismatch();
        return splits.get(0);
    }

    private static String fixSqrt(String s) throws Mismatch {
        if (!s.contains("\\sqrt")) return s;
        List<String> splits = PyStrings.split(s, "\\sqrt");
        StringBuilder out = new StringBuilder(splits.getFirst());
        for (String split : splits.subList(1, splits.size())) {
            if (split.isEmpty()) throw new Mismatch();
            if (split.charAt(0) != '{') {
                int n = split.offsetByCodePoints(0, 1);
                out.append("\\sqrt{").append(split, 0, n).append('}').append(split, n, split.length());
            } else {
                out.append("\\sqrt").append(split);
            }
        }
        return out.toString();
    }

    private static String fixFracs(String s) throws Mismatch {
        List<String> substrs = PyStrings.split(s, "\\frac");
        StringBuilder out = new StringBuilder(substrs.getFirst());
        for (String substr : substrs.subList(1, substrs.size())) {
            out.append("\\frac");
            if (substr.isEmpty()) throw new Mismatch();
            if (substr.charAt(0) == '{') {
                out.append(substr);
                continue;
            }
            if (substr.codePointCount(0, substr.length()) < 2) return s;
            int i1 = substr.offsetByCodePoints(0, 1), i2 = substr.offsetByCodePoints(i1, 1);
            String a = substr.substring(0, i1), b = substr.substring(i1, i2);
            if (!b.equals("{")) out.append('{').append(a).append("}{").append(b).append('}').append(substr, i2, substr.length());
            else out.append('{').append(a).append('}').append(b).append(substr, i2, substr.length());
        }
        return out.toString();
    }

    private static String fixASlashB(String s) {
        List<String> parts = PyStrings.split(s, "/");
        if (parts.size() != 2) return s;
        String a = parts.get(0), b = parts.get(1);
        if (!CANONICAL_INT.matcher(a).matches() || !CANONICAL_INT.matcher(b).matches() || a.equals("-0") || b.equals("-0")) return s;
        return "\\frac{" + a + "}{" + b + "}";
    }
}
