package io.nclab.nd;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * LAPACK's divide-and-conquer symmetric eigensolver {@code dsyevd}, called through JNA in the LAPACK that
 * the PyTorch natives already carry (Intel MKL, linked into and exported by {@code libtorch_cpu.so}, which
 * DJL has loaded into this process). Nothing is downloaded or installed for it.
 *
 * <p>Where that library or symbol is absent (another platform, another libtorch build), or when the system
 * property {@code nclab.eigen=ejml} is set, {@link #available()} is false and {@link SymmetricEigen} uses
 * EJML. For a 2048² matrix, eigenvalues only, it is about 8× faster than EJML's symmetric QR.
 */
final class NativeEigen {
    private NativeEigen() {}

    static final Function DSYEVD = find("dsyevd_");
    private static final Pointer JOBZ_V = flag("V");
    private static final Pointer JOBZ_N = flag("N");
    private static final Pointer UPLO_L = flag("L");
    /** MKL's per-thread thread count (C interface, by value; returns the previous setting). */
    private static final Function LOCAL_THREADS = DSYEVD == null ? null : find("MKL_Set_Num_Threads_Local");

    /** Whether {@code dsyevd} was found. */
    static boolean available() {
        return DSYEVD != null;
    }

    /**
     * Eigenvalues (ascending) and, if asked, eigenvectors of a symmetric n×n matrix given row by row
     * (only one triangle is read; the array is not modified).
     */
    static SymmetricEigen decompose(double[] a, int n, boolean wantVectors) {
        if (n == 0) {
            return new SymmetricEigen(new double[0], wantVectors ? new double[0][] : null);
        }
        long cells = (long) n * n;
        return onOneThread(() -> run(a, n, wantVectors, cells));
    }

    /**
     * {@code work} with MKL on the calling thread alone: MKL's threaded tridiagonal reduction is 3-4x slower than
     * one thread for n = 500 here (its threads meet at every Householder step), and callers with many matrices
     * (NumericalRank: one per class) run them on their own threads.
     */
    static <T> T onOneThread(java.util.function.Supplier<T> work) {
        return onThreads(1, work);
    }

    /** {@code work} with MKL on {@code threads} threads for the calling thread's calls. */
    static <T> T onThreads(int threads, java.util.function.Supplier<T> work) {
        int previous = LOCAL_THREADS == null ? 0 : LOCAL_THREADS.invokeInt(new Object[] {Math.max(1, threads)});
        try {
            return work.get();
        } finally {
            if (LOCAL_THREADS != null) {
                LOCAL_THREADS.invokeInt(new Object[] {previous});
            }
        }
    }

    private static SymmetricEigen run(double[] a, int n, boolean wantVectors, long cells) {
        try (Memory m = new Memory(cells * Double.BYTES)) {
            m.write(0, a, 0, (int) cells);
            double[] values = dsyevd(DSYEVD, m, n, wantVectors);
            double[][] vectors = null;
            if (wantVectors) {
                // Column j of the column-major result is the eigenvector of values[j].
                vectors = new double[n][];
                for (int j = 0; j < n; j++) {
                    vectors[j] = m.getDoubleArray((long) j * n * Double.BYTES, n);
                }
            }
            return new SymmetricEigen(values, vectors);
        }
    }

    /**
     * The eigenvalues (ascending) of the symmetric n×n matrix at {@code a} (column-major, leading dimension n, only
     * the lower triangle read), by the given {@code dsyevd} (LP64: 32-bit integers) on the calling thread's
     * threads; with {@code wantVectors} the eigenvectors overwrite {@code a}, else it is destroyed.
     */
    static double[] dsyevd(Function dsyevd, Pointer a, int n, boolean wantVectors) {
        try (Memory w = new Memory((long) n * Double.BYTES);
                Memory ints = new Memory(5L * Integer.BYTES);
                Memory query = new Memory(Double.BYTES)) {
            Pointer jobz = wantVectors ? JOBZ_V : JOBZ_N;
            Pointer pn = ints.share(0);
            Pointer plwork = ints.share(4);
            Pointer pliwork = ints.share(8);
            Pointer pinfo = ints.share(12);
            Pointer iquery = ints.share(16);
            pn.setInt(0, n);
            // Workspace query, then the decomposition. The two trailing lengths are the hidden Fortran lengths of
            // the character arguments.
            plwork.setInt(0, -1);
            pliwork.setInt(0, -1);
            dsyevd.invokeVoid(new Object[] {jobz, UPLO_L, pn, a, pn, w, query, plwork, iquery, pliwork, pinfo, 1L, 1L});
            check(pinfo.getInt(0), n);
            long lwork = Math.max(1, (long) Math.ceil(query.getDouble(0)));
            int liwork = Math.max(1, iquery.getInt(0));
            if (lwork > Integer.MAX_VALUE) {
                throw new ArithmeticException("eigen-decomposition workspace too large for a " + n + "x" + n
                        + " matrix");
            }
            try (Memory work = new Memory(lwork * Double.BYTES);
                    Memory iwork = new Memory((long) liwork * Integer.BYTES)) {
                plwork.setInt(0, (int) lwork);
                pliwork.setInt(0, liwork);
                dsyevd.invokeVoid(new Object[] {jobz, UPLO_L, pn, a, pn, w, work, plwork, iwork, pliwork, pinfo, 1L,
                    1L});
                check(pinfo.getInt(0), n);
            }
            return w.getDoubleArray(0, n);
        }
    }

    private static void check(int info, int n) {
        if (info != 0) {
            throw new ArithmeticException("symmetric eigen-decomposition failed for a " + n + "x" + n
                    + " matrix (LAPACK dsyevd info " + info + ")");
        }
    }

    static Pointer flag(String c) {
        Memory p = new Memory(2);
        p.setByte(0, (byte) c.charAt(0));
        p.setByte(1, (byte) 0);
        return p;
    }

    /** A function of the PyTorch natives' MKL, unless {@code nclab.eigen=ejml} asks for EJML. */
    static Function find(String symbol) {
        if ("ejml".equalsIgnoreCase(System.getProperty("nclab.eigen", ""))) {
            return null;
        }
        return NativeLib.find(symbol);
    }
}
