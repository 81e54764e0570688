package io.nclab.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nclab.UserError;
import io.nclab.Workers;
import io.nclab.io.Json;
import io.nclab.io.Npz;
import io.nclab.nd.Nd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The first pass of the NC engine: class counts n_k and class sums Σ_{y_i = k} h_i, accumulated in
 * float64 from batches of features (B×d NDArrays, float32 or float64, on whatever device the model
 * runs) and their labels.
 *
 * <p>The metrics need the class means before they can look at the samples again, so measuring
 * collapse over a data set that does not fit in memory is two passes over the same samples:
 *
 * <pre>{@code
 * FeatureStats stats = new FeatureStats(K, d);
 * for (batch : data) stats.add(features, labels);          // pass 1: n_k, Σ h_i  →  μ_k, μ_G
 * SecondPass pass = stats.secondPass(W, b, false);          // the means and classifier, fixed
 * for (batch : data) pass.add(features, labels);            // pass 2: scatter, NCC, margins
 * CollapseMetrics m = pass.metrics();
 * }</pre>
 *
 * <p>{@link CollapseMetrics#measure} does both passes for features already in memory. Both
 * accumulators {@link #merge} (shards, devices, workers) and save to a NumPy {@code .npz} archive.
 * Classes may be empty while accumulating; the means (and the second pass) need every class.
 */
public final class FeatureStats {
    private final int classes;
    private final int dim;
    private final long[] counts;
    /** K×d, row-major. */
    private final double[] sums;

    public FeatureStats(int classes, int dim) {
        if (classes < 2) {
            throw new UserError("collapse needs at least 2 classes, got " + classes);
        }
        if (dim < 1) {
            throw new UserError("feature dimension must be positive, got " + dim);
        }
        if ((long) classes * dim > Integer.MAX_VALUE - 8) {
            throw new UserError("K x d = " + classes + " x " + dim + " class sums are more than one Java array"
                    + " holds (2^31 entries)");
        }
        this.classes = classes;
        this.dim = dim;
        this.counts = new long[classes];
        this.sums = new double[classes * dim];
    }

    public int classes() {
        return classes;
    }

    public int dim() {
        return dim;
    }

    public long samples() {
        return Arrays.stream(counts).sum();
    }

    public long[] counts() {
        return counts.clone();
    }

    /** Adds a batch: features B×d (float32 or float64, any device, any strides), labels in 0..K−1. */
    public void add(NDArray features, int[] labels) {
        Batch batch = Batch.of(features, labels, classes, dim, samples());
        if (batch.rows == 0) {
            return;
        }
        if (hostRoute && HostRows.isHost(features)) {
            try (Arriving rows = new Arriving(batch)) {
                rows.finish();
            }
            return;
        }
        include(batch, classes <= ONE_HOT_CLASSES ? oneHotSums(batch) : sortedSums(batch));
    }

    /**
     * Starts adding a batch whose rows are still arriving, in order (a file being read into the features' memory:
     * {@link io.nclab.io.Npy.Arrival}): features N×d, float32 or float64 in CPU memory and contiguous, as {@code Npy}
     * allocates them, with every label known. Each chunk of rows is summed, on worker threads, as soon as
     * {@link Arriving#rowsRead} says its rows are there, while they are still in cache; {@link Arriving#finish} adds
     * the batch. The sums are those of {@link #add} to the last bit: the same chunks, added in the same order.
     */
    public Arriving adding(NDArray features, int[] labels) {
        if (!HostRows.isHost(features)) {
            throw new IllegalArgumentException("rows can arrive only in float32 or float64 CPU memory, not in "
                    + features.getDataType() + " on " + features.getDevice());
        }
        return new Arriving(Batch.of(features, labels, classes, dim, samples()));
    }

    /** Adds a batch's class sums (K×d, row-major) and counts, once they are checked to be finite. */
    private void include(Batch batch, double[] add) {
        for (double v : add) {
            if (!Double.isFinite(v)) {
                int row = batch.firstNonFiniteRow();
                throw new UserError(row >= 0
                        ? "features of sample " + (samples() + row) + " are not finite (NaN or infinity)"
                        : "features are too large: their sums overflow float64");
            }
        }
        for (int i = 0; i < sums.length; i++) {
            sums[i] += add[i];
        }
        for (int k = 0; k < classes; k++) {
            counts[k] += batch.counts[k];
        }
    }

    /** Whether CPU features are summed in Java ({@link Arriving}); tests turn it off to check the other routes. */
    static boolean hostRoute = true;

    /** Rows × d from which the host sums use a second thread. */
    private static final long PARALLEL_ELEMENTS = 1L << 20;

    /** Threads of the host sums: 0 for the cores (at most 8); tests set others. */
    static int threads = 0;

    /** Elements (rows × d) of a chunk of the host sums at least (tests lower it to make many chunks). */
    static long chunkElements = 1L << 21;

    /** The chunks' partial sums (chunks × K × d) held at once at most: 32 MB, fewer and larger chunks at large K·d. */
    private static final long PARTIAL_ELEMENTS = 1L << 22;

    /**
     * A batch's class sums for features in CPU memory, as its rows arrive (all at once, from {@link #add}): read in
     * place ({@link HostRows}: direct views of the tensor's memory; a contiguous copy first if it is a strided view)
     * and added row by row into float64 sums, chunk by chunk, each chunk summed on its own by whichever worker is free,
     * the chunks' sums added in row order. One read of the features and nothing converted or allocated per row: at
     * N = 50,000, d = 2,048 this is several times faster than a float64 one-hot product, which first converts every
     * block. The chunks depend on N, d and K alone, so the sums are the same on any number of threads and however the
     * rows arrive; a thread slowed down (a core shared with the JIT's compiler threads, or another process) takes
     * fewer chunks, where a fixed share of the rows each kept the other waiting.
     */
    public final class Arriving implements AutoCloseable {
        private final Batch batch;
        /** Rows per block of views (strided features are copied one block at a time). */
        private final int blockRows;
        /** Each chunk's first and end row, in the batch. */
        private final int[] chunkFrom;
        private final int[] chunkTo;
        private final double[][][] parts;
        private final HostRows[] views;
        private final ExecutorService pool;
        private final List<Future<?>> jobs = new ArrayList<>();
        /** The first chunk not yet handed out. */
        private int next;
        private boolean finished;

        private Arriving(Batch batch) {
            this.batch = batch;
            int rows = batch.rows;
            this.blockRows = (int) Math.max(1, Math.min(rows, hostBlockElements / dim));
            List<int[]> chunks = new ArrayList<>();
            for (int a = 0; a < rows; a += blockRows) {
                int n = Math.min(rows, a + blockRows) - a;
                long perChunk = Math.max(chunkElements / dim, ((long) n * classes * dim + PARTIAL_ELEMENTS - 1)
                        / PARTIAL_ELEMENTS);
                int chunkRows = (int) Math.max(1, Math.min(n, perChunk));
                for (int from = 0; from < n; from += chunkRows) {
                    chunks.add(new int[] {a + from, a + Math.min(n, from + chunkRows)});
                }
            }
            this.chunkFrom = chunks.stream().mapToInt(c -> c[0]).toArray();
            this.chunkTo = chunks.stream().mapToInt(c -> c[1]).toArray();
            this.parts = new double[chunks.size()][][];
            this.views = new HostRows[(rows + blockRows - 1) / blockRows];
            int workers = (long) rows * dim < PARALLEL_ELEMENTS || chunks.size() == 1 ? 1
                    : threads > 0 ? threads : Workers.cores();
            this.pool = workers == 1 ? null : Workers.pool("nclab-class-sums", workers);
        }

        /**
         * The first {@code rows} rows of the features are there: every chunk within them is summed (or under way). Called
         * from one thread (the one reading), as are {@link #finish} and {@link #close}.
         */
        public void rowsRead(long rows) {
            while (next < chunkFrom.length && chunkTo[next] <= rows) {
                int c = next++;
                int block = chunkFrom[c] / blockRows;
                if (views[block] == null) {
                    if (block > 0) {
                        // one block's views at a time (a strided block's are a copy the size of the block): every
                        // chunk of the blocks before ends before this block's views are made
                        Workers.awaitAll(jobs, "class sums");
                        views[block - 1].close();
                        views[block - 1] = null;
                    }
                    int a = block * blockRows;
                    views[block] = HostRows.of(batch.features, a, Math.min(batch.rows, a + blockRows));
                }
                HostRows view = views[block];
                int first = block * blockRows;
                Runnable sum = () -> parts[c] = hostRange(view, batch.labels, first, chunkFrom[c] - first,
                        chunkTo[c] - first);
                if (pool == null) {
                    sum.run();
                } else {
                    jobs.add(pool.submit(sum));
                }
            }
        }

        /** Every row is there: the last chunks summed, the batch's sums and counts added to the statistics. */
        public void finish() {
            if (finished) {
                throw new IllegalStateException("the batch was added already");
            }
            rowsRead(batch.rows);
            // Every job is waited for before the views (and perhaps a strided block's copy) go.
            Workers.awaitAll(jobs, "class sums");
            double[] add = new double[classes * dim];
            for (double[][] part : parts) {
                accumulate(add, part);
            }
            finished = true;
            include(batch, add);
        }

        /** Stops what is under way (waiting for the jobs that read the features' memory) and lets the views go. */
        @Override
        public void close() {
            if (pool != null) {
                pool.shutdownNow();
                Workers.awaitEnd(pool);
            }
            for (HostRows v : views) {
                if (v != null) {
                    v.close();
                }
            }
        }
    }

    /** Elements per block of the host sums (tests lower it). */
    static long hostBlockElements = 1L << 27;

    /** into (K×d, row-major) ← into + a chunk's class sums (one array per class). */
    private void accumulate(double[] into, double[][] part) {
        for (int k = 0; k < classes; k++) {
            double[] row = part[k];
            for (int j = 0; j < dim; j++) {
                into[k * dim + j] += row[j];
            }
        }
    }

    /**
     * Class sums of rows {@code from..to} of the views, whose row 0 is sample {@code first}: each class has its own
     * array ({@link HostRows#addTo}).
     */
    private double[][] hostRange(HostRows view, int[] labels, int first, int from, int to) {
        double[][] sums = new double[classes][dim];
        float[] narrow = view.single() ? new float[dim] : null;
        double[] wide = view.single() ? null : new double[dim];
        for (int i = from; i < to; i++) {
            view.addTo(i, sums[labels[first + i]], narrow, wide);
        }
        return sums;
    }

    /** Up to this many classes, class sums are one product with the one-hot labels (no gathers). */
    private static final int ONE_HOT_CLASSES = 16;

    /** The batch's class sums (K×d) as Yᵀ X, block by block in row order. */
    private double[] oneHotSums(Batch batch) {
        int chunk = Batch.chunkRows(dim);
        try (NDManager scope = batch.scope()) {
            NDArray classIds = batch.classIds(scope);
            NDArray total = scope.zeros(new Shape(classes, dim), DataType.FLOAT64);
            for (int from = 0; from < batch.rows; from += chunk) {
                int to = Math.min(from + chunk, batch.rows);
                try (NDManager block = batch.block(scope, classIds, total)) {
                    NDArray oneHot = batch.labelArray(block, from, to).reshape(to - from, 1).eq(classIds)
                            .toType(DataType.FLOAT64, false);
                    total.addi(oneHot.transpose().matMul(batch.rowsFloat64(from, to)));
                }
            }
            return total.toDoubleArray();
        }
    }

    /** The batch's class sums (K×d), class by class in blocks of gathered rows. */
    private double[] sortedSums(Batch batch) {
        int chunk = Batch.chunkRows(dim);
        double[] add = new double[sums.length];
        try (NDManager scope = batch.scope()) {
            NDList partial = new NDList();
            int[] owner = new int[batch.rows]; // every block holds at least one row
            int blocks = 0;
            for (int k = 0; k < classes; k++) {
                for (int from = batch.start()[k]; from < batch.start()[k + 1]; from += chunk) {
                    int to = Math.min(from + chunk, batch.start()[k + 1]);
                    try (NDManager block = batch.block(scope)) {
                        NDArray s = batch.sortedRows(block, from, to).sum(new int[] {0});
                        s.attach(scope);
                        partial.add(s);
                    }
                    owner[blocks++] = k;
                }
            }
            double[] s = NDArrays.stack(partial).toDoubleArray();
            for (int b = 0; b < blocks; b++) {
                int k = owner[b];
                for (int j = 0; j < dim; j++) {
                    add[k * dim + j] += s[b * dim + j];
                }
            }
        }
        return add;
    }

    /** Adds a batch whose labels are an integer NDArray (on any device). */
    public void add(NDArray features, NDArray labels) {
        add(features, Batch.labels(labels));
    }

    /** Adds another accumulator's counts and sums (another shard of the same data set). */
    public void merge(FeatureStats other) {
        if (other.classes != classes || other.dim != dim) {
            throw new UserError("cannot merge statistics for K = " + other.classes + ", d = " + other.dim
                    + " into K = " + classes + ", d = " + dim);
        }
        for (int i = 0; i < sums.length; i++) {
            sums[i] += other.sums[i];
        }
        for (int k = 0; k < classes; k++) {
            counts[k] += other.counts[k];
        }
    }

    /** Throws a {@link UserError} naming the first class without samples. */
    void requireEveryClass() {
        for (int k = 0; k < classes; k++) {
            if (counts[k] == 0) {
                throw new UserError("class " + k + " has no samples (" + classes + " classes, "
                        + samples() + " samples); every class needs at least one");
            }
        }
    }

    /** The class means μ_k as a K×d row-major array. */
    public double[] means() {
        requireEveryClass();
        double[] mu = new double[sums.length];
        for (int k = 0; k < classes; k++) {
            Geometry.divide(sums, k * dim, counts[k], dim, mu, k * dim);
        }
        return mu;
    }

    /** The global mean μ_G = (1/N) Σ_i h_i. */
    public double[] globalMean() {
        requireEveryClass();
        double[] g = new double[dim];
        for (int k = 0; k < classes; k++) {
            Geometry.addDivided(sums, k * dim, 1, dim, g);
        }
        Geometry.divide(g, 0, samples(), dim, g, 0);
        return g;
    }

    double[] sumsView() {
        return sums;
    }

    long[] countsView() {
        return counts;
    }

    /**
     * Starts the second pass with these means and the classifier (W K×d and b of length K, any
     * device; {@code weights == null} for features alone, {@code bias == null} for b = 0).
     * {@code keepMargins} keeps every sample's cosine margin for the sorted distribution.
     */
    public SecondPass secondPass(NDArray weights, NDArray bias, boolean keepMargins) {
        double[] w = null;
        double[] b = null;
        if (weights != null) {
            if (weights.getShape().dimension() != 2 || weights.getShape().get(0) != classes
                    || weights.getShape().get(1) != dim) {
                throw new UserError("classifier weights must be K×d = " + classes + "×" + dim + ", got shape "
                        + weights.getShape());
            }
            w = Nd.toDoubles(weights);
            requireFinite(w, "classifier weights are not finite: row ", dim);
        }
        if (bias != null) {
            if (weights == null) {
                throw new UserError("a bias needs classifier weights");
            }
            if (bias.getShape().size() != classes || bias.getShape().dimension() > 2) {
                throw new UserError("classifier bias must have K = " + classes + " entries, got shape "
                        + bias.getShape());
            }
            b = Nd.toDoubles(bias);
            requireFinite(b, "classifier bias is not finite: entry ", 1);
        }
        return new SecondPass(this, w, b, keepMargins);
    }

    /** One line naming the first row (or entry) of the classifier that holds a NaN or an infinity. */
    private static void requireFinite(double[] v, String message, int width) {
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new UserError(message + (i / width) + " holds " + v[i]);
            }
        }
    }

    /** The second pass without a classifier: NC1, CDNV, class-mean geometry, NCC accuracy. */
    public SecondPass secondPass() {
        return new SecondPass(this, null, null, false);
    }

    FeatureStats copy() {
        FeatureStats c = new FeatureStats(classes, dim);
        System.arraycopy(sums, 0, c.sums, 0, sums.length);
        System.arraycopy(counts, 0, c.counts, 0, classes);
        return c;
    }

    boolean sameAs(FeatureStats o) {
        return classes == o.classes && dim == o.dim && Arrays.equals(counts, o.counts)
                && Arrays.equals(sums, o.sums);
    }

    // ---------------------------------------------------------------- files

    static final String KIND = "nclab.feature_stats";

    void writeTo(Npz npz) {
        npz.put("counts", counts, classes).put("sums", sums, classes, dim);
    }

    static FeatureStats readFrom(Npz npz) {
        long[] shape = npz.shape("sums");
        if (shape.length != 2) {
            throw new UserError("malformed statistics: sums must be K×d");
        }
        FeatureStats s = new FeatureStats((int) shape[0], (int) shape[1]);
        double[] sums = npz.doubles("sums");
        long[] counts = npz.longs("counts");
        if (counts.length != s.classes) {
            throw new UserError("malformed statistics: " + counts.length + " counts for " + s.classes + " classes");
        }
        if (java.util.Arrays.stream(counts).anyMatch(c -> c < 0)) {
            throw new UserError("malformed statistics: a negative class count");
        }
        System.arraycopy(sums, 0, s.sums, 0, sums.length);
        System.arraycopy(counts, 0, s.counts, 0, counts.length);
        return s;
    }

    /** Saves to a NumPy {@code .npz} archive: {@code counts} (K, int64), {@code sums} (K×d, float64). */
    public void save(Path file) {
        Npz npz = new Npz().putText("nclab.json", Json.line(Map.of("kind", KIND, "version", 1)));
        writeTo(npz);
        npz.save(file);
    }

    public static FeatureStats load(Path file) {
        Npz npz = Npz.load(file);
        requireKind(npz, KIND, file);
        return readFrom(npz);
    }

    static void requireKind(Npz npz, String kind, Path file) {
        if (!npz.has("nclab.json") || !npz.text("nclab.json").contains("\"" + kind + "\"")) {
            throw new UserError(file + " does not hold " + kind.substring(6).replace('_', ' '));
        }
    }
}
