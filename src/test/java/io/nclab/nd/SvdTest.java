package io.nclab.nd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SvdTest {

    @Test
    void theCpuNativesCarryDgesdd() {
        assertTrue(Svd.isNative(), "dgesdd not found in libtorch_cpu.so");
    }

    /**
     * Wide, tall, square and rank-deficient matrices: the native values and vectors satisfy Aᵀu = σv with ‖v‖ = 1
     * (so A Aᵀ u = σ² u), agree with EJML's values, and come out descending; the input is left alone.
     */
    @Test
    void nativeAgreesWithEjmlAndDecomposes() {
        Random rng = new Random(3);
        int[][] shapes = {{1, 1}, {4, 30}, {30, 4}, {7, 7}, {10, 2048}, {5, 3}};
        for (int[] shape : shapes) {
            int rows = shape[0];
            int cols = shape[1];
            double[] a = new double[rows * cols];
            for (int i = 0; i < a.length; i++) {
                a[i] = rng.nextGaussian();
            }
            if (rows == 7) { // rank 5: the last two rows repeat combinations of the others
                for (int c = 0; c < cols; c++) {
                    a[5 * cols + c] = a[c] - a[cols + c];
                    a[6 * cols + c] = 2 * a[2 * cols + c];
                }
            }
            double[] copy = a.clone();
            Svd fast = Svd.ofRowMajor(a, rows, cols);
            Svd ref = Svd.withEjml(a, rows, cols, true);
            assertArrayEquals(copy, a, 0.0, "input modified");
            int m = Math.min(rows, cols);
            assertEquals(m, fast.values().length);
            double scale = ref.values()[0];
            for (int j = 0; j < m; j++) {
                String what = rows + "x" + cols + " value " + j;
                assertEquals(ref.values()[j], fast.values()[j], 1e-12 * scale, what);
                if (j > 0) {
                    assertTrue(fast.values()[j] <= fast.values()[j - 1], "descending");
                }
                double[] u = fast.left()[j];
                double norm = 0;
                for (double x : u) {
                    norm += x * x;
                }
                assertEquals(1.0, norm, 1e-12, what + " |u|");
                if (fast.values()[j] > 1e-10 * scale) {
                    // v = Aᵀu / σ must be a unit vector: u is a left singular vector of σ
                    double vv = 0;
                    for (int c = 0; c < cols; c++) {
                        double s = 0;
                        for (int r = 0; r < rows; r++) {
                            s += a[r * cols + c] * u[r];
                        }
                        vv += s * s;
                    }
                    assertEquals(fast.values()[j], Math.sqrt(vv), 1e-12 * scale, what + " |Aᵀu|");
                    // and A Aᵀ u = σ² u: u is the singular vector, not just a vector of the right length
                    double[] atu = new double[cols];
                    for (int c = 0; c < cols; c++) {
                        for (int r = 0; r < rows; r++) {
                            atu[c] += a[r * cols + c] * u[r];
                        }
                    }
                    for (int r = 0; r < rows; r++) {
                        double aatu = 0;
                        for (int c = 0; c < cols; c++) {
                            aatu += a[r * cols + c] * atu[c];
                        }
                        double s2 = fast.values()[j] * fast.values()[j];
                        assertEquals(s2 * u[r], aatu, 1e-11 * scale * scale, what + " A Aᵀu, entry " + r);
                    }
                } else {
                    assertTrue(rows == 7 && j >= 5, what + " is zero only where the rank says so");
                }
            }
        }
    }

    /** A singular value 1e-7 of the largest keeps about ε/1e-7 relative accuracy (the Gram's eigenvalue would not). */
    @Test
    void smallSingularValuesKeepTheirDigits() {
        double e = 1e-7;
        double[] a = {3, 3, -3, -3, 3, -3, 3, -3, e, -e, -e, e}; // 3 × 4, orthogonal rows of norms 6, 6, 2e
        Svd s = Svd.ofRowMajor(a, 3, 4);
        assertEquals(6, s.values()[0], 1e-14);
        assertEquals(6, s.values()[1], 1e-14);
        assertEquals(2 * e, s.values()[2], 1e-8 * 2 * e);
        assertEquals(1.0, Math.abs(s.left()[2][2]), 1e-8);
    }

    /** The values alone (dgesdd without vectors, and EJML's) are the full decomposition's values. */
    @Test
    void valuesAloneAreTheDecompositionsValues() {
        Random rng = new Random(5);
        int[][] shapes = {{1, 1}, {4, 30}, {30, 4}, {7, 7}, {1, 9}, {9, 1}};
        for (int[] shape : shapes) {
            double[] a = new double[shape[0] * shape[1]];
            for (int i = 0; i < a.length; i++) {
                a[i] = rng.nextGaussian();
            }
            double[] copy = a.clone();
            double[] full = Svd.ofRowMajor(a, shape[0], shape[1]).values();
            double[] alone = Svd.valuesOfRowMajor(a, shape[0], shape[1]);
            double[] ejml = Svd.withEjml(a, shape[0], shape[1], false).values();
            assertArrayEquals(copy, a, 0.0, "input modified");
            assertArrayEquals(full, alone, 1e-13 * full[0], shape[0] + "x" + shape[1]);
            assertArrayEquals(full, ejml, 1e-13 * full[0], shape[0] + "x" + shape[1] + " (EJML)");
        }
        assertEquals(0, Svd.valuesOfRowMajor(new double[0], 0, 5).length);
    }

    @Test
    void nonFiniteEntriesAreRefused() {
        assertThrows(ArithmeticException.class, () -> Svd.ofRowMajor(new double[] {1, Double.NaN}, 1, 2));
    }
}
