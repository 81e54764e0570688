package io.nclab.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nclab.io.Npy;
import io.nclab.nd.Nd;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * What the launcher runs once per build to make the class-data-sharing archive (the classes a run loads, parsed and
 * verified ahead): small runs of the commands a researcher starts most, in one JVM, their output thrown away. An
 * archive of {@code ufm} alone left the classes of {@code metrics} to be loaded by every {@code metrics} command
 * (60 ms of its 1.5 s, 11 ms of the metrics' 0.38 s on the benchmark files).
 */
@Command(name = "cds-warmup", hidden = true, mixinStandardHelpOptions = true,
        description = "Run small ufm, theory, metrics and convexity problems with their output thrown away (what the"
                + " launcher records the class-data-sharing archive from).")
final class CdsWarmupCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("nclab-cds-warmup");
        PrintStream out = System.out;
        PrintStream err = System.err;
        int failed = 0;
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
            Path h = dir.resolve("features.npy");
            Path y = dir.resolve("labels.npy");
            Path w = dir.resolve("W.npy");
            int n = 120;
            int d = 16;
            int k = 3;
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = i % k;
            }
            try (NDManager m = Nd.newManager()) {
                NDArray features = m.randomNormal(new Shape(n, d)).toType(DataType.FLOAT32, false);
                Npy.write(h, features);
                Npy.write(w, m.randomNormal(new Shape(k, d)).toType(DataType.FLOAT64, false));
            }
            Npy.writeLabels(y, labels);
            System.setOut(quiet);
            System.setErr(quiet);
            String[][] runs = {
                {"ufm", "--json"},
                {"theory", "--json"},
                {"metrics", "--features", h.toString(), "--labels", y.toString(), "--weights", w.toString(), "--json"},
                {"convexity", "--loss", "ce,focal:gamma=3,mse", "--classes", "4", "--samples", "100", "--json"},
            };
            for (String[] run : runs) {
                failed += Main.execute(run) == 0 ? 0 : 1;
            }
        } finally {
            System.setOut(out);
            System.setErr(err);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return failed == 0 ? 0 : 1;
    }
}
