package io.nclab.nd;

import java.util.Arrays;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The eigen-decomposition of a small dense symmetric matrix, eigenvalues in ascending order;
 * {@code vectors[i]} is the unit eigenvector of {@code values[i]}. LAPACK's {@code dsyevd} from the PyTorch
 * natives when it is there ({@link NativeEigen}), else EJML's symmetric QR algorithm.
 */
public record SymmetricEigen(double[] values, double[][] vectors) {

    /**
     * The full spectrum of a symmetric operator of dimension n, through n products with the unit
     * vectors: the dense cross-check for small problems.
     */
    public static SymmetricEigen ofOperator(UnaryOperator<double[]> a, int n) {
        double[][] m = new double[n][];
        for (int j = 0; j < n; j++) {
            double[] e = new double[n];
            e[j] = 1;
            m[j] = a.apply(e);
        }
        return of(m);
    }

    /** Decomposes (a + aᵀ)/2, so a matrix that is symmetric up to rounding is accepted. */
    public static SymmetricEigen of(double[][] a) {
        return of(a, true);
    }

    /** Decomposes (a + aᵀ)/2; eigenvectors only if asked (the eigenvalues alone cost a fraction). */
    public static SymmetricEigen of(double[][] a, boolean vectors) {
        int n = a.length;
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m[i * n + j] = 0.5 * (a[i][j] + a[j][i]);
            }
        }
        return ofRowMajor(m, n, vectors);
    }

    /** Decomposes a symmetric n×n matrix given row by row (the array is not modified); no vectors unless asked. */
    public static SymmetricEigen ofRowMajor(double[] a, int n, boolean vectors) {
        for (double v : a) {
            if (!Double.isFinite(v)) {
                throw new ArithmeticException("symmetric eigen-decomposition of a " + n + "x" + n
                        + " matrix with a non-finite entry (" + v + ")");
            }
        }
        if (NativeEigen.available()) {
            return NativeEigen.decompose(a, n, vectors);
        }
        return withEjml(a, n, vectors);
    }

    /** The same decomposition always through EJML (the fallback, and the cross-check in tests). */
    static SymmetricEigen withEjml(double[] a, int n, boolean vectors) {
        return decompose(new DMatrixRMaj(n, n, true, a), n, vectors);
    }

    /** Whether decompositions run on the native LAPACK ({@code dsyevd}) rather than EJML. */
    public static boolean isNative() {
        return NativeEigen.available();
    }

    /** The same decomposition with the eigenvalues (and vectors) in descending order. */
    public SymmetricEigen descending() {
        int n = values.length;
        double[] v = new double[n];
        double[][] w = vectors == null ? null : new double[n][];
        for (int i = 0; i < n; i++) {
            v[i] = values[n - 1 - i];
            if (w != null) {
                w[i] = vectors[n - 1 - i];
            }
        }
        return new SymmetricEigen(v, w);
    }

    private static SymmetricEigen decompose(DMatrixRMaj m, int n, boolean wantVectors) {
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, wantVectors, true);
        if (!eig.decompose(m)) {
            throw new ArithmeticException("symmetric eigen-decomposition failed for a " + n + "x" + n + " matrix");
        }
        Integer[] order = new Integer[n];
        double[] raw = new double[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            raw[i] = eig.getEigenvalue(i).getReal();
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> raw[i]));
        double[] values = new double[n];
        double[][] vectors = wantVectors ? new double[n][] : null;
        for (int r = 0; r < n; r++) {
            values[r] = raw[order[r]];
            if (wantVectors) {
                vectors[r] = Arrays.copyOf(eig.getEigenVector(order[r]).getData(), n);
            }
        }
        return new SymmetricEigen(values, vectors);
    }
}
