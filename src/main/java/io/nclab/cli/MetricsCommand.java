package io.nclab.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.nclab.UserError;
import io.nclab.experiment.RunFiles;
import io.nclab.io.AtomicFiles;
import io.nclab.io.Json;
import io.nclab.io.Npy;
import io.nclab.metrics.CollapseMetrics;
import io.nclab.metrics.FeatureStats;
import io.nclab.metrics.NumericalRank;
import io.nclab.nd.Nd;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nclab metrics}: every collapse metric of features saved as NumPy {@code .npy} files. */
@Command(
        name = "metrics",
        mixinStandardHelpOptions = true,
        description = {
            "Measures Neural Collapse (NC1-NC4, CDNV, equinorms, equiangularity, numerical rank, cosine margins)"
                    + " of features saved with np.save: float16/float32/float64 N x d features, integer labels,"
                    + " optionally the classifier W (K x d) and bias b (K).",
            "Prints a table, or with --json one JSON object keyed by the metric names."
        })
public final class MetricsCommand implements Runnable {

    @Option(names = "--features", required = true, paramLabel = "F.npy",
            description = "N x d features (float16, float32 or float64; float16 is widened to float32).")
    Path features;

    @Option(names = "--labels", required = true, paramLabel = "L.npy",
            description = "N labels in 0..K-1 (int8, uint8, int16, int32 or int64).")
    Path labels;

    @Option(names = "--weights", paramLabel = "W.npy",
            description = "K x d classifier weights; without them the metrics that need W are omitted.")
    Path weights;

    @Option(names = "--bias", paramLabel = "B.npy", description = "K classifier biases. Default: 0.")
    Path bias;

    @Option(names = "--classes", paramLabel = "K",
            description = "Number of classes K. Default: rows of W, else largest label + 1.")
    Integer classes;

    @Option(names = "--margins-out", paramLabel = "FILE.csv", description = "Write every sample's cosine margin,"
            + " sorted ascending, as CSV (needs --weights; an existing FILE is replaced only if it ends in .csv).")
    Path marginsOut;

    @Option(names = "--cdnv-exponent", paramLabel = "P", defaultValue = "2",
            description = "Exponent of the class-mean distance in the CDNV. Default: ${DEFAULT-VALUE}.")
    double cdnvExponent;

    @Option(names = "--no-numerical-rank",
            description = "Skip numerical_rank (per-class singular values: the costly metric).")
    boolean noNumericalRank;

    @Option(names = "--timings",
            description = "Print the seconds spent reading (float32 and float64 features: with the first pass, the"
                    + " class sums, taken as the rows arrive, on the other cores for large files), measuring and on"
                    + " numerical_rank to stderr (numerical_rank then runs after the other metrics, not beside them).")
    boolean timings;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @CommandLine.Mixin
    ComputeOptions compute;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        if (marginsOut != null && weights == null) {
            throw new UserError("--margins-out needs --weights (the margins are measured against the classifier)");
        }
        if (bias != null && weights == null) {
            throw new UserError("--bias needs --weights");
        }
        compute.check();
        if (!(cdnvExponent > 0) || !Double.isFinite(cdnvExponent)) {
            throw new UserError("--cdnv-exponent must be a finite number > 0, got " + cdnvExponent);
        }
        if (marginsOut != null) {
            for (Path input : new Path[] {features, labels, weights, bias}) {
                if (input != null && sameFile(marginsOut, input)) {
                    throw new UserError("--margins-out " + marginsOut + " is one of the input files");
                }
            }
            AtomicFiles.requireWritableAs(marginsOut, ".csv", "--margins-out");
        }
        // every core unless told; the engine splits its sums and products the same way on any count (and
        // numerical_rank's by the machine's cores), so the numbers do not depend on it
        compute.apply(Double.POSITIVE_INFINITY);
        try (NDManager manager = Nd.newManager()) {
            long t0 = System.nanoTime();
            int[] y = readLabels(manager);
            if (y.length == 0) {
                throw new UserError(labels + " holds no labels");
            }
            NDArray w = weights == null ? null : widened(Npy.read(weights, manager));
            NDArray b = bias == null ? null : widened(Npy.read(bias, manager));
            // The features last: once their shape is known, everything is checked, and the first pass (the class
            // sums) is then taken as the rows come in, each piece summed while it is in cache (on worker threads,
            // for files large enough to share)
            FirstPass first = new FirstPass(y, w, b);
            NDArray h;
            int k;
            CollapseMetrics m;
            long t1;
            boolean streamed;
            try {
                h = widened(Npy.read(features, manager, first));
                t1 = System.nanoTime();
                k = first.checked(h);
                LongWork.noteIfLong(estimatedSeconds(y, k, h.getShape().get(1), !noNumericalRank),
                        String.format(Locale.ROOT, "%,d samples x %,d classes, d = %,d: the metrics look at every"
                                + " sample-class pair%s", y.length, k, h.getShape().get(1), noNumericalRank ? ""
                                : " and numerical_rank at every class's singular values"));
                // With --timings numerical_rank is measured after the rest, to time each; else beside it (faster).
                CollapseMetrics.Options options = CollapseMetrics.Options.DEFAULT.withCdnvExponent(cdnvExponent)
                        .withCosineMargins(marginsOut != null).withNumericalRank(!noNumericalRank && !timings);
                FeatureStats stats = first.finish();
                streamed = stats != null;
                m = CollapseMetrics.measure(stats, h, y, k, w, b, options);
            } finally {
                first.close();
            }
            long t2 = System.nanoTime();
            if (!noNumericalRank && timings) {
                m = m.withNumericalRank(NumericalRank.measure(h, y, k));
            }
            long t3 = System.nanoTime();
            if (marginsOut != null) {
                RunFiles.writeMargins(marginsOut, m.cosineMargins());
            }
            print(m);
            if (timings) {
                PrintWriter err = spec.commandLine().getErr();
                // the first pass (the class sums) runs as the rows arrive: the read's seconds include what of it
                // did not run beside the read
                err.printf(Locale.ROOT, "timings: read %.3f s%s, metrics %.3f s, numerical_rank %s%n",
                        (t1 - t0) / 1e9, streamed ? " (with the class sums, taken as the rows arrived)"
                        : "", (t2 - t1) / 1e9,
                        noNumericalRank ? "skipped" : String.format(Locale.ROOT, "%.3f s", (t3 - t2) / 1e9));
                err.flush();
            }
        }
    }

    /**
     * The features' checks against the labels and the classifier, made as soon as the features' file is allocated
     * (before its data is read), and the first pass over float32 or float64 features as their rows are read
     * ({@link FeatureStats#adding}); other features (float16, widened after the read) are checked after it and take
     * their first pass in the engine.
     */
    private final class FirstPass implements Npy.Arrival {
        private final int[] y;
        private final NDArray w;
        private final NDArray b;
        private int k = -1;
        private FeatureStats stats;
        private FeatureStats.Arriving rows;

        FirstPass(int[] y, NDArray w, NDArray b) {
            this.y = y;
            this.w = w;
            this.b = b;
        }

        @Override
        public void allocated(NDArray h) {
            checked(h);
            // Npy tells only of arrays in CPU memory; float16 is widened after the read
            if (h.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32
                    || h.getDataType() == ai.djl.ndarray.types.DataType.FLOAT64) {
                stats = new FeatureStats(k, (int) h.getShape().get(1));
                rows = stats.adding(h, y);
            }
        }

        @Override
        public void rowsRead(long count) {
            if (rows != null) {
                rows.rowsRead(count);
            }
        }

        /** K, once the features (their shape and type) are checked against the labels and the classifier. */
        int checked(NDArray h) {
            if (k >= 0) {
                return k;
            }
            if (!h.getDataType().isFloating() || h.getShape().dimension() != 2) {
                throw new UserError(features + ": features must be an N x d float16, float32 or float64 array, got "
                        + h.getDataType() + " of shape " + h.getShape());
            }
            if (y.length != h.getShape().get(0)) {
                throw new UserError(labels + " holds " + y.length + " labels but " + features + " holds "
                        + h.getShape().get(0) + " feature rows");
            }
            int classes = classCount(y, w, h.getShape().get(1));
            // b as K entries: a vector, or a K x 1 or 1 x K matrix, but not K numbers in any other shape
            if (b != null && (b.size() != classes || java.util.Arrays.stream(b.getShape().getShape())
                    .filter(s -> s != 1).count() > 1)) {
                throw new UserError(bias + ": the bias must be a vector of K = " + classes + " entries, got shape "
                        + b.getShape());
            }
            if (marginsOut != null) {
                // the margins' file is refused before the metrics are measured, not after
                double[] wd = w.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
                if (io.nclab.metrics.SecondPass.undefinedMarginRow(wd, classes, (int) h.getShape().get(1)) >= 0) {
                    throw new UserError(UNDEFINED_MARGINS);
                }
            }
            k = classes;
            return k;
        }

        /** The first pass once every row is in, or null where the engine is to make it. */
        FeatureStats finish() {
            if (rows == null) {
                return null;
            }
            rows.finish();
            return stats;
        }

        void close() {
            if (rows != null) {
                rows.close();
            }
        }
    }

    private static final String UNDEFINED_MARGINS = "--margins-out: the cosine margins are undefined for this W: a"
            + " row w_k − w̄ is zero (W = 0, or rows equal up to round-off), and cos(h − μ_G, 0) is 0/0";

    /**
     * About how long the metrics take on the 2-core development machine: 45 ns per sample-class pair (N = 100,000,
     * K = 10,000, d = 64: 45 s) plus the float64 products' 4d flops per pair at about 64 GFLOP/s, 3 ns per feature
     * for the passes over every sample (N = 50,000, d = 2,048, K = 10: 0.4 s), and for
     * numerical_rank per class its Gram matrix (m²·M flops for the smaller side m and the larger M, formed
     * block-symmetrically), its eigenvalues (0.65 s for m = 2,048, two classes at a time) and 0.2 ms of overhead
     * (N = 50,000, d = 2,048, K = 10: 7.5 s).
     */
    static double estimatedSeconds(int[] labels, int classes, long dim, boolean rank) {
        double seconds = (double) labels.length * (classes * (4.5e-8 + dim * 6e-11) + dim * 3e-9);
        if (rank) {
            long[] counts = new long[classes];
            for (int c : labels) {
                if (c >= 0 && c < classes) {
                    counts[c]++;
                }
            }
            for (long n : counts) {
                double m = Math.min(n, dim);
                double big = Math.max(n, dim);
                seconds += 1.25 * m * m * big / 6.4e10 + 0.33 * Math.pow(m / 2048, 3) + 2e-4;
            }
        }
        return seconds;
    }

    /**
     * float16 as float32 (every half is a float, so nothing changes but the width: the engine works in float32 and
     * float64); any other array as it is.
     */
    private static NDArray widened(NDArray a) {
        if (a.getDataType() != ai.djl.ndarray.types.DataType.FLOAT16) {
            return a;
        }
        NDArray wide = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        a.close();
        return wide;
    }

    private int[] readLabels(NDManager manager) {
        NDArray l = Npy.read(labels, manager);
        if (l.getDataType().isFloating() || l.getShape().dimension() != 1) {
            throw new UserError(labels + ": labels must be a vector of integers (int8, uint8, int16, int32 or int64),"
                    + " got " + l.getDataType() + " of shape " + l.getShape());
        }
        long[] v = l.toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
        int[] y = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] > Integer.MAX_VALUE) {
                throw new UserError(labels + ": label " + v[i] + " of sample " + i + " is negative or too large");
            }
            y[i] = (int) v[i];
        }
        return y;
    }

    /**
     * K: --classes, else the rows of W, else the largest label + 1. Checked against the labels here, before
     * anything of size K is allocated: every class must have a sample (so K ≤ N), and a label at or above K
     * is named together with where K came from.
     */
    private int classCount(int[] y, NDArray w, long dim) {
        int maxLabel = -1;
        int maxAt = -1;
        for (int i = 0; i < y.length; i++) {
            if (y[i] > maxLabel) {
                maxLabel = y[i];
                maxAt = i;
            }
        }
        if (w != null && w.getShape().dimension() != 2) {
            throw new UserError(weights + ": weights must be a K x d matrix, got shape " + w.getShape());
        }
        if (w != null && w.getShape().get(1) != dim) {
            throw new UserError(weights + " has shape " + w.getShape() + ": as K x d its width "
                    + w.getShape().get(1) + " must equal the features' d = " + dim);
        }
        int fromW = w == null ? -1 : (int) w.getShape().get(0);
        if (classes != null && fromW >= 0 && fromW != classes) {
            throw new UserError("--classes " + classes + " but " + weights + " has " + fromW + " rows");
        }
        long k = classes != null ? classes : fromW >= 0 ? fromW : maxLabel + 1L;
        String source = classes != null ? "--classes " + classes
                : fromW >= 0 ? "K = " + k + " rows of " + weights
                : "K = " + k + " was taken from the largest label (" + maxLabel + ")";
        if (k < 2) {
            throw new UserError("collapse needs at least 2 classes, got " + k + " (" + source + ")");
        }
        if (maxLabel >= k) {
            throw new UserError(labels + ": label " + maxLabel + " of sample " + maxAt + " is outside 0.."
                    + (k - 1) + " (" + source + ")");
        }
        // N labels cover at most N classes: with K > N the first class missing is among 0..N.
        int limit = (int) Math.min(k, (long) y.length + 1);
        boolean[] seen = new boolean[limit];
        for (int v : y) {
            if (v < limit) {
                seen[v] = true;
            }
        }
        for (int c = 0; c < limit; c++) {
            if (!seen[c]) {
                throw new UserError("class " + c + " has no samples (" + source + "); check " + labels
                        + (classes == null && fromW < 0 ? ", or give --classes or --weights" : ""));
            }
        }
        return (int) k;
    }

    /** Whether two paths name the same file (an absent file is compared by its normalised path). */
    private static boolean sameFile(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (java.io.IOException e) {
            // fall through to the names
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    private void print(CollapseMetrics m) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.result(m.values()));
        } else {
            out.printf(Locale.ROOT, "%d samples, %d classes%n", m.samples(), m.classes());
            m.values().forEach((name, v) -> out.printf(Locale.ROOT, "  %-32s %s%n", name,
                    Double.isFinite(v) ? String.format(Locale.ROOT, "%.10g", v) : "undefined"));
        }
        out.flush();
    }
}
