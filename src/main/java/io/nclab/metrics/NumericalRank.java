package io.nclab.metrics;

import com.sun.jna.Memory;
import io.nclab.Workers;
import io.nclab.nd.NativeGram;
import io.nclab.nd.Svd;
import io.nclab.nd.SymmetricEigen;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nclab.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The MSE paper's numerical rank (§4): (1/K) Σ_k ‖H_k‖_*² / ‖H_k‖_F², H_k the d×n_k matrix of class k's
 * features as they are (not centred); 1 when each class has collapsed to a single direction.
 *
 * <p>‖H_k‖_* needs H_k's singular values, the square roots of the eigenvalues of a Gram matrix: the
 * smaller of H_kᵀH_k (n_k×n_k) and H_k H_kᵀ (d×d), in float64, eigenvalues only. Features in CPU memory take the
 * host route: each class on a worker thread of its own, its rows read in place, widened and handed to BLAS in blocks,
 * the Gram matrix formed and decomposed in native memory ({@link NativeGram}: OpenBLAS where the system has it, else
 * the PyTorch natives' MKL). For the probe of the MLP acceptance runs (10 classes of 500, d = 1024) that takes
 * 0.09–0.10 s (0.13 s with MKL) against 0.17–0.20 s for the route through NDArray products, which features
 * elsewhere (a GPU) take: the Gram matrices formed on the features' device, decomposed by {@link SymmetricEigen} on
 * the workers. Eigenvalues below max(n_k, d)·ε·λ_max are round-off of the Gram (an exactly collapsed class gives a
 * rank-one Gram) and count as zero, and a class's ratio is at least 1, as it is by definition (the dropped values
 * leave the trace, not the nuclear norm). A class whose features are all zero has no ratio (0/0), and
 * numerical_rank is then undefined: NaN, null in JSON, as the other metrics that features cannot define.
 *
 * <p>A Gram matrix squares the singular values: its eigenvalues carry absolute errors of about ε·λ_max, so
 * σ_i ≪ σ_max lose digits (all of them below about √ε·σ_max). Where the error estimate of a class's ratio − 1
 * ({@link #resolvedExcess}) passes {@link #RESOLVED} — a large common offset, or a class close to one direction —
 * that class's singular values come from one SVD of its features instead ({@link #exactExcess}), to about ε·σ_1/σ_i;
 * random or ordinary trained features stay on the Gram route (measured: 1e-14 relative of one SVD per class).
 */
public final class NumericalRank {
    private NumericalRank() {}

    /** The largest Gram matrix side: its square fits a Java array (and a JNA allocation's int count). */
    static final int MAX_GRAM = 46_340;

    /** Gram matrices at least this large are decomposed on a worker thread. */
    private static final int PARALLEL_FROM = 128;

    /** The numerical rank of features held in one N×d NDArray (float32/float64, any device). */
    public static double measure(NDArray features, int[] labels, int classes) {
        return 1 + excess(features, labels, classes);
    }

    /**
     * numerical_rank − 1 = (1/K) Σ_k (‖H_k‖_*²/‖H_k‖_F² − 1), to its own relative precision: near collapse the
     * double 1 + x that {@link #measure} returns keeps only ε/x of it.
     */
    static double excess(NDArray features, int[] labels, int classes) {
        try (Pending rank = start(features, labels, classes)) {
            return rank.excess();
        }
    }

    /**
     * Starts the numerical rank: the inputs checked, and for features in CPU memory every class's Gram matrix and its
     * eigenvalues under way on worker threads that read the features' memory and nothing else, so that the caller
     * may go on with other work on the same features ({@link CollapseMetrics#measure} does the rest of the metrics
     * meanwhile). Elsewhere (a GPU) the Gram matrices are formed here, on the features' device. The features must
     * stay open until the result is closed.
     */
    static Pending start(NDArray features, int[] labels, int classes) {
        if (features.getShape().dimension() != 2) {
            throw new UserError("features must be a matrix (samples × dimension), got shape " + features.getShape());
        }
        int d = (int) features.getShape().get(1);
        Batch batch = Batch.of(features, labels, classes, d, 0);
        for (int k = 0; k < classes; k++) {
            if (batch.counts[k] == 0) {
                throw new UserError("class " + k + " has no samples (" + classes + " classes, "
                        + batch.rows + " samples); every class needs at least one");
            }
            long m = Math.min(batch.counts[k], d);
            if (m > MAX_GRAM) {
                throw new UserError("numerical_rank needs each class's smaller Gram matrix (min(n_k, d)² doubles), and"
                        + " class " + k + " has " + batch.counts[k] + " samples of dimension " + d + ": past "
                        + MAX_GRAM + "; skip it (--no-numerical-rank) or measure a subsample");
            }
        }
        Pending rank = new Pending(batch, d);
        try {
            rank.begin(hostRoute && NativeGram.available() ? HostRows.of(features) : null);
            return rank;
        } catch (RuntimeException | Error e) {
            rank.close();
            throw e;
        }
    }

    /** A numerical rank under way ({@link #start}); {@link #excess} finishes it on the calling thread. */
    static final class Pending implements AutoCloseable {
        private final Batch batch;
        private final int d;
        private final int classes;
        private final int threads;
        /** BLAS threads per class's Gram matrix: the cores the classes leave (more than one when K is below them). */
        private final int blasThreads;
        private final ExecutorService pool;
        private final List<Future<Double>> excesses = new ArrayList<>();
        private HostRows host;

        private Pending(Batch batch, int d) {
            this.batch = batch;
            this.d = d;
            this.classes = batch.classes;
            int cores = Runtime.getRuntime().availableProcessors();
            this.threads = Math.max(1, Math.min(classes, cores));
            this.blasThreads = Math.max(1, cores / threads);
            this.pool = Workers.pool("nclab-numerical-rank", threads);
        }

        private void begin(HostRows rows) {
            host = rows;
            if (host != null) {
                for (int k = 0; k < classes; k++) {
                    int c = k;
                    excesses.add(pool.submit(() -> hostExcess(host, batch, c, d, blasThreads)));
                }
                return;
            }
            try (NDManager scope = batch.scope()) {
                for (int k = 0; k < classes; k++) {
                    int n = (int) batch.counts[k];
                    int size = Math.min(n, d);
                    int[] rank = new int[1];
                    double[] gram = classGram(batch, scope, k, d, rank);
                    int bigger = Math.max(n, d);
                    if (size >= PARALLEL_FROM) {
                        excesses.add(pool.submit(() -> resolvedExcess(gram, size, bigger, rank[0])));
                    } else {
                        double r = resolvedExcess(gram, size, bigger, rank[0]);
                        excesses.add(java.util.concurrent.CompletableFuture.completedFuture(r));
                    }
                }
            }
        }

        /** numerical_rank − 1, waiting for the classes under way. */
        double excess() {
            // Classes whose Gram eigenvalues do not resolve the ratio: their singular values from the features, with
            // at most one class's rows per thread on the heap at a time (all of them at once would be a float64
            // copy of every feature: 0.8 GB at N = 50,000, d = 2,048)
            java.util.ArrayDeque<Future<Double>> running = new java.util.ArrayDeque<>();
            for (int k = 0; k < classes; k++) {
                if (Double.isNaN(Workers.await(excesses.get(k), "the numerical rank"))) {
                    EXACT_CLASSES.incrementAndGet();
                    if (running.size() == threads) {
                        Workers.await(running.poll(), "the numerical rank");
                    }
                    double[] rows = classRows(batch, k, d);
                    int n = (int) batch.counts[k];
                    Future<Double> job = pool.submit(() -> exactExcess(rows, n, d));
                    running.add(job);
                    excesses.set(k, job);
                }
            }
            double sum = 0;
            boolean undefined = false;
            for (Future<Double> f : excesses) {
                double e = Workers.await(f, "the numerical rank");
                undefined |= e == NO_RATIO;
                sum += e;
            }
            return undefined ? Double.NaN : sum / classes;
        }

        /** numerical_rank itself. */
        double value() {
            return 1 + excess();
        }

        /** Whether every job has ended (after {@link #close}: the views of the features' memory are gone). */
        boolean ended() {
            return pool.isTerminated();
        }

        /** Stops what is still under way, waiting for the jobs that read the features' memory. */
        @Override
        public void close() {
            pool.shutdownNow();
            if (host != null) {
                Workers.awaitEnd(pool);
                host.close();
            }
        }
    }

    /** Classes that took the route from the features so far (tests read it). */
    static final java.util.concurrent.atomic.AtomicLong EXACT_CLASSES = new java.util.concurrent.atomic.AtomicLong();

    /** Whether CPU features take the host route ({@link #hostExcess}); tests turn it off to check the other. */
    static boolean hostRoute = true;

    /** Elements per block of vectors handed to BLAS on the host route (tests lower it to make many blocks). */
    static int hostBlockElements = 1 << 20;

    /**
     * Class k's ratio − 1 as {@link #resolvedExcess} gives it (NaN where the Gram does not resolve it), on the calling
     * thread (and {@code blasThreads} for its Gram matrix): the class's rows read from the host views in blocks of
     * about {@link #hostBlockElements}, widened to float64 and added into the smaller Gram matrix in native memory
     * ({@link NativeGram}), which is decomposed there. For n_k ≤ d the blocks are of feature columns (each sample's
     * slice one vector of the inner products), else of samples (each one an outer product).
     */
    private static double hostExcess(HostRows host, Batch batch, int k, int d, int blasThreads) {
        int[] order = batch.order();
        int from = batch.start()[k];
        int n = batch.start()[k + 1] - from;
        boolean samples = n <= d;
        int size = samples ? n : d;
        int length = samples ? Math.max(1, Math.min(d, hostBlockElements / n)) : d;
        int count = samples ? n : Math.max(1, Math.min(n, hostBlockElements / d));
        double[] block = new double[length * count];
        float[] narrow = new float[length];
        // feature columns with a non-zero entry in this class: n_k − that many eigenvalues of the samples' Gram are
        // exact zeros (units dead for the whole class), whatever round-off makes of them
        boolean[] alive = new boolean[d];
        try (NativeGram g = new NativeGram(size, blasThreads);
                Memory b = new Memory((long) block.length * Double.BYTES)) {
            if (samples) {
                for (int c = 0; c < d; c += length) {
                    int w = Math.min(length, d - c);
                    for (int j = 0; j < n; j++) {
                        host.read(order[from + j], c, c + w, block, j * w, narrow);
                        for (int i = 0; i < w; i++) {
                            alive[c + i] |= block[j * w + i] != 0;
                        }
                    }
                    b.write(0, block, 0, w * n);
                    g.addInner(b, w);
                    stopIfInterrupted();
                }
            } else {
                for (int r = 0; r < n; r += count) {
                    int rows = Math.min(count, n - r);
                    for (int j = 0; j < rows; j++) {
                        host.read(order[from + r + j], 0, d, block, j * d, narrow);
                    }
                    b.write(0, block, 0, rows * d);
                    g.addOuter(b, rows);
                    stopIfInterrupted();
                }
            }
            int rank = size;
            if (samples) {
                rank = 0;
                for (boolean a : alive) {
                    rank += a ? 1 : 0;
                }
            }
            return resolved(fromSpectrum(g.diagonal(), Math.min(size, rank), g::eigenvaluesDescending,
                    Math.max(n, d)));
        }
    }

    /**
     * Ends a class's job when {@link Pending#close} stopped the pool before its result was asked for (the other
     * metrics failed): between blocks, and so before the eigenvalues, instead of going on for seconds.
     */
    private static void stopIfInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new java.util.concurrent.CancellationException("numerical_rank stopped");
        }
    }

    /** Class k's rows, n_k×d row-major, in float64. */
    private static double[] classRows(Batch batch, int k, int d) {
        try (NDManager scope = batch.scope(); NDManager cls = batch.block(scope)) {
            return batch.sortedRows(cls, batch.start()[k], batch.start()[k + 1]).toDoubleArray();
        }
    }

    /** Class k's smaller Gram matrix, row-major, in float64. */
    private static double[] classGram(Batch batch, NDManager scope, int k, int d, int[] rank) {
        int from = batch.start()[k];
        int to = batch.start()[k + 1];
        rank[0] = Math.min(to - from, d);
        if (to - from > d) {
            return featureGram(batch, scope, from, to, d);
        }
        try (NDManager cls = batch.block(scope)) {
            // H_kᵀH_k = (x xᵀ) for the n_k×d rows x: the Gram of xᵀ's columns.
            NDArray x = batch.sortedRows(cls, from, to);
            // its rank is at most the number of live units (columns of x with a non-zero entry), as on the host route
            rank[0] = Math.min(rank[0], (int) x.abs().max(new int[] {0}).gt(0).sum().toType(DataType.INT64, false)
                    .getLong());
            SymmetricGram g = new SymmetricGram(cls, to - from);
            g.add(x.transpose());
            return g.toArray();
        }
    }

    /**
     * Σ h hᵀ (d×d, row-major, float64, both triangles) over the rows {@code order[from..to)}, block by block.
     */
    static double[] featureGram(Batch batch, NDManager scope, int from, int to, int d) {
        try (NDManager cls = batch.block(scope)) {
            SymmetricGram g = new SymmetricGram(cls, d);
            // Larger blocks than elsewhere: every product allocates a d×d result.
            int chunk = 4 * Batch.chunkRows(d);
            for (int a = from; a < to; a += chunk) {
                try (NDManager block = batch.block(cls, g.blocks())) {
                    g.add(batch.sortedRows(block, a, Math.min(a + chunk, to)));
                }
            }
            return g.toArray();
        }
    }

    /**
     * A Gram matrix aᵀa (c×c, float64) accumulated over blocks of rows a. From c ≥ {@link #symmetricFrom}
     * only the blocks on and above the diagonal of a grid are multiplied — 3 of 4 products in a 2×2 grid,
     * 10 of 16 in a 4×4 one (from 2·{@code symmetricFrom}): near the flops of a symmetric rank-k update,
     * which PyTorch does not expose — and mirrored at the end. The route for features off the CPU.
     */
    private static final class SymmetricGram {
        private final int size;
        private final int parts;
        private final int[] edge;
        private final NDArray[][] g;
        private final NDList all = new NDList();

        SymmetricGram(NDManager manager, int size) {
            this.size = size;
            this.parts = size >= 2 * symmetricFrom ? 4 : size >= symmetricFrom ? 2 : 1;
            this.edge = new int[parts + 1];
            for (int p = 0; p <= parts; p++) {
                edge[p] = (int) ((long) size * p / parts);
            }
            this.g = new NDArray[parts][parts];
            for (int p = 0; p < parts; p++) {
                for (int q = p; q < parts; q++) {
                    g[p][q] = manager.zeros(new Shape(edge[p + 1] - edge[p], edge[q + 1] - edge[q]),
                            DataType.FLOAT64);
                    all.add(g[p][q]);
                }
            }
        }

        NDArray[] blocks() {
            return all.toArray(new NDArray[0]);
        }

        /** Adds aᵀa for a (rows × size, float64, any strides). */
        void add(NDArray a) {
            if (parts == 1) {
                g[0][0].addi(a.transpose().matMul(a));
                return;
            }
            NDArray[] cols = new NDArray[parts];
            for (int p = 0; p < parts; p++) {
                cols[p] = a.get(new NDIndex().addAllDim().addSliceDim(edge[p], edge[p + 1]));
            }
            for (int p = 0; p < parts; p++) {
                NDArray left = cols[p].transpose();
                for (int q = p; q < parts; q++) {
                    g[p][q].addi(left.matMul(cols[q]));
                }
            }
        }

        double[] toArray() {
            double[] out = new double[size * size];
            for (int p = 0; p < parts; p++) {
                for (int q = p; q < parts; q++) {
                    double[] b = g[p][q].toDoubleArray();
                    int rows = edge[p + 1] - edge[p];
                    int width = edge[q + 1] - edge[q];
                    for (int i = 0; i < rows; i++) {
                        for (int j = 0; j < width; j++) {
                            double v = b[i * width + j];
                            out[(edge[p] + i) * size + edge[q] + j] = v;
                            out[(edge[q] + j) * size + edge[p] + i] = v;
                        }
                    }
                }
            }
            return out;
        }
    }

    /** From this size a Gram matrix is formed block-symmetrically (tests lower it). */
    static int symmetricFrom = 200;

    /**
     * ‖H‖_*²/‖H‖_F² from a Gram matrix of H (either one): (Σ √λ_i)² / tr G, with the eigenvalues below
     * {@code maxDim}·ε·λ_max dropped as round-off. A Gram matrix squares the singular values, so those
     * below about √(maxDim·ε)·σ_max (5e-7·σ_max at d = 1024) are not resolved and count as zero: features
     * that close to one direction per class read exactly 1 (a true 1 + 4e-7, say), never less. The streaming
     * route ({@link ClassGrams}) has only the Gram; {@link #measure} checks {@link #resolvedExcess} instead.
     */
    static double ratio(double[] gram, int size, int maxDim) {
        double r = fromGram(gram, size, maxDim, size)[0];
        return r == 0 ? Double.NaN : r; // all-zero features: 0/0, as resolved() marks it for measure()
    }

    /**
     * How far a Gram eigenvalue is typically off, in units of ε·λ_max, per √max(n_k, d): the rounding errors of
     * the Gram's max(n_k, d)-term sums and of the eigensolver add up like a random walk (measured: 0.3–4 ε·λ_max
     * on offset and ReLU features with max(n_k, d) from 10 to 2000).
     */
    static final double GRAM_ERROR = 1.0;

    /**
     * The accuracy the Gram route must reach for {@link #measure} to keep its value: 1e-5 relative on numerical_rank
     * itself and 1e-1 relative on ratio − 1; a class where the error estimate exceeds either takes its singular
     * values from the features ({@link #exactExcess}), at up to ten times the cost (2 s against 0.2 s for a class of
     * 3000 × 1024). The estimate charges every unresolved eigenvalue (below the cut, or within δ of zero) its whole
     * possible σ, √(λ + δ), except the exact zeros that a unit dead for the whole class or an all-zero sample
     * makes, and it bounds the error measured on every class below. An MLP's trained features (500 × 1024 per
     * class) estimate 3e-11 to 1.3e-10 relative and are 1e-14 off; an MSE run's, collapsed to NC1 = 0.0026 with up
     * to 438 dead units a class, estimate up to 8.4e-6 and are up to 1.5e-6 off (3e-7 on numerical_rank): these
     * keep the Gram route, where 1e-6 sent 4 of their 10 classes to the SVD at every probe (2.5 times
     * numerical_rank's time). What the exact route is for: a class whose excess over 1 is itself near the Gram's
     * resolution, a large common offset over a small spread (1e6 over 0.1 read 1.1e-7 for 3.4e-7), and features
     * close to a few directions with a small real spread (rank 5 plus noise 3e-5 in d = 512: 3e-5 to 1e-4 low per
     * class, and uncounted by the former estimate, which the former 1e-4 let pass).
     */
    static final double RESOLVED = 1e-5;
    static final double RESOLVED_EXCESS = 1e-1;

    /**
     * ratio − 1 from the Gram matrix where its eigenvalues resolve it ({@link #RESOLVED}), else NaN. The
     * eigenvalues carry absolute errors of about δ = {@link #GRAM_ERROR}·√maxDim·ε·λ_max, so σ_i = √λ_i is
     * uncertain by √(λ_i + δ) − √(λ_i − δ) (≈ δ/σ_i, and up to √(2δ) for λ_i near δ), and the ratio
     * (Σσ_i)²/tr by 2·ratio·(Σ of those)/Σσ_i. Random ReLU-like features (σ_i within a few hundred of σ_max) stay
     * far below that; classes close to one direction (a large common offset) do not.
     */
    static double resolvedExcess(double[] gram, int size, int maxDim) {
        return resolvedExcess(gram, size, maxDim, size);
    }

    /**
     * The same for a Gram matrix of rank at most {@code rank} (its size, or less where the caller knows of exact zeros
     * among its eigenvalues: units dead for the whole class).
     */
    static double resolvedExcess(double[] gram, int size, int maxDim, int rank) {
        return resolved(fromGram(gram, size, maxDim, rank));
    }

    /**
     * A class's excess where its features are all zero and its ratio is 0/0 (NaN is taken: it marks an excess the
     * Gram does not resolve): numerical_rank is then undefined.
     */
    private static final double NO_RATIO = -1;

    private static double resolved(double[] r) {
        if (r[0] == 0) {
            return NO_RATIO;
        }
        return r[1] <= RESOLVED * r[0] && r[1] <= RESOLVED_EXCESS * (r[0] - 1) ? r[0] - 1 : Double.NaN;
    }

    /** {ratio, an estimate of its absolute error} from a Gram matrix of rank at most {@code rank}. */
    private static double[] fromGram(double[] gram, int size, int maxDim, int rank) {
        double[] diagonal = new double[size];
        for (int i = 0; i < size; i++) {
            diagonal[i] = gram[i * size + i];
        }
        return fromSpectrum(diagonal, rank, () -> SymmetricEigen.ofRowMajor(gram, size, false).descending().values(),
                maxDim);
    }

    /**
     * {ratio, an estimate of its absolute error} from a Gram matrix's diagonal, a bound on its rank and its
     * eigenvalues (descending, asked for only where the trace is positive and finite). Its exact zero eigenvalues
     * carry no uncertainty: one for each zero on the diagonal (a vector of zeros: a unit dead for the whole class,
     * or an all-zero sample, whose row and column of the Gram are exact zeros), or size − rank where that is more.
     * Every other eigenvalue may be off by δ: a kept one's σ by √(λ + δ) − √(λ − δ), and a dropped one's by all of
     * √(λ + δ), since the true σ it stands for (counted as 0) may be a real one as large as that (features close to
     * a few directions with a small spread around them: counting only the first term once left such a class 6e-5
     * off while estimating 2e-5).
     */
    private static double[] fromSpectrum(double[] diagonal, int rank,
            java.util.function.Supplier<double[]> eigenvalues, int maxDim) {
        double trace = 0;
        int zeros = 0;
        for (double v : diagonal) {
            trace += v;
            zeros += v == 0 ? 1 : 0;
        }
        zeros = Math.max(zeros, diagonal.length - rank);
        if (Double.isNaN(trace)) {
            throw new io.nclab.UserError("the features are not finite (NaN or infinity): numerical_rank needs finite"
                    + " features");
        }
        if (!Double.isFinite(trace)) {
            throw new io.nclab.UserError("the features are too large for float64: a class's Gram matrix"
                    + " overflows in numerical_rank; rescale them (every NC metric is scale-invariant)");
        }
        if (trace <= 0) {
            return new double[] {0, 0};
        }
        double[] lam = eigenvalues.get();
        double cut = maxDim * Geometry.EPS * lam[0];
        double delta = GRAM_ERROR * Math.sqrt(maxDim) * Geometry.EPS * lam[0];
        double nuclear = 0;
        double uncertain = 0;
        // the smallest `zeros` eigenvalues stand for the exact zeros (all-zero vectors, units dead for the whole class)
        for (int i = 0; i < lam.length - Math.min(zeros, lam.length); i++) {
            double l = lam[i];
            double p = Math.max(l, 0);
            if (l > cut) {
                nuclear += Math.sqrt(l);
                uncertain += Math.sqrt(p + delta) - Math.sqrt(Math.max(p - delta, 0));
            } else {
                uncertain += Math.sqrt(p + delta);
            }
        }
        // ‖H‖_*² ≥ ‖H‖_F² for any H ≠ 0; below 1 only by the unresolved singular values the cut dropped from the
        // nuclear norm but not from the trace
        double ratio = Math.max(1.0, nuclear * nuclear / trace);
        return new double[] {ratio, 2 * ratio * uncertain / nuclear};
    }

    /**
     * ‖H‖_*²/‖H‖_F² − 1 from the rows X = Hᵀ (n×d, row-major) themselves: the direct computation, one SVD
     * ({@link Svd}, LAPACK {@code dgesdd}), whose singular values carry absolute errors of about ε·σ_1 instead of the
     * Gram's √ε·σ_1. With S = Σ_{i≥2} σ_i and Q = Σ_{i≥2} σ_i², ratio − 1 = (2σ_1 S + S² − Q)/(σ_1² + Q): no
     * difference of two numbers near σ_1² is taken, so a class close to one direction keeps its excess to about
     * ε·σ_1/σ_i relative (a large common offset: 1e6 over a spread of 0.1 keeps 1e-9).
     */
    static double exactExcess(double[] x, int n, int d) {
        double[] sigma = Svd.valuesOfRowMajor(x, n, d);
        double s1 = sigma.length == 0 ? 0 : sigma[0];
        double s = 0;
        double q = 0;
        for (int i = 1; i < sigma.length; i++) {
            s += sigma[i];
            q += sigma[i] * sigma[i];
        }
        if (s1 == 0) {
            return NO_RATIO;
        }
        return (2 * s1 * s + (s * s - q)) / (s1 * s1 + q);
    }
}
