package falconh1r.cli;

import falconh1r.sft.SftTrainer;
import falconh1r.sft.StepMetrics;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The SFT run's console view: a progress bar over the optimizer steps (percent, step/total, elapsed,
 * ETA) whose message shows the last step's loss, lr and tokens/s, on stderr; or, without a bar, one
 * line per step on {@code out}. Checkpoints are announced as they are written.
 */
final class SftProgress implements SftTrainer.Listener, AutoCloseable {
    private final boolean showBar;
    private final PrintStream console;
    private final PrintWriter out;
    private ProgressBar bar;       // made at the first step, which tells the run's length and where it resumed

    /** A bar on {@code console}, or plain lines on {@code out} when {@code showBar} is false. */
    SftProgress(boolean showBar, PrintStream console, PrintWriter out) {
        this.showBar = showBar;
        this.console = console;
        this.out = out;
    }

    /** {@code loss 2.3456 lr 1.02e-03 1234 tok/s}. */
    static String message(StepMetrics m) {
        return String.format(Locale.ROOT, "loss %.4f lr %.2e %.0f tok/s", m.loss(), m.lr(), m.tokensPerSecond());
    }

    @Override
    public void onStep(StepMetrics m) {
        if (showBar && bar == null) {
            bar = new ProgressBarBuilder().setTaskName("sft").setInitialMax(m.totalSteps()).startsFrom(m.step() - 1, Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(console)).build();
        }
        if (bar != null) {
            bar.stepTo(m.step());
            bar.setExtraMessage(message(m));
        } else {
            out.printf(Locale.ROOT, "step %d/%d %s grad_norm %.4f%n", m.step(), m.totalSteps(), message(m), m.gradNorm());
            out.flush();
        }
    }

    @Override
    public void onCheckpoint(Path checkpoint) {
        if (bar != null) bar.setExtraMessage(bar.getExtraMessage() + " (saved " + checkpoint.getFileName() + ")");
        else {
            out.println("saved " + checkpoint);
            out.flush();
        }
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
