package io.nclab.nd;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * A symmetric Gram matrix (size × size, float64) accumulated in native memory by BLAS and decomposed there by LAPACK,
 * eigenvalues only, all on the calling thread: for callers that decompose many at once, one per thread
 * ({@code NumericalRank}: one per class). Nothing is copied back and forth between Java and native memory but the
 * blocks of vectors and the eigenvalues.
 *
 * <p>The rank-k updates are OpenBLAS's {@code dsyrk} where the system has it ({@link OpenBlas}) and one thread is
 * asked for, else MKL's
 * {@code dgemm} on the blocks on and below the diagonal of a grid (2×2 or 4×4: 3/4 or 5/8 of a full product's
 * flops); the
 * eigenvalues are OpenBLAS's {@code dsyevd}, else MKL's. Only the lower triangle (column-major) is ever read (the MKL
 * route also fills the upper half of each diagonal block).
 */
public final class NativeGram implements AutoCloseable {

    /** Whether OpenBLAS is used where it is present (tests turn it off to check the MKL route). */
    static boolean openBlas = true;

    private static final Pointer LOWER = NativeEigen.flag("L");
    private static final Pointer NO_TRANSPOSE = NativeBlas.NO_TRANSPOSE;
    private static final Pointer TRANSPOSE = NativeBlas.TRANSPOSE;

    /** From this size the MKL route splits the matrix into a 2×2 grid of blocks, from twice it a 4×4 one. */
    private static final int SPLIT_FROM = 200;

    private final int size;
    private final Memory g;
    private final int threads;
    private final boolean gramViaOpenBlas;
    private final boolean eigenViaOpenBlas;

    /** Whether a Gram matrix can be built and decomposed natively (MKL's or OpenBLAS's routines are there). */
    public static boolean available() {
        return OpenBlas.available() || (NativeBlas.gemmAvailable() && NativeEigen.DSYEVD != null);
    }

    /**
     * Which library computes numerical_rank's eigenvalues here (its last digits depend on it): the system's OpenBLAS
     * (with its build), the PyTorch natives' MKL, or EJML where neither is there.
     */
    public static String library() {
        if (OpenBlas.available() && openBlas) {
            return OpenBlas.config();
        }
        return available() ? "MKL (the PyTorch natives)" : "EJML";
    }

    /**
     * A zero size × size matrix ({@link #available()} must be true) whose rank-k updates use {@code threads} threads:
     * MKL's {@code dgemm} on that many (OpenBLAS's thread count is one setting for the whole process, so it stays at
     * one); for callers with fewer matrices than cores. The eigenvalues are always computed on the calling thread
     * alone.
     */
    public NativeGram(int size, int threads) {
        if (!available()) {
            throw new IllegalStateException("no native BLAS and LAPACK for a Gram matrix");
        }
        if (size < 1 || (long) size * size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a Gram matrix of size " + size);
        }
        this.size = size;
        this.g = new Memory((long) size * size * Double.BYTES);
        this.g.clear();
        this.threads = Math.max(1, threads);
        boolean mkl = NativeBlas.gemmAvailable() && NativeEigen.DSYEVD != null;
        this.eigenViaOpenBlas = openBlas && OpenBlas.available() || !mkl;
        this.gramViaOpenBlas = eigenViaOpenBlas && (this.threads == 1 || !mkl);
    }

    /**
     * G ← G + BᵀB for B (rows × size, column-major: the size vectors whose inner products G holds, each {@code rows}
     * long and contiguous).
     */
    public void addInner(Pointer b, int rows) {
        update(b, rows, true);
    }

    /**
     * G ← G + BBᵀ for B (size × count, column-major: {@code count} vectors of length size, each contiguous): the sum
     * of their outer products.
     */
    public void addOuter(Pointer b, int count) {
        update(b, count, false);
    }

    private void update(Pointer b, int k, boolean inner) {
        if (k < 1) {
            return;
        }
        int ld = inner ? k : size;
        if (gramViaOpenBlas) {
            try (Memory ints = new Memory(4L * Integer.BYTES); Memory scalars = new Memory(2L * Double.BYTES)) {
                ints.setInt(0, size);
                ints.setInt(4, k);
                ints.setInt(8, ld);
                ints.setInt(12, size);
                scalars.setDouble(0, 1);
                scalars.setDouble(8, 1);
                OpenBlas.DSYRK.invokeVoid(new Object[] {LOWER, inner ? TRANSPOSE : NO_TRANSPOSE, ints.share(0),
                    ints.share(4), scalars.share(0), b, ints.share(8), scalars.share(8), g, ints.share(12), 1L, 1L});
            }
            return;
        }
        int parts = size >= 2 * SPLIT_FROM ? 4 : size >= SPLIT_FROM ? 2 : 1;
        int[] edge = new int[parts + 1];
        for (int p = 0; p <= parts; p++) {
            edge[p] = (int) ((long) size * p / parts);
        }
        NativeEigen.onThreads(threads, () -> {
            for (int q = 0; q < parts; q++) {
                for (int p = q; p < parts; p++) {
                    // the block of rows edge[p].. and columns edge[q].. of G: (vectors p)ᵀ(vectors q)
                    long strideOfVector = inner ? (long) ld : 1; // elements from one vector to the next
                    Pointer left = b.share(edge[p] * strideOfVector * Double.BYTES);
                    Pointer right = b.share(edge[q] * strideOfVector * Double.BYTES);
                    Pointer block = g.share(((long) edge[q] * size + edge[p]) * Double.BYTES);
                    NativeBlas.gemm(inner, !inner, edge[p + 1] - edge[p], edge[q + 1] - edge[q], k, 1, left, ld, right,
                            ld, 1, block, size);
                }
            }
            return null;
        });
    }

    /** G's diagonal (the vectors' squared norms), before {@link #eigenvaluesDescending} destroys G. */
    public double[] diagonal() {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = g.getDouble(((long) i * size + i) * Double.BYTES);
        }
        return out;
    }

    /**
     * G's eigenvalues, descending; G is destroyed. A non-finite entry is an {@link ArithmeticException}, as for
     * {@link SymmetricEigen}.
     */
    public double[] eigenvaluesDescending() {
        double[] column = new double[size];
        for (int j = 0; j < size; j++) {
            g.read(((long) j * size + j) * Double.BYTES, column, 0, size - j);
            for (int i = 0; i < size - j; i++) {
                if (!Double.isFinite(column[i])) {
                    throw new ArithmeticException("symmetric eigen-decomposition of a " + size + "x" + size
                            + " matrix with a non-finite entry (" + column[i] + ")");
                }
            }
        }
        Function dsyevd = eigenViaOpenBlas ? OpenBlas.DSYEVD : NativeEigen.DSYEVD;
        double[] ascending = eigenViaOpenBlas ? NativeEigen.dsyevd(dsyevd, g, size, false)
                : NativeEigen.onOneThread(() -> NativeEigen.dsyevd(dsyevd, g, size, false));
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = ascending[size - 1 - i];
        }
        return out;
    }

    /** Whether this matrix is built by OpenBLAS (else MKL). */
    public boolean gramViaOpenBlas() {
        return gramViaOpenBlas;
    }

    /** Whether this matrix is decomposed by OpenBLAS (else MKL). */
    public boolean eigenViaOpenBlas() {
        return eigenViaOpenBlas;
    }

    @Override
    public void close() {
        g.close();
    }
}
