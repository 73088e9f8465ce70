package falconh1r.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * The report's PNG plots (XChart, drawn headless): {@code sft_loss.png} (token loss per SFT step),
 * {@code rl_reward.png} (GRPO batch reward and on-policy accuracy per step),
 * {@code accuracy_by_stage.png} (held-out pass@1 of base, SFT and RL by step count) and
 * {@code deepconf_tokens.png} (accuracy against generated tokens of the SFT and RL models: one
 * sample per problem, majority@K, DeepConf online).
 */
public final class Plots {
    private Plots() {}

    private static final int WIDTH = 800, HEIGHT = 500;

    /** Writes the four plots into {@code dir}. */
    public static void write(Report r, Path dir) {
        System.setProperty("java.awt.headless", "true");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        save(sftLoss(r), dir.resolve("sft_loss.png"));
        save(rlReward(r), dir.resolve("rl_reward.png"));
        save(accuracyByStage(r), dir.resolve("accuracy_by_stage.png"));
        save(deepconf(r), dir.resolve("deepconf_tokens.png"));
    }

    static XYChart sftLoss(Report r) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("SFT: token loss").xAxisTitle("optimizer step")
                .yAxisTitle("cross-entropy (nats/token)").build();
        double[] x = new double[r.sftLoss().size()], y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
            y[i] = r.sftLoss().get(i);
        }
        c.addSeries("token loss", x, y).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        c.getStyler().setYAxisLogarithmic(true);
        return c;
    }

    static XYChart rlReward(Report r) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("GRPO: reward").xAxisTitle("step").yAxisTitle("mean reward")
                .build();
        List<Double> sx = new ArrayList<>(), sy = new ArrayList<>(), ax = new ArrayList<>(), ay = new ArrayList<>();
        for (int i = 0; i < r.grpo().size(); i++) {
            double[] v = r.grpo().get(i);
            sx.add(i + 1.0);
            sy.add(v[0]);
            if (!Double.isNaN(v[1])) {
                ax.add(i + 1.0);
                ay.add(v[1]);
            }
        }
        if (sx.isEmpty()) {
            sx.add(0.0);
            sy.add(0.0);
        }
        c.addSeries("policy batch (informative groups)", sx, sy);
        if (!ax.isEmpty()) c.addSeries("all rollouts generated (on-policy accuracy)", ax, ay);
        c.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        return c;
    }

    static CategoryChart accuracyByStage(Report r) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title("Held-out pass@1 by stage")
                .xAxisTitle("steps in the problem").yAxisTitle("pass@1 (%)").build();
        List<String> x = new ArrayList<>();
        for (int k : r.base().byStep().keySet()) x.add(Integer.toString(k));
        x.add("all");
        c.addSeries("base", x, values(r.base()));
        c.addSeries("SFT", x, values(r.sft()));
        c.addSeries("SFT + GRPO", x, values(r.rl()));
        c.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
        return c;
    }

    private static List<Double> values(Evaluation.PassAt1 p) {
        List<Double> v = new ArrayList<>();
        for (double a : p.byStep().values()) v.add(100 * a);
        v.add(100 * p.accuracy());
        return v;
    }

    static XYChart deepconf(Report r) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Test-time scaling at K = " + r.options().budget)
                .xAxisTitle("generated tokens").yAxisTitle("accuracy (%)").build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter).setMarkerSize(12);
        DemoOptions o = r.options();
        double perSample = (double) o.tsProblems / (o.evalProblems * (double) o.passSamples);
        c.addSeries("SFT, one sample (pass@1)", new double[] {r.sft().tokens() * perSample}, new double[] {100 * r.sft().accuracy()});
        c.addSeries("RL, one sample (pass@1)", new double[] {r.rl().tokens() * perSample}, new double[] {100 * r.rl().accuracy()});
        for (Evaluation.Scaling s : r.scaling()) {
            c.addSeries(s.model() + ", " + s.method(), new double[] {s.tokens()}, new double[] {100 * s.accuracy()});
        }
        c.getStyler().setXAxisMin(0.0).setYAxisMin(0.0).setYAxisMax(100.0);
        return c;
    }

    private static void save(Chart<?, ?> chart, Path file) {
        try {
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
