package falconh1r.cli;

import falconh1r.io.SafetensorsException;
import falconh1r.model.ConfigException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * A problem with what the user gave (a file, a folder, an option's value): the command prints its
 * message as one line on stderr and exits with {@link #EXIT_CODE}, picocli's usage-error code.
 */
final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The exit code of a user error (picocli's {@code ExitCode.USAGE}). */
    static final int EXIT_CODE = CommandLine.ExitCode.USAGE;

    UserError(String message) {
        super(message);
    }

    /**
     * Runs {@code body}; a {@link UserError}, {@link ConfigException}, {@link SafetensorsException} or
     * {@link UncheckedIOException} becomes one line
     * {@code "falcon-h1r <command>: <message>"} on the command line's stderr and exit code 2.
     */
    static int run(CommandLine commandLine, Callable<Integer> body) throws Exception {
        try {
            return body.call();
        } catch (UserError | ConfigException | SafetensorsException e) {
            return fail(commandLine, e.getMessage());
        } catch (UncheckedIOException e) {
            return fail(commandLine, e.getMessage() + (e.getCause() != null ? ": " + e.getCause().getMessage() : ""));
        }
    }

    private static int fail(CommandLine commandLine, String message) {
        commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + message);
        commandLine.getErr().flush();
        return EXIT_CODE;
    }
}
