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

    /**
     * Threads calling at once, each with its own shapes, scalars and leading dimensions: the scalars passed by
     * reference live in memory of the calling thread's own, so no call sees another's.
     */
    @Test
    void gemmOnSeveralThreadsAtOnceGivesEachItsOwnProduct() throws Exception {
        int threads = 4;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<Double>> errors = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                errors.add(pool.submit(() -> {
                    int m = 3 + id;
                    int k = 11 - id;
                    int n = 2 + 2 * id;
                    double alpha = 0.5 + id;
                    double worst = 0;
                    for (int round = 0; round < 300; round++) {
                        double[] a = random(m * k, 100 * id + round);
                        double[] b = random(k * n, 7 + 100 * id + round);
                        try (com.sun.jna.Memory ma = new com.sun.jna.Memory((long) m * k * Double.BYTES);
                                com.sun.jna.Memory mb = new com.sun.jna.Memory((long) k * n * Double.BYTES);
                                com.sun.jna.Memory mc = new com.sun.jna.Memory((long) m * n * Double.BYTES)) {
                            ma.write(0, a, 0, a.length); // column-major m×k, leading dimension m
                            mb.write(0, b, 0, b.length); // column-major k×n, leading dimension k
                            NativeBlas.onOneThread(() -> {
                                NativeBlas.gemm(false, false, m, n, k, alpha, ma, m, mb, k, 0, mc, m);
                                return null;
                            });
                            for (int i = 0; i < m; i++) {
                                for (int j = 0; j < n; j++) {
                                    double dot = 0;
                                    for (int l = 0; l < k; l++) {
                                        dot += a[l * m + i] * b[j * k + l];
                                    }
                                    worst = Math.max(worst, Math.abs(alpha * dot - mc.getDouble(
                                            (long) (j * m + i) * Double.BYTES)));
                                }
                            }
                        }
                    }
                    return worst;
                }));
            }
            for (java.util.concurrent.Future<Double> e : errors) {
                assertTrue(e.get() < 1e-12, "largest error " + e.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theLibraryIsFoundInTheMemoryMapByItsWholeName() {
        String maps = "7f00-7f01 r-xp 00000000 08:01 12 /opt/a/libtorch_cpu.so.1\n"
                + "7f02-7f03 r--p 00000000 08:01 13 /opt/libtorch_cpu.so/other.so\n"
                + "7f04-7f05 rw-p 00000000 00:00 0 [heap]\n"
                + "7f06-7f07 r-xp 00000000 08:01 14 /root/.djl.ai/pytorch/2.7.1/libtorch_cpu.so\n"
                + "7f08-7f09 r--p 00010000 08:01 14 /root/.djl.ai/pytorch/2.7.1/libtorch_cpu.so";
        assertEquals("/root/.djl.ai/pytorch/2.7.1/libtorch_cpu.so", NativeLib.mappedPath(maps, "/libtorch_cpu.so"));
        assertEquals("/x/libtorch_cpu.so", NativeLib.mappedPath("1-2 r-xp 0 0:0 1 /x/libtorch_cpu.so", "/libtorch_cpu.so"));
        assertEquals(null, NativeLib.mappedPath("1-2 r-xp 0 0:0 1 /x/libtorch_cpu.so.1\n", "/libtorch_cpu.so"));
        assertEquals(null, NativeLib.mappedPath("", "/libtorch_cpu.so"));
        // the library this process has loaded
        assertTrue(NativeLib.library() != null);
    }
}
