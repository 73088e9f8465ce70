package falconh1r.cli;

import falconh1r.kernels.Backends;
import java.util.concurrent.Callable;
import jdk.incubator.vector.FloatVector;
import picocli.CommandLine.Command;

/** {@code falcon-h1r info}: the JVM, the vector width and the backends this machine offers. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Shows the JVM, vector width and backends.")
final class InfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("java:       " + System.getProperty("java.vm.name") + " " + Runtime.version());
        System.out.println("cpus:       " + Runtime.getRuntime().availableProcessors());
        System.out.println("vector:     preferred " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit ("
                + FloatVector.SPECIES_PREFERRED.length() + " f32 lanes)"
                + (System.getProperty("falcon.simd.bits") != null ? ", forced " + System.getProperty("falcon.simd.bits") + "-bit" : ""));
        System.out.println("backends:   " + Backends.NAMES);
        System.out.println("opencl:     " + Backends.openClStatus());
        return 0;
    }
}
