package io.nclab.nd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NativeGramTest {

    @AfterEach
    void restore() {
        NativeGram.openBlas = true;
    }

    /** The routes to test: MKL always, OpenBLAS where the system has it. */
    private static List<Boolean> routes() {
        List<Boolean> r = new ArrayList<>(List.of(false));
        if (OpenBlas.available()) {
            r.add(true);
        }
        return r;
    }

    @Test
    void theCpuNativesCarryWhatItNeeds() {
        assertTrue(NativeGram.available(), "no dgemm and dsyevd in libtorch_cpu.so");
    }

    /**
     * Sizes below, at and above both grid splits of the MKL route, the vectors given in two blocks each way (inner
     * products of blocks of coordinates, and outer products of blocks of vectors): trace and eigenvalues agree with
     * the plain Gram matrix decomposed by EJML.
     */
    @Test
    void innerAndOuterUpdatesGiveTheGramMatrixsSpectrum() {
        Random rnd = new Random(3);
        for (boolean openBlas : routes()) {
            NativeGram.openBlas = openBlas;
            for (int size : new int[] {1, 7, 199, 200, 401}) {
                int length = 37;
                double[] v = new double[size * length]; // v[i * length + t]: coordinate t of vector i
                for (int i = 0; i < v.length; i++) {
                    v[i] = Math.max(0, rnd.nextGaussian() + 0.3);
                }
                double[] plain = new double[size * size];
                double trace = 0;
                for (int i = 0; i < size; i++) {
                    for (int j = 0; j < size; j++) {
                        double s = 0;
                        for (int t = 0; t < length; t++) {
                            s += v[i * length + t] * v[j * length + t];
                        }
                        plain[i * size + j] = s;
                    }
                    trace += plain[i * size + i];
                }
                double[] ref = SymmetricEigen.withEjml(plain, size, false).descending().values();
                int cut = 15;
                // inner: B = coordinates × vectors (column-major, each vector's coordinates contiguous), two blocks of
                // coordinates
                try (NativeGram g = new NativeGram(size, 1)) {
                    assertEquals(openBlas, g.gramViaOpenBlas());
                    assertEquals(openBlas, g.eigenViaOpenBlas());
                    for (int[] part : new int[][] {{0, cut}, {cut, length}}) {
                        int w = part[1] - part[0];
                        try (Memory b = new Memory((long) w * size * Double.BYTES)) {
                            for (int i = 0; i < size; i++) {
                                b.write((long) i * w * Double.BYTES, v, i * length + part[0], w);
                            }
                            g.addInner(b, w);
                        }
                    }
                    check(ref, trace, g, size + " inner, openBlas " + openBlas);
                }
                // outer: the same Gram as the sum of outer products of the length-size vectors u_t = (v[i][t])_i,
                // in two blocks of them, on two threads (MKL's dgemm)
                try (NativeGram g = new NativeGram(size, 2)) {
                    assertEquals(false, g.gramViaOpenBlas());
                    for (int[] part : new int[][] {{0, cut}, {cut, length}}) {
                        int count = part[1] - part[0];
                        double[] block = new double[size * count];
                        for (int t = 0; t < count; t++) {
                            for (int i = 0; i < size; i++) {
                                block[t * size + i] = v[i * length + part[0] + t];
                            }
                        }
                        try (Memory b = new Memory((long) block.length * Double.BYTES)) {
                            b.write(0, block, 0, block.length);
                            g.addOuter(b, count);
                        }
                    }
                    check(ref, trace, g, size + " outer, openBlas " + openBlas);
                }
            }
        }
    }

    private static void check(double[] ref, double trace, NativeGram g, String what) {
        assertEquals(trace, java.util.Arrays.stream(g.diagonal()).sum(), 1e-12 * trace, what + ": trace");
        double[] values = g.eigenvaluesDescending();
        assertEquals(ref.length, values.length);
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], values[i], 1e-12 * ref[0], what + ": eigenvalue " + i);
        }
    }

    @Test
    void nonFiniteEntriesAreRefused() {
        for (boolean openBlas : routes()) {
            NativeGram.openBlas = openBlas;
            try (NativeGram g = new NativeGram(3, 1); Memory b = new Memory(3 * Double.BYTES)) {
                b.write(0, new double[] {1, Double.NaN, 2}, 0, 3);
                g.addOuter(b, 1);
                assertThrows(ArithmeticException.class, g::eigenvaluesDescending);
            }
        }
    }
}
