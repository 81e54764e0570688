package io.nclab.nd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NativeBlasTest {

    private static double[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextDouble(-3, 3);
        }
        return a;
    }

    @Test
    void theNativeRoutinesAreFoundInThePyTorchNatives() {
        // the launcher's platform (linux-x86_64 with libtorch's MKL): the fused path must be the one taken
        assertTrue(NativeBlas.available());
    }

    @Test
    void axpyAddsAMultipleInPlaceInFloat64() {
        double[] x = random(1003, 1);
        double[] y = random(1003, 2);
        double c = -0.37;
        try (NDManager m = Nd.newManager()) {
            NDArray ax = m.create(x, new Shape(17, 59));
            NDArray ay = m.create(y, new Shape(17, 59));
            assertTrue(NativeBlas.axpy(c, ax, ay));
            double[] got = ay.toDoubleArray();
            for (int i = 0; i < x.length; i++) {
                // one rounding (fused multiply-add) or two: within an ulp or two of the exact value
                assertEquals(y[i] + c * x[i], got[i], 4 * Math.ulp(Math.abs(y[i]) + Math.abs(c * x[i])));
            }
            assertArrayEquals(x, ax.toDoubleArray(), 0.0, "x is left alone");
        }
    }

    @Test
    void axpyAndCopyWorkInFloat32() {
        double[] x = random(300, 3);
        double[] y = random(300, 4);
        try (NDManager m = Nd.newManager()) {
            NDArray ax = m.create(x).toType(DataType.FLOAT32, false);
            NDArray ay = m.create(y).toType(DataType.FLOAT32, false);
            assertTrue(NativeBlas.axpy(2.5, ax, ay));
            float[] got = ay.toFloatArray();
            for (int i = 0; i < x.length; i++) {
                assertEquals((float) y[i] + 2.5f * (float) x[i], got[i], 1e-5);
            }
            assertTrue(NativeBlas.copy(ax, ay));
            assertArrayEquals(ax.toFloatArray(), ay.toFloatArray());
        }
    }

    @Test
    void copyOverwritesEvenNonFiniteValues() {
        try (NDManager m = Nd.newManager()) {
            NDArray x = m.create(new double[] {1, 2, 3});
            NDArray y = m.create(new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0});
            Nd.copyInto(x, y);
            assertArrayEquals(new double[] {1, 2, 3}, y.toDoubleArray());
            // the fallback (a strided view: no native copy) replaces non-finite values too
            NDArray base = m.create(new double[] {Double.NaN, 1, Double.NEGATIVE_INFINITY, 2}, new Shape(2, 2));
            NDArray view = base.transpose();
            assertFalse(NativeBlas.copy(m.create(new double[] {5, 6, 7, 8}, new Shape(2, 2)), view));
            Nd.copyInto(m.create(new double[] {5, 6, 7, 8}, new Shape(2, 2)), view);
            assertArrayEquals(new double[] {5, 7, 6, 8}, base.toDoubleArray());
        }
    }

    @Test
    void aNonContiguousArrayIsLeftToTheFallbackWhichGivesTheSameValues() {
        double[] x = random(12, 5);
        double[] y = random(12, 6);
        try (NDManager m = Nd.newManager()) {
            NDArray base = m.create(y, new Shape(3, 4));
            NDArray view = base.transpose(); // 4 x 3, strided: its direct "view" would be a copy
            NDArray ax = m.create(x, new Shape(4, 3));
            assertFalse(NativeBlas.axpy(1.5, ax, view));
            assertFalse(NativeBlas.copy(ax, view));
            Nd.addScaled(view, 1.5, ax);
            double[][] t = Nd.toMatrix(base);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 3; j++) {
                    assertEquals(y[j * 4 + i] + 1.5 * x[i * 3 + j], t[j][i], 1e-14, "the strided target was updated");
                }
            }
        }
    }

    @Test
    void mismatchedTypesOrSizesAreRefused() {
        try (NDManager m = Nd.newManager()) {
            NDArray d = m.create(new double[] {1, 2, 3});
            NDArray f = m.create(new float[] {1, 2, 3});
            NDArray longer = m.create(new double[] {1, 2, 3, 4});
            NDArray ints = m.create(new int[] {1, 2, 3});
            assertFalse(NativeBlas.axpy(1, d, f));
            assertFalse(NativeBlas.axpy(1, d, longer));
            assertFalse(NativeBlas.copy(ints, ints.duplicate()));
            assertArrayEquals(new float[] {1, 2, 3}, f.toFloatArray());
        }
    }

    @Test
    void gemmWritesTheProductIntoCInPlaceForEveryTransposeCase() {
        int m = 7;
        int k = 5;
        int n = 9;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                double[] a = random(m * k, 11);
                double[] b = random(k * n, 12);
                double[] c = random(m * n, 13);
                try (NDManager mgr = Nd.newManager()) {
                    NDArray na = mgr.create(a, ta ? new Shape(k, m) : new Shape(m, k));
                    NDArray nb = mgr.create(b, tb ? new Shape(n, k) : new Shape(k, n));
                    NDArray nc = mgr.create(c, new Shape(m, n));
                    assertTrue(NativeBlas.gemm(-0.7, na, ta, nb, tb, 0.3, nc));
                    double[] got = nc.toDoubleArray();
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double dot = 0;
                            for (int l = 0; l < k; l++) {
                                double ail = ta ? a[l * m + i] : a[i * k + l];
                                double blj = tb ? b[j * k + l] : b[l * n + j];
                                dot += ail * blj;
                            }
                            assertEquals(0.3 * c[i * n + j] - 0.7 * dot, got[i * n + j], 1e-13,
                                    "transA " + ta + ", transB " + tb + " at " + i + "," + j);
                        }
                    }
                }
            }
        }
    }

    @Test
    void gemmRefusesShapesThatDoNotMatchAndLeavesCAlone() {
        try (NDManager m = Nd.newManager()) {
            NDArray a = m.create(random(6, 1), new Shape(2, 3));
            NDArray b = m.create(random(6, 2), new Shape(2, 3));
            NDArray c = m.create(new double[] {1, 2, 3, 4}, new Shape(2, 2));
            assertFalse(NativeBlas.gemm(1, a, false, b, false, 0, c)); // 2x3 by 2x3
            assertTrue(NativeBlas.gemm(1, a, false, b, true, 0, c)); // 2x3 by 3x2
            NDArray wrong = m.create(new double[] {1, 2, 3, 4, 5, 6}, new Shape(3, 2));
            assertFalse(NativeBlas.gemm(1, a, false, b, true, 0, wrong));
            assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, wrong.toDoubleArray());
        }
    }
}
