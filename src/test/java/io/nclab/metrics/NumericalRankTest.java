package io.nclab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nclab.nd.Nd;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NumericalRankTest {

    private static final MathContext MC = new MathContext(80);

    /**
     * Features with a large common offset (the audit's case: K = 4, d = 6, n = 10, class means ~N(0, 1), noise 0.1,
     * everything plus the offset, float64): the Gram route squares σ_max/σ_min (1e10 at an offset of 1e6) and read
     * numerical_rank − 1 = 1.09e-7 where it is 3.43e-7. Against an 80-digit reference (the exact Gram matrices of the
     * float64 features, diagonalised by Jacobi rotations in BigDecimal): numerical_rank and numerical_rank − 1 to
     * what the Gram route must resolve to keep its value ({@link NumericalRank#RESOLVED}), and at offsets of 1e6
     * and more, where only the route from the features (one SVD) resolves it, numerical_rank − 1 to ε·σ_1/σ_i.
     */
    @Test
    void largeOffsetsKeepNumericalRankMinusOne() {
        int k = 4;
        int d = 6;
        int n = 10;
        for (double offset : new double[] {1e3, 1e4, 1e5, 1e6, 1e7, 1e8}) {
            Random rnd = new Random(7);
            double[][] means = new double[k][d];
            for (double[] m : means) {
                for (int j = 0; j < d; j++) {
                    m[j] = rnd.nextGaussian();
                }
            }
            double[] h = new double[k * n * d];
            int[] y = new int[k * n];
            for (int i = 0; i < k * n; i++) {
                y[i] = i % k;
                for (int j = 0; j < d; j++) {
                    h[i * d + j] = means[y[i]][j] + 0.1 * rnd.nextGaussian() + offset;
                }
            }
            BigDecimal reference = BigDecimal.ZERO;
            for (int c = 0; c < k; c++) {
                reference = reference.add(exactExcess(h, y, c, d), MC);
            }
            double expected = reference.divide(BigDecimal.valueOf(k), MC).doubleValue();
            double excess;
            double rank;
            try (NDManager m = Nd.newManager()) {
                NDArray features = m.create(h, new Shape(k * n, d));
                excess = NumericalRank.excess(features, y, k);
                rank = NumericalRank.measure(features, y, k);
            }
            assertTrue(expected > 0, "offset " + offset);
            assertEquals(expected, excess, NumericalRank.RESOLVED_EXCESS * expected, "offset " + offset
                    + ": numerical_rank - 1");
            assertEquals(1 + expected, rank, NumericalRank.RESOLVED * rank + 2 * Math.ulp(1.0), "offset " + offset
                    + ": numerical_rank");
            if (offset >= 1e6) {
                // the audit's case and beyond: the route from the features, one SVD, to about ε·σ_1/σ_i of the excess
                // (1e-9 at an offset of 1e6, growing with it; the Gram route was off by a factor of 3 there)
                double tolerance = 1e-9 * offset / 1e6;
                assertEquals(expected, excess, tolerance * expected, "offset " + offset + ": numerical_rank - 1");
            }
        }
    }

    /**
     * A class that is one direction exactly (every sample a multiple of one vector, far from the origin) reads
     * exactly 1, and all-zero features 0, on the route from the features too.
     */
    @Test
    void exactRouteKeepsTheEdgeCases() {
        double[] v = {1e6 + 0.5, 1e6 - 0.25, 1e6, 1e6 + 1};
        double[] x = new double[5 * 4];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 4; j++) {
                x[i * 4 + j] = (i + 1) * v[j];
            }
        }
        assertEquals(0, NumericalRank.exactExcess(x, 5, 4), 1e-15);
        assertEquals(-1, NumericalRank.exactExcess(new double[12], 3, 4));
        assertEquals(0, NumericalRank.exactExcess(new double[] {3, -4, 1e8}, 1, 3));
        assertEquals(0, NumericalRank.exactExcess(new double[] {3, -4, 1e8}, 3, 1), 1e-16);
        // two orthogonal directions of equal weight: ‖H‖_*²/‖H‖_F² = 2, no direction dominating
        assertEquals(1, NumericalRank.exactExcess(new double[] {5, 0, 0, 5}, 2, 2), 1e-15);
    }

    /**
     * Ordinary features keep the Gram route: random ReLU features (like the benchmark's) resolve their ratio
     * to far better than {@link NumericalRank#RESOLVED}.
     */
    @Test
    void reluFeaturesKeepTheGramRoute() {
        Random rnd = new Random(3);
        int n = 300;
        int d = 512;
        double[] x = new double[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.max(0, rnd.nextGaussian());
        }
        double fast = NumericalRank.resolvedExcess(gram(x, n, d, false), n, d);
        assertFalse(Double.isNaN(fast), "random ReLU features took the slow path");
        assertEquals(NumericalRank.exactExcess(x.clone(), n, d), fast, 1e-12 * fast);
    }

    /**
     * Features on their way to collapse keep the Gram route too (the probes of a training run pay for the other at
     * every epoch): a class whose mean is 10× its within-class spread per unit, 500 samples in d = 1024.
     */
    @Test
    void featuresNearCollapseKeepTheGramRoute() {
        Random rnd = new Random(5);
        int n = 500;
        int d = 1024;
        double[] mean = new double[d];
        for (int j = 0; j < d; j++) {
            mean[j] = 10 * rnd.nextGaussian();
        }
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = mean[j] + rnd.nextGaussian();
            }
        }
        double fast = NumericalRank.resolvedExcess(gram(x, n, d, false), n, d);
        assertFalse(Double.isNaN(fast), "features near collapse took the slow path");
        assertEquals(NumericalRank.exactExcess(x.clone(), n, d), fast, NumericalRank.RESOLVED * (1 + fast));
    }

    /**
     * A class with more samples than units, a tenth of them dead (zero on every sample: exact zero eigenvalues of
     * the d-side Gram, which the error estimate charges in full), keeps the Gram route too: it sent every class of
     * a trained MLP to the route from the features, ten times slower, at every training probe.
     */
    @Test
    void deadUnitsKeepTheGramRoute() {
        Random rnd = new Random(11);
        int n = 1200;
        int d = 256;
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = j % 10 == 0 ? 0 : Math.max(0, 3 + rnd.nextGaussian());
            }
        }
        double fast = NumericalRank.resolvedExcess(gram(x, n, d, true), d, n);
        assertFalse(Double.isNaN(fast), "dead units took the slow path");
        assertEquals(NumericalRank.exactExcess(x.clone(), n, d), fast, 1e-7 * (1 + fast));
    }

    /**
     * Features close to a few directions with a small but real spread around them (the audit's case: rank-5 class
     * signals plus noise 3e-5, float64, d = 512): the Gram route dropped the small singular values as round-off and
     * read numerical_rank about 5e-5 low while estimating its error within bounds. The corrected estimate sends
     * these classes to one SVD of their features, which agrees with the reference to 1e-9.
     */
    @Test
    void smallRealSingularValuesAreNotDropped() {
        Random rnd = new Random(50);
        int k = 3;
        int n = 500;
        int d = 512;
        double[][] basis = new double[5][d];
        for (double[] b : basis) {
            for (int j = 0; j < d; j++) {
                b[j] = rnd.nextGaussian();
            }
        }
        double[] h = new double[k * n * d];
        int[] y = new int[k * n];
        double[] exact = new double[k];
        for (int c = 0; c < k; c++) {
            double[] mean = new double[5];
            for (int a = 0; a < 5; a++) {
                mean[a] = 3 * rnd.nextGaussian();
            }
            double[] rows = new double[n * d];
            for (int i = 0; i < n; i++) {
                double[] coefficients = new double[5];
                for (int a = 0; a < 5; a++) {
                    coefficients[a] = mean[a] + rnd.nextGaussian();
                }
                for (int j = 0; j < d; j++) {
                    double v = 3e-5 * rnd.nextGaussian();
                    for (int a = 0; a < 5; a++) {
                        v += coefficients[a] * basis[a][j];
                    }
                    rows[i * d + j] = v;
                }
            }
            System.arraycopy(rows, 0, h, c * n * d, n * d);
            java.util.Arrays.fill(y, c * n, (c + 1) * n, c);
            exact[c] = 1 + NumericalRank.exactExcess(rows.clone(), n, d);
        }
        double expected = (exact[0] + exact[1] + exact[2]) / k;
        for (boolean host : new boolean[] {true, false}) {
            NumericalRank.hostRoute = host;
            try (NDManager m = Nd.newManager()) {
                assertEquals(expected, NumericalRank.measure(m.create(h, new Shape(k * n, d)), y, k), 1e-9 * expected,
                        host ? "host route" : "NDArray route");
            } finally {
                NumericalRank.hostRoute = true;
            }
        }
    }

    /**
     * Units dead for a whole class (ReLU features), more of them than the class has samples less d: the samples' Gram
     * has exact zero eigenvalues, which the error estimate must not charge (it sent such classes to the route from
     * the features, ten times slower, at every probe). Both routes count the live units and keep the Gram.
     */
    @Test
    void classesWithMoreDeadUnitsThanRoomKeepTheGramRoute() {
        Random rnd = new Random(13);
        int k = 2;
        int n = 400;
        int d = 512; // 432 dead, 80 alive: rank at most 80 < n
        double[] h = new double[k * n * d];
        int[] y = new int[k * n];
        for (int i = 0; i < k * n; i++) {
            y[i] = i / n;
            for (int j = 432; j < d; j++) {
                h[i * d + j] = (float) Math.max(0, 0.1 * rnd.nextGaussian() + (j % k == y[i] ? 2 : 0));
            }
        }
        double expected = 0;
        for (int c = 0; c < k; c++) {
            expected += (1 + NumericalRank.exactExcess(java.util.Arrays.copyOfRange(h, c * n * d, (c + 1) * n * d), n,
                    d)) / k;
        }
        for (boolean host : new boolean[] {true, false}) {
            long before = NumericalRank.EXACT_CLASSES.get();
            NumericalRank.hostRoute = host;
            try (NDManager m = Nd.newManager()) {
                double rank = NumericalRank.measure(m.create(h, new Shape(k * n, d)).toType(
                        ai.djl.ndarray.types.DataType.FLOAT32, false), y, k);
                assertEquals(expected, rank, 1e-9 * expected);
            } finally {
                NumericalRank.hostRoute = true;
            }
            assertEquals(before, NumericalRank.EXACT_CLASSES.get(), (host ? "host" : "NDArray")
                    + " route: a class took the route from the features");
        }
    }

    /**
     * The host route (CPU features read in place, Gram matrices built and decomposed in native memory on the
     * workers) gives what the route through NDArray products gives, to rounding: float32 and float64 features, classes
     * with fewer samples than units and with more, the vectors handed over in many blocks each way, the features
     * read in many blocks of rows, and a strided (transposed) view.
     */
    @Test
    void hostRouteAgreesWithTheArrayRoute() {
        int savedBlock = NumericalRank.hostBlockElements;
        long savedRows = HostRows.blockElements;
        try (NDManager m = Nd.newManager()) {
            Random rnd = new Random(13);
            int d = 40;
            int k = 3;
            int[] y = new int[150]; // classes of 30 (< d), 50 and 70 (> d) samples
            for (int i = 0; i < y.length; i++) {
                y[i] = i < 30 ? 0 : i < 80 ? 1 : 2;
            }
            double[] h = new double[y.length * d];
            for (int i = 0; i < h.length; i++) {
                h[i] = Math.max(0, rnd.nextGaussian() + 0.5);
            }
            NDArray f64 = m.create(h, new Shape(y.length, d));
            NDArray f32 = f64.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
            NDArray strided = f64.transpose().duplicate().transpose(); // a d×N array's transposed view
            NumericalRank.hostRoute = false;
            double array64 = NumericalRank.excess(f64, y, k);
            double array32 = NumericalRank.excess(f32, y, k);
            NumericalRank.hostRoute = true;
            for (int[] blocks : new int[][] {{1 << 20, 1 << 27}, {7 * d, 11 * d}}) {
                NumericalRank.hostBlockElements = blocks[0];
                HostRows.blockElements = blocks[1];
                String what = "blocks " + blocks[0] + ", " + blocks[1];
                assertEquals(array64, NumericalRank.excess(f64, y, k), 1e-12 * array64, what);
                assertEquals(array32, NumericalRank.excess(f32, y, k), 1e-12 * array32, what);
                assertEquals(array64, NumericalRank.excess(strided, y, k), 1e-12 * array64, what + ", strided");
            }
        } finally {
            NumericalRank.hostRoute = true;
            NumericalRank.hostBlockElements = savedBlock;
            HostRows.blockElements = savedRows;
        }
    }

    /**
     * A class whose smaller Gram matrix would not fit an array is refused in one line before anything is read (a
     * broadcast view stands in for the 8.6 GB of features).
     */
    @Test
    void aGramMatrixTooLargeIsRefused() {
        int side = NumericalRank.MAX_GRAM + 1;
        try (NDManager m = Nd.newManager()) {
            NDArray features = m.zeros(new Shape(1, side)).broadcast(new Shape(2L * side, side));
            int[] y = new int[2 * side];
            for (int i = side; i < y.length; i++) {
                y[i] = 1;
            }
            io.nclab.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                    () -> NumericalRank.measure(features, y, 2));
            assertTrue(e.getMessage().contains("class 0 has " + side + " samples of dimension " + side),
                    e.getMessage());
        }
    }

    /**
     * A numerical rank closed before its result is asked for (the other metrics failed) ends every job before
     * close returns, classes cut short between blocks, and leaves the features as they were.
     */
    @Test
    void closingBeforeTheResultEndsEveryJob() {
        int savedBlock = NumericalRank.hostBlockElements;
        try (NDManager m = Nd.newManager()) {
            NumericalRank.hostBlockElements = 64; // many blocks per class, so there is something to cut short
            NDArray features = m.randomNormal(new Shape(2000, 300)).maximum(0f);
            int[] y = new int[2000];
            for (int i = 0; i < y.length; i++) {
                y[i] = i % 4;
            }
            double before = features.sum().getFloat();
            NumericalRank.Pending rank = NumericalRank.start(features, y, 4);
            rank.close();
            assertTrue(rank.ended(), "a job still runs after close");
            assertEquals(before, features.sum().getFloat(), 0.0);
            NumericalRank.hostBlockElements = savedBlock;
            assertTrue(NumericalRank.measure(features, y, 4) > 1);
        } finally {
            NumericalRank.hostBlockElements = savedBlock;
        }
    }

    /** Non-finite features stop the host route with the one-line error of the other. */
    @Test
    void hostRouteRefusesNonFiniteFeatures() {
        try (NDManager m = Nd.newManager()) {
            double[] h = new double[20 * 4];
            java.util.Arrays.fill(h, 1);
            h[13] = Double.POSITIVE_INFINITY;
            int[] y = new int[20];
            for (int i = 0; i < y.length; i++) {
                y[i] = i % 2;
            }
            io.nclab.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                    () -> NumericalRank.measure(m.create(h, new Shape(20, 4)), y, 2));
            assertTrue(e.getMessage().contains("not finite") || e.getMessage().contains("too large"), e.getMessage());
        }
    }

    /** The Gram matrix of the n×d rows x, sample side (n×n, X Xᵀ) or unit side (d×d, XᵀX), by plain sums. */
    private static double[] gram(double[] x, int n, int d, boolean unitSide) {
        int size = unitSide ? d : n;
        double[] g = new double[size * size];
        for (int a = 0; a < size; a++) {
            for (int b = a; b < size; b++) {
                double s = 0;
                for (int t = 0; t < (unitSide ? n : d); t++) {
                    s += unitSide ? x[t * d + a] * x[t * d + b] : x[a * d + t] * x[b * d + t];
                }
                g[a * size + b] = s;
                g[b * size + a] = s;
            }
        }
        return g;
    }

    /** ‖H_c‖_*²/‖H_c‖_F² − 1 of class c, from the exact d×d Gram matrix (BigDecimal) by Jacobi rotations. */
    private static BigDecimal exactExcess(double[] h, int[] y, int c, int d) {
        BigDecimal[][] g = new BigDecimal[d][d];
        for (BigDecimal[] row : g) {
            java.util.Arrays.fill(row, BigDecimal.ZERO);
        }
        for (int i = 0; i < y.length; i++) {
            if (y[i] != c) {
                continue;
            }
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    g[a][b] = g[a][b].add(new BigDecimal(h[i * d + a]).multiply(new BigDecimal(h[i * d + b])));
                }
            }
        }
        BigDecimal trace = BigDecimal.ZERO;
        for (int a = 0; a < d; a++) {
            trace = trace.add(g[a][a]);
        }
        BigDecimal[] lambda = jacobiEigenvalues(g, d);
        BigDecimal nuclear = BigDecimal.ZERO;
        for (BigDecimal l : lambda) {
            nuclear = nuclear.add(l.max(BigDecimal.ZERO).sqrt(MC), MC);
        }
        return nuclear.multiply(nuclear, MC).divide(trace, MC).subtract(BigDecimal.ONE, MC);
    }

    private static BigDecimal[] jacobiEigenvalues(BigDecimal[][] a, int d) {
        BigDecimal tiny = new BigDecimal("1e-70");
        BigDecimal scale = BigDecimal.ZERO;
        for (int i = 0; i < d; i++) {
            scale = scale.max(a[i][i].abs());
        }
        BigDecimal two = BigDecimal.valueOf(2);
        for (int sweep = 0; sweep < 100; sweep++) {
            BigDecimal off = BigDecimal.ZERO;
            for (int p = 0; p < d; p++) {
                for (int q = p + 1; q < d; q++) {
                    off = off.max(a[p][q].abs());
                }
            }
            if (off.compareTo(tiny.multiply(scale)) <= 0) {
                BigDecimal[] out = new BigDecimal[d];
                for (int i = 0; i < d; i++) {
                    out[i] = a[i][i];
                }
                return out;
            }
            for (int p = 0; p < d; p++) {
                for (int q = p + 1; q < d; q++) {
                    if (a[p][q].signum() == 0) {
                        continue;
                    }
                    BigDecimal theta = a[q][q].subtract(a[p][p], MC).divide(two.multiply(a[p][q], MC), MC);
                    BigDecimal t = BigDecimal.ONE.divide(theta.abs().add(theta.multiply(theta, MC).add(BigDecimal.ONE)
                            .sqrt(MC), MC), MC);
                    if (theta.signum() < 0) {
                        t = t.negate();
                    }
                    BigDecimal cos = BigDecimal.ONE.divide(t.multiply(t, MC).add(BigDecimal.ONE).sqrt(MC), MC);
                    BigDecimal sin = t.multiply(cos, MC);
                    for (int r = 0; r < d; r++) { // A ← Jᵀ A J on columns p, q then rows p, q
                        BigDecimal ap = a[r][p];
                        BigDecimal aq = a[r][q];
                        a[r][p] = cos.multiply(ap, MC).subtract(sin.multiply(aq, MC), MC);
                        a[r][q] = sin.multiply(ap, MC).add(cos.multiply(aq, MC), MC);
                    }
                    for (int r = 0; r < d; r++) {
                        BigDecimal ap = a[p][r];
                        BigDecimal aq = a[q][r];
                        a[p][r] = cos.multiply(ap, MC).subtract(sin.multiply(aq, MC), MC);
                        a[q][r] = sin.multiply(ap, MC).add(cos.multiply(aq, MC), MC);
                    }
                }
            }
        }
        throw new AssertionError("Jacobi did not converge");
    }
}
