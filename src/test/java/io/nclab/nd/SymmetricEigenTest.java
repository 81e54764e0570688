package io.nclab.nd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

public class SymmetricEigenTest {

    /** An n × n symmetric matrix (row-major) of standard normal entries, the lower triangle drawn row by row. */
    public static double[] randomSymmetric(int n, Random rng) {
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = rng.nextGaussian();
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        return a;
    }

    @Test
    void theCpuNativesCarryLapack() {
        // The CPU libtorch exports MKL's dsyevd; a silent fall-back to EJML would cost 10× on large Grams.
        assertTrue(SymmetricEigen.isNative(), "dsyevd not found in libtorch_cpu.so");
    }

    @Test
    void nativeAgreesWithEjmlOnValuesAndVectors() {
        Random rng = new Random(7);
        for (int n : new int[] {1, 2, 5, 40, 257}) {
            double[] a = randomSymmetric(n, rng);
            double[] copy = a.clone();
            SymmetricEigen fast = SymmetricEigen.ofRowMajor(a, n, true);
            SymmetricEigen ref = SymmetricEigen.withEjml(a, n, true);
            assertArrayEquals(copy, a, 0.0, "input modified");
            double scale = Math.max(Math.abs(ref.values()[0]), Math.abs(ref.values()[n - 1]));
            for (int i = 0; i < n; i++) {
                assertEquals(ref.values()[i], fast.values()[i], 1e-12 * scale, "n=" + n + " value " + i);
                if (i > 0) {
                    assertTrue(fast.values()[i] >= fast.values()[i - 1], "ascending");
                }
                // A v = λ v and unit norm, for the native vectors.
                double[] v = fast.vectors()[i];
                double norm = 0;
                double res = 0;
                for (int r = 0; r < n; r++) {
                    double av = 0;
                    for (int c = 0; c < n; c++) {
                        av += a[r * n + c] * v[c];
                    }
                    res = Math.max(res, Math.abs(av - fast.values()[i] * v[r]));
                    norm += v[r] * v[r];
                }
                assertEquals(1.0, norm, 1e-12);
                assertTrue(res < 1e-11 * Math.max(1, scale), "n=" + n + " residual " + res);
            }
        }
    }

    @Test
    void valuesOnlyOfALargeGramMatchTheTrace() {
        Random rng = new Random(3);
        int n = 600;
        int r = 40;
        double[] x = new double[n * r];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextGaussian();
        }
        double[] g = new double[n * n];
        double trace = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < r; k++) {
                    s += x[i * r + k] * x[j * r + k];
                }
                g[i * n + j] = s;
            }
            trace += g[i * n + i];
        }
        double[] values = SymmetricEigen.ofRowMajor(g, n, false).values();
        double sum = 0;
        int positive = 0;
        for (double v : values) {
            sum += v;
            positive += v > 1e-9 * values[n - 1] ? 1 : 0;
        }
        assertEquals(trace, sum, 1e-10 * trace);
        assertEquals(r, positive, "rank of a Gram of " + r + " columns");
    }

    @Test
    void nonFiniteInputFailsClearly() {
        double[] a = {1, Double.NaN, Double.NaN, 1};
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> SymmetricEigen.ofRowMajor(a, 2, false));
        assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
    }
}
