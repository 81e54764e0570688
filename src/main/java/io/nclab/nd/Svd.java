package io.nclab.nd;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.Arrays;
import java.util.Comparator;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * The singular values and left singular vectors of a small dense matrix (rows × cols, thin): LAPACK's
 * {@code dgesdd} in the MKL that libtorch carries (as {@link NativeEigen} finds {@code dsyevd}), else EJML.
 * Unlike an eigen-decomposition of the Gram matrix A Aᵀ, which squares A's condition number, the small
 * singular values and their vectors keep a relative accuracy of about ε·σ_max/σ_i.
 *
 * @param values the min(rows, cols) singular values, descending
 * @param left   {@code left[j]} the left singular vector of {@code values[j]} (length rows); null where only the
 *               values were asked for
 */
public record Svd(double[] values, double[][] left) {

    private static final Function DGESDD = NativeEigen.available() ? NativeEigen.find("dgesdd_") : null;
    private static final Pointer JOBZ_S = NativeEigen.flag("S");
    private static final Pointer JOBZ_N = NativeEigen.flag("N");

    /** Whether decompositions run on the native LAPACK ({@code dgesdd}) rather than EJML. */
    public static boolean isNative() {
        return DGESDD != null;
    }

    /** Decomposes a rows × cols matrix given row by row (the array is not modified). */
    public static Svd ofRowMajor(double[] a, int rows, int cols) {
        return ofRowMajor(a, rows, cols, true);
    }

    /**
     * The singular values alone (descending) of a rows × cols matrix given row by row, the array left alone:
     * the same decomposition without the vectors, which costs a fraction of {@link #ofRowMajor}.
     */
    public static double[] valuesOfRowMajor(double[] a, int rows, int cols) {
        return ofRowMajor(a, rows, cols, false).values();
    }

    /** {@code dgesdd} where LAPACK is at hand, else EJML; the left vectors ({@code left}) only if asked. */
    private static Svd ofRowMajor(double[] a, int rows, int cols, boolean vectors) {
        for (double v : a) {
            if (!Double.isFinite(v)) {
                throw new ArithmeticException("singular value decomposition of a " + rows + "x" + cols
                        + " matrix with a non-finite entry (" + v + ")");
            }
        }
        if (rows == 0 || cols == 0) {
            return new Svd(new double[0], vectors ? new double[0][] : null);
        }
        return DGESDD != null ? natively(a, rows, cols, vectors) : withEjml(a, rows, cols, vectors);
    }

    /** The same decomposition always through EJML (the fallback, and the cross-check in tests). */
    static Svd withEjml(double[] a, int rows, int cols, boolean vectors) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(rows, cols, vectors, false, true);
        if (!svd.decompose(new DMatrixRMaj(rows, cols, true, a.clone()))) {
            throw new ArithmeticException("singular value decomposition failed for a " + rows + "x" + cols + " matrix");
        }
        double[] s = svd.getSingularValues();
        DMatrixRMaj u = vectors ? svd.getU(null, false) : null;
        int m = Math.min(rows, cols);
        Integer[] order = new Integer[m];
        for (int j = 0; j < m; j++) {
            order[j] = j;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer j) -> s[j]).reversed());
        double[] values = new double[m];
        double[][] left = vectors ? new double[m][rows] : null;
        for (int j = 0; j < m; j++) {
            values[j] = s[order[j]];
            for (int r = 0; vectors && r < rows; r++) {
                left[j][r] = u.get(r, order[j]);
            }
        }
        return new Svd(values, left);
    }

    /**
     * dgesdd on the column-major reading of the row-major array, i.e. on Aᵀ (cols × rows): A's left singular
     * vectors are Aᵀ's right ones, the rows of VT. Without {@code vectors}, the values alone ({@code left} null).
     */
    private static Svd natively(double[] a, int rows, int cols, boolean vectors) {
        return NativeEigen.onOneThread(() -> nativelyOnOneThread(a, rows, cols, vectors));
    }

    private static Svd nativelyOnOneThread(double[] a, int rows, int cols, boolean vectors) {
        int m = cols;
        int n = rows;
        int k = Math.min(m, n);
        try (Memory am = new Memory((long) m * n * Double.BYTES);
                Memory s = new Memory((long) k * Double.BYTES);
                Memory u = new Memory(vectors ? (long) m * k * Double.BYTES : Double.BYTES);
                Memory vt = new Memory(vectors ? (long) k * n * Double.BYTES : Double.BYTES);
                Memory iwork = new Memory(8L * k * Integer.BYTES);
                Memory ints = new Memory(7L * Integer.BYTES);
                Memory query = new Memory(Double.BYTES)) {
            am.write(0, a, 0, m * n);
            Pointer pm = ints.share(0);
            Pointer pn = ints.share(4);
            Pointer plda = ints.share(8);
            Pointer pldu = ints.share(12);
            Pointer pldvt = ints.share(16);
            Pointer plwork = ints.share(20);
            Pointer pinfo = ints.share(24);
            pm.setInt(0, m);
            pn.setInt(0, n);
            plda.setInt(0, m);
            pldu.setInt(0, vectors ? m : 1);
            pldvt.setInt(0, vectors ? k : 1);
            plwork.setInt(0, -1);
            Pointer jobz = vectors ? JOBZ_S : JOBZ_N;
            call(jobz, pm, pn, am, plda, s, u, pldu, vt, pldvt, query, plwork, iwork, pinfo);
            check(pinfo.getInt(0), rows, cols);
            long lwork = Math.max(1, (long) Math.ceil(query.getDouble(0)));
            if (lwork > Integer.MAX_VALUE) {
                throw new ArithmeticException("SVD workspace too large for a " + rows + "x" + cols + " matrix");
            }
            try (Memory work = new Memory(lwork * Double.BYTES)) {
                plwork.setInt(0, (int) lwork);
                call(jobz, pm, pn, am, plda, s, u, pldu, vt, pldvt, work, plwork, iwork, pinfo);
                check(pinfo.getInt(0), rows, cols);
            }
            double[] values = s.getDoubleArray(0, k); // descending, as LAPACK returns them
            if (!vectors) {
                return new Svd(values, null);
            }
            double[] v = vt.getDoubleArray(0, k * n);
            double[][] left = new double[k][n];
            for (int j = 0; j < k; j++) {
                for (int r = 0; r < n; r++) {
                    left[j][r] = v[r * k + j]; // VT(j, r), column-major with leading dimension k
                }
            }
            return new Svd(values, left);
        }
    }

    private static void call(Pointer jobz, Pointer m, Pointer n, Pointer a, Pointer lda, Pointer s, Pointer u, Pointer ldu,
            Pointer vt, Pointer ldvt, Pointer work, Pointer lwork, Pointer iwork, Pointer info) {
        // the trailing length is the hidden Fortran length of the character argument
        DGESDD.invokeVoid(new Object[] {jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork, iwork, info, 1L});
    }

    private static void check(int info, int rows, int cols) {
        if (info != 0) {
            throw new ArithmeticException("singular value decomposition failed for a " + rows + "x" + cols
                    + " matrix (LAPACK dgesdd info " + info + ")");
        }
    }
}
