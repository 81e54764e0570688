package io.nclab.metrics;

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
 * smaller of H_kᵀH_k (n_k×n_k) and H_k H_kᵀ (d×d), formed in float64 on the features' device and
 * decomposed (eigenvalues only) by {@link SymmetricEigen} (LAPACK dsyevd), classes in parallel. Eigenvalues below
 * max(n_k, d)·ε·λ_max are round-off of the Gram (an exactly collapsed class gives a rank-one Gram)
 * and count as zero, and a class's ratio is at least 1, as it is by definition (the dropped values leave the
 * trace, not the nuclear norm). A class whose features are all zero has ratio 0.
 */
public final class NumericalRank {
    private NumericalRank() {}

    /** Gram matrices at least this large are decomposed on a worker thread. */
    private static final int PARALLEL_FROM = 128;

    /** The numerical rank of features held in one N×d NDArray (float32/float64, any device). */
    public static double measure(NDArray features, int[] labels, int classes) {
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
        }
        int threads = Math.max(1, Math.min(classes, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Workers.pool("nclab-numerical-rank", threads);
        try {
            List<Future<Double>> ratios = new ArrayList<>();
            try (NDManager scope = batch.scope()) {
                for (int k = 0; k < classes; k++) {
                    int n = (int) batch.counts[k];
                    int size = Math.min(n, d);
                    double[] gram = classGram(batch, scope, k, d);
                    int bigger = Math.max(n, d);
                    if (size >= PARALLEL_FROM) {
                        ratios.add(pool.submit(() -> ratio(gram, size, bigger)));
                    } else {
                        double r = ratio(gram, size, bigger);
                        ratios.add(java.util.concurrent.CompletableFuture.completedFuture(r));
                    }
                }
            }
            double sum = 0;
            for (Future<Double> f : ratios) {
                sum += Workers.await(f, "the numerical rank");
            }
            return sum / classes;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Class k's smaller Gram matrix, row-major, in float64. */
    private static double[] classGram(Batch batch, NDManager scope, int k, int d) {
        int from = batch.start[k];
        int to = batch.start[k + 1];
        if (to - from > d) {
            return featureGram(batch, scope, from, to, d);
        }
        try (NDManager cls = batch.block(scope)) {
            // H_kᵀH_k = (x xᵀ) for the n_k×d rows x: the Gram of xᵀ's columns.
            NDArray x = batch.sortedRows(cls, from, to);
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
     * which PyTorch does not expose — and mirrored at the end. On the probe's 450×450 class Grams
     * (d = 1024) the whole numerical rank is 0–10% faster for it (the eigenvalues dominate).
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
     * that close to one direction per class read exactly 1 (a true 1 + 4e-7, say), never less. That is the price of
     * the Gram route, which costs a fraction of an SVD.
     */
    static double ratio(double[] gram, int size, int maxDim) {
        double trace = 0;
        for (int i = 0; i < size; i++) {
            trace += gram[i * size + i];
        }
        if (Double.isNaN(trace)) {
            throw new io.nclab.UserError("the features are not finite (NaN or infinity): numerical_rank needs finite"
                    + " features");
        }
        if (!Double.isFinite(trace)) {
            throw new io.nclab.UserError("the features are too large for float64: a class's Gram matrix"
                    + " overflows in numerical_rank; rescale them (every NC metric is scale-invariant)");
        }
        if (trace <= 0) {
            return 0;
        }
        double[] lam = SymmetricEigen.ofRowMajor(gram, size, false).descending().values();
        double cut = maxDim * Geometry.EPS * lam[0];
        double nuclear = 0;
        for (double l : lam) {
            if (l > cut) {
                nuclear += Math.sqrt(l);
            }
        }
        // ‖H‖_*² ≥ ‖H‖_F² for any H ≠ 0; below 1 only by the unresolved singular values the cut dropped from the
        // nuclear norm but not from the trace
        return Math.max(1.0, nuclear * nuclear / trace);
    }
}
