package falconh1r.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The demo's verifiable reasoning task: a chain of digit operations evaluated left to right modulo
 * 10. A problem of n steps is a start digit and n (operator, digit) pairs, e.g. {@code 3+5*2-7};
 * its worked solution writes one line per step, {@code 3+5=8}, {@code 8*2=6}, {@code 6-7=9}, and
 * the answer is {@code \boxed{9}}. Difficulty is the number of steps: every step is a lookup (the
 * next operator and digit of the question) and a table fact (the operation mod 10), so the chance of
 * getting a problem right falls with n, as with long math derivations.
 *
 * <p>The worked solutions of the SFT split come from a simulated teacher that, like a real teacher
 * model, is unreliable on part of the table: it slips on a product of two digits that are both at
 * least {@link #SLIP_MIN_DIGIT} with probability {@code slip}, writing the product's last digit plus
 * one, and carries on from the wrong value (so the trace stays consistent and its boxed answer is
 * wrong). SFT imitates those slips; the RL split's gold answers are exact, so RL can remove them.
 */
public final class ChainTask {
    private ChainTask() {}

    static final char[] OPERATORS = {'+', '-', '*'};
    /** The teacher slips on products of two digits both at least this. */
    public static final int SLIP_MIN_DIGIT = 4;

    /**
     * One problem with its worked solution.
     *
     * @param id        a stable name: the split and the index within it
     * @param question  the expression, e.g. {@code 3+5*2-7}
     * @param reasoning the teacher's worked solution, one {@code a?b=c} line per step
     * @param answer    the exact final digit (the gold answer)
     * @param teacher   the final digit of the teacher's solution (the answer unless it slipped)
     * @param steps     n, the number of operations (the difficulty)
     */
    public record Problem(String id, String question, String reasoning, String answer, String teacher, int steps) {

        /** The teacher's boxed final answer, the assistant's reply after its reasoning. */
        public String boxed() {
            return "\\boxed{" + teacher + "}";
        }

        /** The SFT conversation line (sft package format), with the difficulty label of {@code steps}. */
        public ObjectNode toConversation(ObjectMapper json, Difficulty difficulty) {
            ObjectNode o = json.createObjectNode();
            o.put("id", id);
            ArrayNode m = o.putArray("messages");
            m.addObject().put("role", "user").put("content", question);
            m.addObject().put("role", "assistant").put("content", boxed()).put("reasoning", reasoning);
            o.put("domain", "math");
            o.put("difficulty", difficulty.label(steps));
            return o;
        }

        /** The RL problem line (rl package format): question and gold answer. */
        public ObjectNode toRlProblem(ObjectMapper json) {
            return json.createObjectNode().put("id", id).put("question", question).put("answer", answer).put("steps", steps);
        }
    }

    /**
     * The difficulty buckets of the SFT weighting (pipeline.md §1.5) by step count: at most
     * {@code easyMax} steps is easy, at least {@code hardMin} is hard, the rest medium.
     */
    public record Difficulty(int easyMax, int hardMin) {
        public Difficulty {
            if (easyMax < 0 || hardMin <= easyMax) throw new IllegalArgumentException("need 0 <= easyMax < hardMin, got " + easyMax + ", " + hardMin);
        }

        public String label(int steps) {
            return steps <= easyMax ? "easy" : steps >= hardMin ? "hard" : "medium";
        }
    }

    /**
     * A random problem of {@code steps} operations with the teacher's solution, which slips with
     * probability {@code slip} on each product of two digits at least {@link #SLIP_MIN_DIGIT}.
     */
    public static Problem generate(String id, int steps, double slip, SplittableRandom random) {
        if (steps < 1) throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        if (!(slip >= 0 && slip <= 1)) throw new IllegalArgumentException("slip must be in [0, 1], got " + slip);
        int start = random.nextInt(10);
        StringBuilder question = new StringBuilder().append(start);
        for (int s = 0; s < steps; s++) question.append(OPERATORS[random.nextInt(OPERATORS.length)]).append(random.nextInt(10));
        StringBuilder reasoning = new StringBuilder();
        int value = start;
        for (int i = 1; i < question.length(); i += 2) {
            char op = question.charAt(i);
            int digit = question.charAt(i + 1) - '0';
            int next = apply(value, op, digit);
            if (op == '*' && value >= SLIP_MIN_DIGIT && digit >= SLIP_MIN_DIGIT && random.nextDouble() < slip) next = (next + 1) % 10;
            if (i > 1) reasoning.append('\n');
            reasoning.append(value).append(op).append(digit).append('=').append(next);
            value = next;
        }
        String q = question.toString();
        return new Problem(id, q, reasoning.toString(), Integer.toString(evaluate(q)), Integer.toString(value), steps);
    }

    /** {@code a op b} mod 10, in [0, 10). */
    static int apply(int a, char op, int b) {
        int r = switch (op) {
            case '+' -> a + b;
            case '-' -> a - b;
            case '*' -> a * b;
            default -> throw new IllegalArgumentException("operator must be one of + - *, got '" + op + "'");
        };
        return Math.floorMod(r, 10);
    }

    /** The value of a question by the task's rule (what the worked solution computes). */
    public static int evaluate(String question) {
        if (question.isEmpty() || question.length() % 2 == 0) throw new IllegalArgumentException("question must be d(op d)*, got \"" + question + "\"");
        int value = digit(question, 0);
        for (int i = 1; i < question.length(); i += 2) value = apply(value, question.charAt(i), digit(question, i + 1));
        return value;
    }

    private static int digit(String q, int i) {
        char c = q.charAt(i);
        if (c < '0' || c > '9') throw new IllegalArgumentException("question \"" + q + "\": expected a digit at " + i + ", got '" + c + "'");
        return c - '0';
    }

    /** The SFT, RL and evaluation problems: no question appears in two splits (nor twice in one). */
    public record Splits(List<Problem> sft, List<Problem> rl, List<Problem> eval) {}

    /**
     * Disjoint splits drawn from one seed, each problem's step count uniform in
     * [{@code minSteps}, {@code maxSteps}] (the evaluation split's in [{@code evalMinSteps},
     * {@code maxSteps}]). Held-out and RL problems are drawn first, so the SFT split never holds a
     * question they have. The teacher's solutions slip with probability {@code slip} (see
     * {@link #generate}). Fails when the range has too few distinct questions.
     */
    public static Splits splits(long seed, int sft, int rl, int eval, int minSteps, int evalMinSteps, int maxSteps, double slip) {
        if (minSteps < 1 || evalMinSteps < minSteps || maxSteps < evalMinSteps) {
            throw new IllegalArgumentException("need 1 <= minSteps <= evalMinSteps <= maxSteps, got " + minSteps + ", " + evalMinSteps + ", " + maxSteps);
        }
        SplittableRandom random = new SplittableRandom(seed);
        Set<String> seen = new HashSet<>();
        List<Problem> e = draw("eval", eval, evalMinSteps, maxSteps, slip, random, seen);
        List<Problem> r = draw("rl", rl, minSteps, maxSteps, slip, random, seen);
        List<Problem> s = draw("sft", sft, minSteps, maxSteps, slip, random, seen);
        return new Splits(s, r, e);
    }

    private static List<Problem> draw(String split, int count, int minSteps, int maxSteps, double slip, SplittableRandom random,
                                      Set<String> seen) {
        List<Problem> out = new ArrayList<>(count);
        long attempts = 0;
        while (out.size() < count) {
            if (++attempts > 100L * count + 1000) {
                throw new IllegalArgumentException("cannot draw " + count + " distinct " + split + " problems of " + minSteps + ".." + maxSteps + " steps");
            }
            Problem p = generate(split + "-" + out.size(), minSteps + random.nextInt(maxSteps - minSteps + 1), slip, random);
            if (seen.add(p.question())) out.add(p);
        }
        return out;
    }
}
