package falconh1r.cli;

import falconh1r.kernels.Half;
import picocli.CommandLine.Option;

/** {@code --dtype}: how a command holds the model's weights in memory. */
final class StorageOptions {
    enum Storage { f32, bf16, f16 }

    @Option(names = "--dtype", defaultValue = "f32",
            description = "weight storage: f32, or bf16/f16 (every 2-D weight packed, widened inside each product) "
                    + "(default ${DEFAULT-VALUE})")
    Storage dtype;

    /** The packing for {@code FalconH1Parameters.load/init}: null for f32. */
    Half.Format packing() {
        return switch (dtype) {
            case f32 -> null;
            case bf16 -> Half.Format.BF16;
            case f16 -> Half.Format.F16;
        };
    }
}
