package falconh1r.demo;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a demo run measured, and its {@code report.md}: the paper-style table of held-out pass@1 by
 * stage, the test-time-scaling table (majority@K against DeepConf online at the same budget), the
 * curation histogram, the GRPO summary, the timings, and the settings scaled down from the paper.
 *
 * @param scaling majority@K then DeepConf@K, for the SFT model and then the RL model
 * @param sftLoss the unweighted token loss of every SFT step
 * @param grpo    per GRPO step {batch mean reward, on-policy accuracy of what the step generated}
 */
public record Report(DemoOptions options, long parameters, Evaluation.PassAt1 base, Evaluation.PassAt1 sft, Evaluation.PassAt1 rl,
                     List<Evaluation.Scaling> scaling, List<Double> sftLoss, List<double[]> grpo,
                     String histogram, int kept, int grpoStepsDone, int grpoDrawn, int grpoCacheHits, String grpoNote,
                     double sftSeconds, double curationSeconds, double grpoSeconds, double scalingSeconds, double totalSeconds) {

    /** Collects the parts as the run produces them. */
    static final class Builder {
        final DemoOptions options;
        final long parameters;
        Evaluation.PassAt1 base, sft, rl;
        final List<Evaluation.Scaling> scaling = new java.util.ArrayList<>();
        List<Double> sftLoss = List.of();
        List<double[]> grpo = List.of();
        String histogram = "", grpoNote = null;
        int kept, grpoStepsDone, grpoDrawn, grpoCacheHits;
        double sftSeconds, curationSeconds, grpoSeconds, scalingSeconds, totalSeconds;

        Builder(DemoOptions options, long parameters) {
            this.options = options;
            this.parameters = parameters;
        }

        Report build() {
            return new Report(options, parameters, base, sft, rl, List.copyOf(scaling), List.copyOf(sftLoss), List.copyOf(grpo), histogram,
                    kept, grpoStepsDone, grpoDrawn, grpoCacheHits, grpoNote, sftSeconds, curationSeconds, grpoSeconds, scalingSeconds,
                    totalSeconds);
        }
    }

    /** The two tables the CLI prints at the end, each under its title. */
    public String table() {
        return passTitle() + "\n" + passTable() + "\n" + scalingTitle() + "\n" + scalingTable();
    }

    private String passTitle() {
        return String.format(Locale.ROOT, "Held-out pass@1 (%d problems of %d-%d steps, %d samples each, T %.1f, top-p %.2f)",
                options.evalProblems, options.evalMinSteps, options.maxSteps, options.passSamples, options.evalTemperature, options.evalTopP);
    }

    private String scalingTitle() {
        return String.format(Locale.ROOT, "Test-time scaling (the first %d held-out problems, budget K = %d traces each; DeepConf online: "
                + "%d warm-up traces, eta %.0f, window %d tokens)", options.tsProblems, options.budget, options.warmup, options.eta, options.window);
    }

    private String passTable() {
        StringBuilder s = new StringBuilder("| model | pass@1 |");
        Map<Integer, Double> steps = base.byStep();
        for (int k : steps.keySet()) s.append(" ").append(k).append(" steps |");
        s.append(" response tokens |\n|---|---|");
        s.append("---|".repeat(steps.size())).append("---|\n");
        row(s, "Falcon-H1 base (random init)", base);
        row(s, "+ SFT (cold start)", sft);
        row(s, "+ GRPO (miniature Falcon-H1R)", rl);
        return s.toString();
    }

    private static void row(StringBuilder s, String name, Evaluation.PassAt1 r) {
        s.append("| ").append(name).append(String.format(Locale.ROOT, " | **%.1f** |", 100 * r.accuracy()));
        for (double v : r.byStep().values()) s.append(String.format(Locale.ROOT, " %.1f |", 100 * v));
        s.append(' ').append(r.tokens()).append(" |\n");
    }

    private String scalingTable() {
        StringBuilder s = new StringBuilder("| model | method | accuracy | generated tokens | traces | stopped early |\n"
                + "|---|---|---|---|---|---|\n");
        for (Evaluation.Scaling r : scaling) {
            s.append(String.format(Locale.ROOT, "| %s | %s | **%.1f** | %d | %d | %d |%n", r.model(), r.method(), 100 * r.accuracy(), r.tokens(),
                    r.traces(), r.stopped()));
        }
        s.append('\n');
        for (int i = 0; i + 1 < scaling.size(); i += 2) {
            Evaluation.Scaling majority = scaling.get(i), deepconf = scaling.get(i + 1);
            s.append(String.format(Locale.ROOT, "%s: DeepConf %+.1f points of accuracy with %.1f%% fewer tokens than majority@%d.%n",
                    majority.model(), 100 * (deepconf.accuracy() - majority.accuracy()),
                    100 * (1 - (double) deepconf.tokens() / majority.tokens()), options.budget));
        }
        return s.toString();
    }

    /** report.md. */
    public String markdown() {
        DemoOptions o = options;
        StringBuilder s = new StringBuilder("# Miniature Falcon-H1R\n\n");
        s.append(String.format(Locale.ROOT, "Seed %d; a %,d-parameter Falcon-H1 (%d hybrid attention + Mamba2 layers, width %d); "
                + "total time %.0f s (SFT %.0f s, curation %.0f s, GRPO %.0f s, test-time scaling %.0f s).%n%n", o.seed, parameters,
                o.layers, o.hidden, totalSeconds, sftSeconds, curationSeconds, grpoSeconds, scalingSeconds));
        s.append("The task: a chain of digit operations evaluated left to right modulo 10 (`3+5*2-7` → `3+5=8`, `8*2=6`, `6-7=9`, "
                + "`\\boxed{9}`); difficulty is the number of steps. The SFT traces come from a simulated teacher that slips on "
                + String.format(Locale.ROOT, "products of two digits >= %d with probability %.2f; the RL and held-out answers are exact.%n%n",
                ChainTask.SLIP_MIN_DIGIT, o.teacherSlip));
        s.append("## ").append(passTitle()).append("\n\n").append(passTable()).append('\n');
        s.append("## ").append(scalingTitle()).append("\n\n").append(scalingTable()).append('\n');
        s.append("## Curation (pass rate of the SFT model, ").append(o.curateK).append(" samples at T ").append(o.curateTemperature)
                .append(")\n\n```\n").append(histogram).append("```\n\n");
        s.append(String.format(Locale.ROOT, "## GRPO%n%n%d of %d steps, %d prompts x %d rollouts per step at T %.2f, lr %.1e; "
                + "%d groups generated, %d batch groups served from the backfill cache.", grpoStepsDone, o.grpoSteps, o.grpoPrompts,
                o.grpoGroup, o.grpoTemperature, o.grpoLr, grpoDrawn, grpoCacheHits));
        if (!grpo.isEmpty()) {
            s.append(String.format(Locale.ROOT, " Batch reward %.3f at the first step, %.3f at the last.", grpo.getFirst()[0], grpo.getLast()[0]));
        }
        if (grpoNote != null) s.append(" Note: ").append(grpoNote).append('.');
        s.append("\n\n## Plots\n\n![SFT loss](plots/sft_loss.png)\n![RL reward](plots/rl_reward.png)\n"
                + "![accuracy by stage](plots/accuracy_by_stage.png)\n![DeepConf](plots/deepconf_tokens.png)\n\n");
        s.append("## Settings, scaled down from the paper\n\n| setting | paper | this run |\n|---|---|---|\n");
        setting(s, "model", "Falcon-H1-7B (44 layers, d 3072)", String.format(Locale.ROOT, "%d layers, d %d, %,d parameters", o.layers, o.hidden, parameters));
        setting(s, "SFT batch / steps / lr", "512 / ~18k (3 epochs) / 1.024e-3", o.sftBatch + " / " + o.sftSteps + " / " + o.sftLr);
        setting(s, "SFT ranks (balanced token normalisation)", "256 GPUs", Integer.toString(o.sftRanks));
        setting(s, "difficulty weights", "hard 1.25-1.75, easy 0.5", "by steps: easy (<= " + o.easyMax + ") 0.5, hard (>= " + o.hardMin + ") 1.5, sampling");
        setting(s, "curation samples / T / top-p", "8 / 0.6 / 0.95", o.curateK + " / " + o.curateTemperature + " / " + o.curateTopP);
        setting(s, "GRPO prompts x group / T / lr", "128 x 16 / 0.85 / 2e-6", o.grpoPrompts + " x " + o.grpoGroup + " / " + o.grpoTemperature + " / " + o.grpoLr);
        setting(s, "max response tokens", "48K (RL), 64K (eval)", Integer.toString(o.maxNewTokens));
        setting(s, "DeepConf budget / warm-up / eta / window", "512 / 16 / 10 / 2048", o.budget + " / " + o.warmup + " / " + o.eta + " / " + o.window);
        s.append("\n## Files\n\n`data/` (splits), `tokenizer.json`, `base/`, `sft/checkpoint-").append(o.sftSteps)
                .append("/`, `curation/kept.jsonl`, `grpo/checkpoint-").append(grpoStepsDone)
                .append("/` (Hugging Face checkpoints), `metrics.jsonl` (every stage, tagged `stage`), `plots/`.\n");
        return s.toString();
    }

    private static void setting(StringBuilder s, String name, String paper, String here) {
        s.append("| ").append(name).append(" | ").append(paper).append(" | ").append(here).append(" |\n");
    }
}
