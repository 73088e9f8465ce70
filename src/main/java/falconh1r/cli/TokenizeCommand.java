package falconh1r.cli;

import falconh1r.tokenizer.Tokenizer;
import falconh1r.tokenizer.TokenizerException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code falcon-h1r tokenize}: token ids of stdin's lines, or the text of lines of ids. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Encodes each line of stdin (UTF-8) with a tokenizer.json and prints its ids, separated by",
            "spaces, one line per input line (special tokens of the post-processor included, as",
            "tokenizers' encode does). With --decode, each input line holds ids (separated by spaces or",
            "commas) and the decoded text is printed instead; text holding a newline spans several lines."})
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "a Hugging Face tokenizer.json (BPE)")
    Path tokenizer;
    @Option(names = "--decode", description = "read lines of ids and print their text")
    boolean decode;
    @Option(names = "--no-special-tokens", description = "encode without the post-processor's special tokens (e.g. a BOS)")
    boolean noSpecialTokens;
    @Option(names = "--skip-special-tokens", description = "with --decode, leave special tokens out of the text")
    boolean skipSpecialTokens;

    @Override
    public Integer call() throws Exception {
        return UserError.run(spec.commandLine(), () -> {
            Tokenizer tok;
            try {
                tok = Tokenizer.load(tokenizer);
            } catch (TokenizerException e) {
                throw new UserError(e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (decode) {
                    out.println(tok.decode(ids(line, number, tok), skipSpecialTokens));
                } else {
                    StringBuilder b = new StringBuilder();
                    for (int id : tok.encode(line, !noSpecialTokens)) b.append(b.isEmpty() ? "" : " ").append(id);
                    out.println(b);
                }
            }
            out.flush();
            return 0;
        });
    }

    /** The ids of one input line; an empty line is no ids. */
    private static int[] ids(String line, int number, Tokenizer tok) {
        String trimmed = line.strip();
        if (trimmed.isEmpty()) return new int[0];
        String[] parts = trimmed.split("[\\s,]+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new UserError("line " + number + ": '" + parts[i] + "' is not an integer token id");
            }
            if (tok.token(ids[i]) == null) {
                throw new UserError("line " + number + ": " + ids[i] + " is not a token id (vocabulary of " + tok.vocabSize() + ")");
            }
        }
        return ids;
    }
}
