package falconh1r.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code falcon-h1r} command line. Commands only parse, print and call into the library. */
@Command(name = "falcon-h1r", mixinStandardHelpOptions = true, version = "falcon-h1r-jvm 0.1.0",
        description = "A pure-JVM reference implementation of the Falcon-H1R pipeline.",
        subcommands = {InfoCommand.class, InitCommand.class, LogitsCommand.class, GenerateCommand.class, TokenizeCommand.class,
                DeepConfCommand.class, RewardCommand.class, SftCommand.class, CurateCommand.class, GrpoCommand.class,
                DemoCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
