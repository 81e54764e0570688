package io.nclab.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nclab.UserError;
import io.nclab.nd.Nd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The NC engine against hand-computed values (exact collapse), against a deliberately naive second
 * implementation ({@link NaiveMetrics}), and under the symmetries every metric must respect.
 */
class CollapseMetricsTest {
    static NDManager manager;
    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        manager = Nd.newManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    /** Features, labels and a classifier in Java arrays, as both implementations take them. */
    record Problem(double[][] h, int[] y, int k, double[][] w, double[] b) {
        int d() {
            return h[0].length;
        }

        NDArray features(boolean float32) {
            NDArray a = Nd.matrix(manager, h);
            return float32 ? a.toType(DataType.FLOAT32, false) : a;
        }

        /** The features as the float32 values the engine sees, for the naive side. */
        double[][] seen(boolean float32) {
            return float32 ? Nd.toMatrix(features(true).toType(DataType.FLOAT64, false)) : h;
        }

        NDArray weights() {
            return w == null ? null : Nd.matrix(manager, w);
        }

        NDArray bias() {
            return b == null ? null : manager.create(b);
        }
    }

    /**
     * Random class means (scale 3), unit Gaussian noise, W near the means, a random bias. With
     * {@code rank > 0} every feature lies in a random {@code rank}-dimensional subspace; with
     * {@code singleton} class 0 has exactly one sample and the others are imbalanced.
     */
    static Problem random(long seed, int n, int d, int k, int rank, boolean singleton) {
        Random rnd = new Random(seed);
        int r = rank > 0 ? rank : d;
        double[][] basis = gaussian(rnd, d, r, 1);
        double[][] means = gaussian(rnd, k, r, 3);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            // imbalanced: after 5 of each, the rest go to the first half of classes 1..K−1
            y[i] = !singleton ? i % k : i == 0 ? 0 : i <= 5 * (k - 1) ? 1 + i % (k - 1) : 1 + i % ((k + 1) / 2);
        }
        shuffle(y, rnd);
        double[][] h = new double[n][d];
        for (int i = 0; i < n; i++) {
            double[] z = new double[r];
            for (int j = 0; j < r; j++) {
                z[j] = means[y[i]][j] + rnd.nextGaussian();
            }
            for (int j = 0; j < d; j++) {
                for (int q = 0; q < r; q++) {
                    h[i][j] += (rank > 0 ? basis[j][q] : (j == q ? 1 : 0)) * z[q];
                }
            }
        }
        double[][] w = gaussian(rnd, k, d, 0.5);
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                double m = 0;
                int cnt = 0;
                for (int i = 0; i < n; i++) {
                    if (y[i] == c) {
                        m += h[i][j];
                        cnt++;
                    }
                }
                w[c][j] += m / cnt;
            }
        }
        double[] b = gaussian(rnd, 1, k, 0.3)[0];
        return new Problem(h, y, k, w, b);
    }

    static double[][] gaussian(Random rnd, int rows, int cols, double scale) {
        double[][] a = new double[rows][cols];
        for (double[] row : a) {
            for (int j = 0; j < cols; j++) {
                row[j] = scale * rnd.nextGaussian();
            }
        }
        return a;
    }

    static void shuffle(int[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** A random d×d orthogonal matrix (Q of a Gaussian matrix's QR). */
    static double[][] orthogonal(Random rnd, int d) {
        DMatrixRMaj g = new DMatrixRMaj(gaussian(rnd, d, d, 1));
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(d, d);
        qr.decompose(g);
        DMatrixRMaj q = qr.getQ(null, false);
        double[][] o = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                o[i][j] = q.get(i, j);
            }
        }
        return o;
    }

    /** Rows x_i ↦ O x_i. */
    static double[][] rotate(double[][] rows, double[][] o) {
        return NaiveMetrics.product(rows, o);
    }

    static CollapseMetrics measure(Problem p, boolean float32, CollapseMetrics.Options o) {
        return CollapseMetrics.measure(p.features(float32), p.y, p.k, p.weights(), p.bias(), o);
    }

    static void assertClose(double expected, double actual, double rel, String what) {
        double tol = rel * Math.max(Math.abs(expected), Math.abs(actual)) + 1e-13;
        assertTrue(Math.abs(expected - actual) <= tol || (Double.isNaN(expected) && Double.isNaN(actual)),
                what + ": expected " + expected + ", got " + actual);
    }

    // ------------------------------------------------------------ exact collapse, by hand

    /**
     * Features = α·(a rotated simplex ETF) repeated n times, W = β·(the same ETF), b = 0. Then every
     * collapse measure is round-off, the numerical rank is 1, and every cosine margin is, by hand:
     * cos(M_k, w_k) − max_{j≠k} cos(M_k, w_j) = 1 − (−1/(K−1)) = K/(K−1).
     */
    @ParameterizedTest
    @MethodSource("collapseSizes")
    void exactCollapse(int k, int d, int n) {
        Random rnd = new Random(k * 31L + d);
        double[][] o = orthogonal(rnd, d);
        double[][] etf = new double[k][d]; // rows √(K/(K−1)) (e_k − 1/K), unit norm, cos −1/(K−1)
        double s = Math.sqrt(k / (k - 1.0));
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < k; j++) {
                etf[c][j] = s * ((c == j ? 1 : 0) - 1.0 / k);
            }
        }
        etf = rotate(etf, o);
        double alpha = 2.75;
        double[][] h = new double[k * n][];
        int[] y = new int[k * n];
        for (int i = 0; i < k * n; i++) {
            y[i] = (i * 7) % k;
            h[i] = Arrays.stream(etf[y[i]]).map(v -> alpha * v).toArray();
        }
        double[][] w = Arrays.stream(etf).map(r -> Arrays.stream(r).map(v -> 0.6 * v).toArray())
                .toArray(double[][]::new);
        Problem p = new Problem(h, y, k, w, new double[k]);
        CollapseMetrics m = measure(p, false, CollapseMetrics.Options.DEFAULT.withCosineMargins(true));
        for (String name : List.of("nc1", "nc2", "nc2_means", "nc3", "nc4", "w_equinorm", "mean_equinorm",
                "mean_equiangularity", "mean_max_angle_deviation", "nc1_quotient", "cdnv", "bias_relation")) {
            double v = m.values().get(name);
            assertTrue(v >= 0 && v < 1e-8, name + " = " + v);
        }
        assertEquals(1.0, m.numericalRank(), 1e-8);
        assertEquals(1.0, m.accuracy());
        assertEquals(1.0, m.nccAccuracy());
        double byHand = k / (k - 1.0); // 1.25 for K = 5, 1.5 for K = 3, 2 for K = 2
        assertEquals(byHand, 1 + 1.0 / (k - 1), 1e-15);
        assertEquals(byHand, m.cosineMarginMean(), 1e-12);
        assertEquals(byHand, m.cosineMarginMin(), 1e-12);
        assertEquals(0.0, m.cosineMarginNegativeFraction());
        assertEquals(k * n, m.cosineMargins().length);
        for (double v : m.cosineMargins()) {
            assertEquals(byHand, v, 1e-12);
        }
    }

    static Stream<Arguments> collapseSizes() {
        return Stream.of(Arguments.of(5, 8, 7), Arguments.of(3, 3, 4), Arguments.of(2, 6, 5), Arguments.of(10, 12, 3));
    }

    // ------------------------------------------------------------ parity with the naive formulas

    static Stream<Arguments> parityCases() {
        return Stream.of(
                Arguments.of("balanced", random(1, 240, 16, 4, 0, false), false),
                Arguments.of("imbalanced, a one-sample class, float32", random(2, 300, 12, 7, 0, true), true),
                Arguments.of("K > d", random(3, 200, 3, 6, 0, false), false),
                Arguments.of("rank-deficient features", random(4, 180, 20, 6, 3, false), false),
                Arguments.of("rank-deficient, float32", random(5, 150, 9, 5, 2, true), true),
                Arguments.of("several blocks per pass, K = 3 (one-hot class sums)", random(6, 1500, 48, 3, 0, false), true),
                Arguments.of("several blocks per class and per group, K = 18 (class-sorted sums)", random(10, 2300, 12, 18, 0, true),
                        true),
                Arguments.of("nearly collapsed: noise 1e-6 on a simplex ETF of norm 5", nearlyCollapsed(11, 180, 10, 6,
                        1e-6), false),
                Arguments.of("several blocks nearly collapsed: noise 1e-7, groups of 128 rows", nearlyCollapsed(12, 1500, 24,
                        5, 1e-7), false),
                Arguments.of("nearly collapsed: noise 1e-10 (NC1 about 1e-21)", nearlyCollapsed(13, 300, 16, 5, 1e-10), false),
                Arguments.of("many classes, K = 400 > d: groups of full blocks, the means' distances on every core",
                        random(14, 2400, 24, 400, 0, true), true));
    }

    /**
     * Class means on a simplex ETF of row norm 5 (plus a common offset of 2 in every coordinate), every
     * sample within Gaussian noise of {@code noise} of its mean: the within-class terms are 1e-12 of the
     * squared distances around them, where an expanded ‖x‖² − 2x·μ + ‖μ‖² keeps no digit.
     */
    static Problem nearlyCollapsed(long seed, int n, int d, int k, double noise) {
        Random rnd = new Random(seed);
        double[][] o = orthogonal(rnd, d);
        double[][] etf = new double[k][d];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < k; j++) {
                etf[c][j] = 5 * Math.sqrt(k / (k - 1.0)) * ((c == j ? 1 : 0) - 1.0 / k);
            }
        }
        etf = rotate(etf, o);
        int[] y = new int[n];
        double[][] h = new double[n][d];
        for (int i = 0; i < n; i++) {
            y[i] = i % k;
        }
        shuffle(y, rnd);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                h[i][j] = 2 + etf[y[i]][j] + noise * rnd.nextGaussian();
            }
        }
        double[][] w = gaussian(rnd, k, d, 0.5);
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                w[c][j] += etf[c][j];
            }
        }
        return new Problem(h, y, k, w, gaussian(rnd, 1, k, 0.3)[0]);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parityCases")
    void everyMetricMatchesTheNaiveImplementation(String name, Problem p, boolean float32) {
        // the second pass's three ways to its products: the host route as it runs, the host route with blocks of 5
        // rows (or as many as the product has columns, up to 40) split between three workers and each sample's
        // products together out of dgemm (the orientation of wide products), and the NDArray route that features off
        // the CPU take
        for (String route : List.of("host", "host, small blocks on three workers", "NDArray")) {
            int saved = Batch.chunkElements;
            int savedGroup = SecondPass.groupRows;
            int savedBlock = HostProducts.blockElements;
            long savedParallel = HostProducts.parallelWork;
            int savedThreads = HostProducts.threads;
            long savedPairs = SecondPass.parallelPairs;
            int savedOrientation = HostProducts.sampleMajorFrom;
            CollapseMetrics m;
            try {
                if (name.startsWith("many classes")) {
                    SecondPass.parallelPairs = 1;
                }
                if (name.startsWith("several blocks")) {
                    Batch.chunkElements = 64 * p.d(); // blocks of 64 rows, K-space groups of 4 blocks (or 2)
                    SecondPass.groupRows = name.contains("groups of 128") ? 128 : 256;
                }
                HostProducts.enabled = !route.equals("NDArray");
                if (route.startsWith("host, small")) {
                    HostProducts.blockElements = 5 * p.d();
                    HostProducts.parallelWork = 1;
                    HostProducts.threads = 3;
                    HostProducts.sampleMajorFrom = 1;
                }
                m = measure(p, float32, CollapseMetrics.Options.DEFAULT.withCosineMargins(true));
            } finally {
                Batch.chunkElements = saved;
                SecondPass.groupRows = savedGroup;
                HostProducts.enabled = true;
                HostProducts.blockElements = savedBlock;
                HostProducts.parallelWork = savedParallel;
                HostProducts.threads = savedThreads;
                SecondPass.parallelPairs = savedPairs;
                HostProducts.sampleMajorFrom = savedOrientation;
            }
            assertMatchesNaive(name + " (" + route + ")", p, float32, m);
        }
    }

    @Test
    void theSecondPassGivesTheSameNumbersOnAnyNumberOfWorkers() {
        // blocks of 7 rows taken by whichever worker is free: the same blocks, added in row order, however many
        // workers there are and whichever takes which (the margins kept, in row order, included)
        Problem p = random(41, 30, 9, 4, 9, false);
        int savedBlock = HostProducts.blockElements;
        long savedParallel = HostProducts.parallelWork;
        int savedThreads = HostProducts.threads;
        List<Map<String, Double>> values = new ArrayList<>();
        List<double[]> margins = new ArrayList<>();
        try {
            HostProducts.blockElements = 7 * p.d();
            HostProducts.parallelWork = 1;
            for (int threads : new int[] {1, 2, 3, 5, 1}) {
                HostProducts.threads = threads;
                CollapseMetrics m = measure(p, true, CollapseMetrics.Options.DEFAULT.withCosineMargins(true));
                values.add(m.values());
                margins.add(m.cosineMargins());
            }
        } finally {
            HostProducts.blockElements = savedBlock;
            HostProducts.parallelWork = savedParallel;
            HostProducts.threads = savedThreads;
        }
        for (int i = 1; i < values.size(); i++) {
            assertEquals(values.get(0), values.get(i), "run " + i);
            assertArrayEquals(margins.get(0), margins.get(i), 0.0, "run " + i);
        }
    }

    private static void assertMatchesNaive(String name, Problem p, boolean float32, CollapseMetrics m) {
        NaiveMetrics naive = new NaiveMetrics(p.seen(float32), p.y, p.k, p.w, p.b, 2.0);
        assertEquals(naive.values.keySet(), m.values().keySet());
        for (Map.Entry<String, Double> e : naive.values.entrySet()) {
            // Float32 rounding gives rank-deficient features singular values near 1e-7·σ_max, and nearly collapsed
            // classes have all but one below 1e-6·σ_max, which a float64 Gram matrix resolves only to about
            // √ε·σ_max: there the Gram route (kept wherever its error estimate is within NumericalRank.RESOLVED) and
            // the naive SVD of H_k can differ by ~1e-8
            boolean gramLimited = e.getKey().equals("numerical_rank")
                    && (name.startsWith("rank-deficient, float32") || name.contains("nearly collapsed"));
            assertClose(e.getValue(), m.values().get(e.getKey()), gramLimited ? 1e-6 : 1e-9, name + ": " + e.getKey());
        }
        if (name.contains("nearly collapsed")) {
            // values of 1e-12 and below: relative agreement, with no absolute slack
            for (String key : List.of("nc1", "nc1_quotient", "cdnv")) {
                double expected = naive.values.get(key);
                double actual = m.values().get(key);
                assertTrue(expected > 0 && Math.abs(actual - expected) <= 1e-11 * expected,
                        name + ": " + key + ": expected " + expected + ", got " + actual);
            }
        }
        double[] margins = m.cosineMargins();
        assertEquals(naive.sortedMargins.length, margins.length);
        for (int i = 0; i < margins.length; i++) {
            assertClose(naive.sortedMargins[i], margins[i], 1e-9, "margin " + i);
        }
        assertTrue(m.nc1() >= 0);
    }

    @Test
    void theMeansDistancesAreEveryPairsOnAnyNumberOfCores() {
        Random rnd = new Random(15);
        for (int k : new int[] {1, 2, 17, 40}) {
            int d = 9;
            double[] means = new double[k * d];
            for (int i = 0; i < means.length; i++) {
                means[i] = rnd.nextGaussian();
            }
            long saved = SecondPass.parallelPairs;
            double[] shared;
            try {
                SecondPass.parallelPairs = 1;
                shared = SecondPass.pairDistances(means, k, d);
            } finally {
                SecondPass.parallelPairs = saved;
            }
            double[] one = SecondPass.pairDistances(means, k, d);
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < k; b++) {
                    double s = 0;
                    for (int j = 0; j < d; j++) {
                        s += (means[a * d + j] - means[b * d + j]) * (means[a * d + j] - means[b * d + j]);
                    }
                    assertEquals(s, one[a * k + b], 1e-13 * s, "K = " + k + ", pair " + a + ", " + b);
                    assertEquals(one[a * k + b], shared[a * k + b], 0, "K = " + k + ", pair " + a + ", " + b
                            + ": the cores' tiles give the same value");
                }
            }
        }
    }

    @Test
    void cdnvExponentIsAParameter() {
        Problem p = random(7, 120, 6, 4, 0, false);
        CollapseMetrics.Options o = CollapseMetrics.Options.DEFAULT.withCdnvExponent(1.0).withNumericalRank(false);
        CollapseMetrics m = measure(p, false, o);
        assertClose(new NaiveMetrics(p.h, p.y, p.k, p.w, p.b, 1.0).values.get("cdnv"), m.cdnv(), 1e-9, "cdnv p=1");
        assertFalse(m.values().containsKey("numerical_rank"));
    }

    @Test
    void transposedViewsAreFeatures() {
        Problem p = random(8, 90, 7, 3, 0, false);
        NDArray dByN = Nd.matrix(manager, p.h).transpose().toType(DataType.FLOAT64, true); // contiguous d×N
        NDArray view = dByN.transpose(); // the UFM's Hᵀ: a non-contiguous N×d view
        CollapseMetrics a = CollapseMetrics.measure(view, p.y, p.k, p.weights(), p.bias());
        CollapseMetrics b = measure(p, false, CollapseMetrics.Options.DEFAULT);
        for (String name : b.values().keySet()) {
            assertClose(b.values().get(name), a.values().get(name), 1e-12, name);
        }
    }

    // ------------------------------------------------------------ invariances

    @Test
    void rotationsAndRescalingChangeNothing() {
        Problem p = random(9, 160, 10, 5, 0, false);
        Random rnd = new Random(99);
        double[][] o = orthogonal(rnd, p.d());
        Problem rotated = new Problem(rotate(p.h, o), p.y, p.k, rotate(p.w, o), p.b);
        double c = 37.5;
        Problem scaled = new Problem(scale(p.h, c), p.y, p.k, p.w, Arrays.stream(p.b).map(v -> c * v).toArray());
        CollapseMetrics.Options opt = CollapseMetrics.Options.DEFAULT.withCosineMargins(true);
        Map<String, Double> base = measure(p, false, opt).values();
        Map<String, Double> r = measure(rotated, false, opt).values();
        Map<String, Double> s = measure(scaled, false, opt).values();
        for (String name : base.keySet()) {
            assertClose(base.get(name), r.get(name), 1e-9, "rotation: " + name);
            // ‖Wμ_G + b‖ is a length: it scales with the features (and b).
            double expected = name.equals("bias_relation") ? c * base.get(name) : base.get(name);
            assertClose(expected, s.get(name), 1e-9, "rescaling: " + name);
        }
    }

    static double[][] scale(double[][] a, double c) {
        return Arrays.stream(a).map(r -> Arrays.stream(r).map(v -> c * v).toArray()).toArray(double[][]::new);
    }

    /**
     * A between-class direction 1e-6 of the others (Σ_B's eigenvalues 9, 9 and 1e-12): NC1 is still exact, because
     * U and Σ come from M itself, not from the K×K Gram MMᵀ, whose eigenvalue 4e-12 beside 36 would carry a
     * relative error of about 1e-3. Means on orthogonal ±1 columns and within-class pairs ±z of dyadic numbers make
     * every class mean exact, so NC1 = (1/K)(S_0/9 + S_1/9 + S_2/e²) with S_j = (1/N) Σ_i z_ij², by hand.
     */
    @Test
    void nc1IsExactForAnIllConditionedBetweenClassScatter() {
        int k = 4;
        int pairs = 8;
        int d = 5;
        double e = 1e-6;
        double[][] columns = {{3, 3, -3, -3}, {3, -3, 3, -3}, {e, -e, -e, e}};
        Random rnd = new Random(5);
        List<double[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        double[] s = new double[d];
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < pairs; i++) {
                double[] z = new double[d];
                for (int j = 0; j < d; j++) {
                    z[j] = (rnd.nextInt(64) - 32) / 1024.0; // dyadic: sums and squares exact
                    s[j] += 2 * z[j] * z[j];
                }
                for (int sign : new int[] {1, -1}) {
                    double[] h = new double[d];
                    for (int j = 0; j < d; j++) {
                        h[j] = (j < 3 ? columns[j][c] : 0) + sign * z[j];
                    }
                    rows.add(h);
                    labels.add(c);
                }
            }
        }
        int n = rows.size();
        double expected = (s[0] / n / 9 + s[1] / n / 9 + s[2] / n / (e * e)) / k;
        Problem p = new Problem(rows.toArray(double[][]::new), labels.stream().mapToInt(Integer::intValue).toArray(), k,
                null, null);
        CollapseMetrics m = measure(p, false, CollapseMetrics.Options.DEFAULT.withNumericalRank(false));
        assertClose(expected, m.nc1(), 1e-8, "nc1 with Σ_B's eigenvalues 9, 9, 1e-12");
    }

    /**
     * Classes within 1e-7 of one direction each, far from the origin: their singular values below the Gram's
     * resolution drop out of the nuclear norm but not of the trace, which must not pull the ratio below 1, the
     * least value the definition allows (it read 0.9999999999999913 here).
     */
    @Test
    void numericalRankIsNeverBelowOne() {
        Random rnd = new Random(12);
        int k = 5;
        int d = 10;
        int n = 50;
        double[][] h = new double[k * n][d];
        int[] y = new int[k * n];
        for (int i = 0; i < k * n; i++) {
            y[i] = i / n;
            for (int j = 0; j < d; j++) {
                h[i][j] = 1e4 + (j == y[i] ? 1 : 0) + 1e-3 * rnd.nextGaussian();
            }
        }
        double rank = measure(new Problem(h, y, k, null, null), false, CollapseMetrics.Options.DEFAULT).numericalRank();
        assertTrue(rank >= 1 && rank < 1 + 1e-6, "numerical_rank " + rank);
    }

    /**
     * Exact ties decide as argmax does in NumPy and PyTorch, for the first class: zero feature vectors (dead units)
     * without a bias have every logit 0, and small-integer features are often equally far from two integer class
     * means. The engine computes from h − μ_G, and μ_G = S/35 is not exact, so round-off must not break those ties;
     * the naive implementation's arithmetic is exact here (integer products, integer means), so its decisions are
     * the truth.
     */
    @Test
    void exactTiesGoToTheFirstClass() {
        Random rnd = new Random(21);
        int k = 5;
        int d = 16;
        int n = 4 * 8 + 3; // classes 0-3: 8 samples, class 4: 3
        double[][] h = new double[n][d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i < 32 ? i % 4 : 4;
            for (int j = 0; j < d; j++) {
                h[i][j] = i < 12 ? 0 : rnd.nextInt(4); // twelve dead rows
            }
        }
        for (int j = 0; j < d; j++) { // integer class means: class 4's column sums a multiple of 3
            h[n - 1][j] = (3 - (int) (h[n - 3][j] + h[n - 2][j]) % 3) % 3;
        }
        for (int j = 0; j < d; j++) { // and the others' multiples of 8: the last of each class makes up the rest
            for (int c = 0; c < 4; c++) {
                double sum = 0;
                for (int i = c; i < 28; i += 4) {
                    sum += h[i][j];
                }
                h[28 + c][j] = (8 - (int) sum % 8) % 8;
            }
        }
        double[][] w = new double[k][d];
        for (double[] row : w) {
            for (int j = 0; j < d; j++) {
                row[j] = rnd.nextGaussian(); // the dead rows' logits are exactly 0 in any arithmetic
            }
        }
        Problem p = new Problem(h, y, k, w, new double[k]);
        Map<String, Double> naive = new NaiveMetrics(p.h, p.y, p.k, p.w, p.b, 2.0).values;
        CollapseMetrics m = measure(p, false, CollapseMetrics.Options.DEFAULT.withNumericalRank(false));
        for (String name : List.of("accuracy", "ncc_accuracy", "nc4")) {
            assertEquals(naive.get(name), m.values().get(name), 0, name);
        }
    }

    /**
     * Near ties that float64 decides are decided (the NumPy audit's cases, d = 2): logits ∓1e-13 apart, and a sample
     * 4e-12 closer to one class mean than to another. The former fixed tolerance, 1e-12 of the scores' scale, called
     * both ties and gave the first class.
     */
    @Test
    void nearTiesAtSmallDimensionAreDecided() {
        Problem logits = new Problem(new double[][] {{1, .5}, {1, -.5}, {1e-13, 1}, {-1, .5}, {-1, -.5}, {-1e-13, -1}},
                new int[] {0, 0, 0, 1, 1, 1}, 2, new double[][] {{1, 0}, {-1, 0}}, new double[2]);
        CollapseMetrics a = measure(logits, false, CollapseMetrics.Options.DEFAULT.withNumericalRank(false));
        assertEquals(1.0, a.values().get("accuracy"));
        assertEquals(0.0, a.values().get("nc4"));
        double e = 1e-12;
        Problem centres = new Problem(new double[][] {{-1, 1}, {-1, -1}, {1, 1}, {1, -1}, {e, 0}, {-e, 40}},
                new int[] {0, 0, 1, 1, 2, 2}, 3, new double[3][2], new double[] {0, 1, 0});
        Map<String, Double> naive = new NaiveMetrics(centres.h, centres.y, centres.k, centres.w, centres.b, 2.0).values;
        CollapseMetrics b = measure(centres, false, CollapseMetrics.Options.DEFAULT.withNumericalRank(false));
        for (String name : List.of("accuracy", "ncc_accuracy", "nc4")) {
            assertEquals(naive.get(name), b.values().get(name), 0, name);
        }
        assertEquals(0.5, b.values().get("nc4")); // sample 4 is nearest to class 1's mean, as the definition says
    }

    @Test
    void nc1IsNeverNegative() {
        List<Problem> cases = new ArrayList<>();
        for (int seed = 0; seed < 4; seed++) {
            cases.add(random(100 + seed, 120, 8, 5, 0, false));
            cases.add(random(200 + seed, 120, 30, 8, 2, false)); // Σ_B of rank 2 < K − 1
            cases.add(random(300 + seed, 80, 4, 9, 0, true)); // K > d
        }
        // Nearly collapsed float32 features with a large common offset: the float32-pinv trap.
        Problem near = random(400, 200, 12, 6, 0, false);
        double[][] h = Arrays.stream(near.h).map(r -> Arrays.stream(r).map(v -> 1e4 + 1e3 * Math.rint(v / 3)
                + 1e-3 * v).toArray()).toArray(double[][]::new);
        cases.add(new Problem(h, near.y, near.k, near.w, near.b));
        for (Problem p : cases) {
            for (boolean f32 : new boolean[] {false, true}) {
                CollapseMetrics m = measure(p, f32, CollapseMetrics.Options.DEFAULT.withNumericalRank(false));
                assertTrue(m.nc1() >= 0 && Double.isFinite(m.nc1()), "nc1 = " + m.nc1());
                // and the right value, not merely a non-negative one (a pseudo-inverse cut-off that keeps
                // round-off directions makes NC1 huge but still positive): the naive float64 pseudo-inverse of
                // the very values the engine saw
                double naive = new NaiveMetrics(p.seen(f32), p.y, p.k, p.w, p.b, 2.0).values.get("nc1");
                assertClose(naive, m.nc1(), 1e-9, (f32 ? "float32" : "float64") + " nc1");
            }
        }
    }

    // ------------------------------------------------------------ streaming, merging, files

    @Test
    void streamedShardsMergedEqualOneCall() {
        Problem p = random(11, 500, 9, 4, 0, true);
        CollapseMetrics whole = measure(p, true, CollapseMetrics.Options.DEFAULT.withCosineMargins(true)
                .withNumericalRank(false));
        // Three batches of shuffled rows; two shards per pass, merged.
        Integer[] perm = new Integer[p.h.length];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        java.util.Collections.shuffle(Arrays.asList(perm), new Random(5));
        int[][] cuts = {{0, 123}, {123, 400}, {400, 500}};
        List<NDArray> feats = new ArrayList<>();
        List<NDArray> labels = new ArrayList<>();
        for (int[] cut : cuts) {
            double[][] rows = new double[cut[1] - cut[0]][];
            long[] ys = new long[rows.length];
            for (int i = cut[0]; i < cut[1]; i++) {
                rows[i - cut[0]] = p.h[perm[i]];
                ys[i - cut[0]] = p.y[perm[i]];
            }
            feats.add(Nd.matrix(manager, rows).toType(DataType.FLOAT32, false));
            labels.add(manager.create(ys));
        }
        FeatureStats a = new FeatureStats(p.k, p.d());
        FeatureStats b = new FeatureStats(p.k, p.d());
        a.add(feats.get(0), labels.get(0));
        b.add(feats.get(1), labels.get(1));
        a.add(feats.get(2), labels.get(2));
        a.save(dir.resolve("a.npz"));
        FeatureStats loaded = FeatureStats.load(dir.resolve("a.npz"));
        assertTrue(loaded.sameAs(a));
        loaded.merge(b);
        SecondPass first = loaded.secondPass(p.weights(), p.bias(), true);
        SecondPass second = loaded.secondPass(p.weights(), p.bias(), true);
        first.add(feats.get(2), labels.get(2));
        second.add(feats.get(0), labels.get(0));
        second.add(feats.get(1), labels.get(1));
        first.save(dir.resolve("p.npz"));
        SecondPass reloaded = SecondPass.load(dir.resolve("p.npz"));
        reloaded.merge(second);
        CollapseMetrics streamed = reloaded.metrics();
        for (String name : whole.values().keySet()) {
            assertClose(whole.values().get(name), streamed.values().get(name), 1e-11, name);
        }
        assertArrayEquals(whole.cosineMargins(), streamed.cosineMargins(), 1e-12);
        // A second pass that has not seen every sample says so.
        UserError e = assertThrows(UserError.class, () -> first.metrics());
        assertTrue(e.getMessage().contains("second pass saw"), e.getMessage());
        // A saved state whose arrays do not fit its K and d is refused in one line (an audit got wrong numbers
        // from a 7 x 13 classifier for d = 12, 97 made-up zero margins, and index errors)
        io.nclab.io.Npz saved = io.nclab.io.Npz.load(dir.resolve("p.npz"));
        long k = p.k;
        long d = p.d();
        Object[][] damaged = {
            {"weights", new double[(int) (k * (d + 1))], new long[] {k, d + 1}},
            {"bias", new double[3], new long[] {3}},
            {"scalars", new double[1], new long[] {1}},
            {"margins", new double[3], new long[] {3}},
            {"seen", new long[] {-1, 0, 0}, new long[] {3}},
        };
        for (Object[] bad : damaged) {
            io.nclab.io.Npz copy = new io.nclab.io.Npz().putText("nclab.json", saved.text("nclab.json"));
            for (String name : List.of("counts", "sums", "weights", "bias", "seen", "per_class", "scalars",
                    "margins")) {
                boolean integer = name.equals("counts") || name.equals("seen");
                if (name.equals(bad[0])) {
                    if (integer) {
                        copy.put(name, (long[]) bad[1], (long[]) bad[2]);
                    } else {
                        copy.put(name, (double[]) bad[1], (long[]) bad[2]);
                    }
                } else if (integer) {
                    copy.put(name, saved.longs(name), saved.shape(name));
                } else {
                    copy.put(name, saved.doubles(name), saved.shape(name));
                }
            }
            Path file = dir.resolve("bad-" + bad[0] + ".npz");
            copy.save(file);
            UserError refused = assertThrows(UserError.class, () -> SecondPass.load(file), (String) bad[0]);
            assertTrue(refused.getMessage().contains("malformed") && !refused.getMessage().contains("\n"),
                    refused.getMessage());
        }
    }

    /** A label beyond the int range is named as it is (it was reported as label -1). */
    @Test
    void aLabelBeyondTheIntRangeIsNamedAsItIs() {
        Problem p = random(15, 12, 3, 3, 0, false);
        long[] y = new long[p.y.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = p.y[i];
        }
        y[5] = 1L << 33;
        FeatureStats s = new FeatureStats(p.k, p.d());
        UserError e = assertThrows(UserError.class, () -> s.add(p.features(false), manager.create(y)));
        assertTrue(e.getMessage().startsWith("label 8589934592 of this batch's sample 5"), e.getMessage());
    }

    /** A NaN that only the second pass is given is named as such, not as an overflow (an audit saw "too large"). */
    @Test
    void aNaNInTheSecondPassIsNotCalledTooLarge() {
        Problem p = random(14, 60, 5, 3, 0, false);
        FeatureStats first = new FeatureStats(p.k, p.d());
        first.add(p.features(false), p.y);
        SecondPass second = first.secondPass(p.weights(), p.bias(), false);
        double[][] bad = new double[p.h.length][];
        for (int i = 0; i < bad.length; i++) {
            bad[i] = p.h[i].clone();
        }
        bad[7][2] = Double.NaN;
        UserError e = assertThrows(UserError.class, () -> second.add(Nd.matrix(manager, bad), p.y));
        assertTrue(e.getMessage().contains("not finite") && !e.getMessage().contains("too large"), e.getMessage());
    }

    @Test
    void withoutAClassifierTheClassifierMetricsAreAbsent() {
        Problem p = random(12, 100, 5, 3, 0, false);
        CollapseMetrics m = CollapseMetrics.measure(p.features(false), p.y, p.k, null, null);
        Set<String> expected = new HashSet<>(CollapseMetrics.NAMES);
        expected.removeAll(CollapseMetrics.NEED_CLASSIFIER);
        assertEquals(expected, m.values().keySet());
        assertTrue(Double.isNaN(m.nc2()) && Double.isNaN(m.nc4()) && Double.isNaN(m.accuracy()));
        CollapseMetrics full = measure(p, false, CollapseMetrics.Options.DEFAULT);
        assertEquals(CollapseMetrics.NAMES, new ArrayList<>(full.values().keySet()));
        for (String name : m.values().keySet()) {
            assertEquals(full.values().get(name), m.values().get(name), 1e-12, name);
        }
    }

    /**
     * With no between-class spread NC1 is undefined, not 0 (which would read as perfect collapse) and not
     * the pseudo-inverse of round-off (a huge number): all-zero features, and class means equal up to
     * the rounding of their sums (every sample the same large vector plus tiny class-free noise).
     */
    @Test
    void nc1IsUndefinedWhenTheClassMeansCoincide() {
        int n = 40;
        int d = 6;
        int[] y = new int[n];
        double[][] zero = new double[n][d];
        double[][] same = new double[n][d];
        for (int i = 0; i < n; i++) {
            y[i] = i % 4;
            int m = (i / 4 + 3 * y[i]) % 10; // every class holds the same ten offsets, each in its own order
            for (int j = 0; j < d; j++) {
                same[i][j] = 1e3 * (j + 1) + 0.1 * m / 7 + 1e-3 * j * m;
            }
        }
        double[] first = new double[4];
        for (int i = 0; i < n; i++) {
            first[y[i]] += same[i][0];
        }
        assertTrue(first[0] != first[1] || first[0] != first[2] || first[0] != first[3],
                "the class sums differ by round-off (else this only tests the exactly equal case)");
        double[][] w = new double[4][d];
        for (int a = 0; a < 4; a++) {
            w[a][a] = 1;
        }
        for (double[][] h : new double[][][] {zero, same}) {
            CollapseMetrics m = CollapseMetrics.measure(Nd.matrix(manager, h), y, 4, Nd.matrix(manager, w), null);
            Map<String, Double> v = m.values();
            // everything made from the centred means is undefined; the classifier's own metrics are not
            for (String name : List.of("nc1", "nc1_quotient", "cdnv", "nc2_means", "nc3", "nc4", "ncc_accuracy",
                    "mean_equinorm", "mean_equiangularity", "mean_max_angle_deviation")) {
                assertTrue(Double.isNaN(v.get(name)), name + " = " + v.get(name));
            }
            for (String name : List.of("nc2", "accuracy", "w_equinorm", "bias_relation")) {
                assertTrue(Double.isFinite(v.get(name)), name + " = " + v.get(name));
            }
            // numerical_rank is a per-class ratio ‖H_k‖_*²/‖H_k‖_F²: 0/0 for all-zero features (it read 0)
            assertTrue(h == same ? Double.isFinite(v.get("numerical_rank")) : Double.isNaN(v.get("numerical_rank")),
                    "numerical_rank = " + v.get("numerical_rank"));
        }
        // one class of all-zero features among others leaves numerical_rank undefined too, on every route
        double[][] oneZero = new double[n][];
        for (int i = 0; i < n; i++) {
            oneZero[i] = y[i] == 1 ? new double[d] : same[i].clone();
        }
        NDArray oz = Nd.matrix(manager, oneZero);
        assertTrue(Double.isNaN(NumericalRank.measure(oz, y, 4)), "features' route");
        ClassGrams grams = new ClassGrams(4, d);
        grams.add(oz, y);
        assertTrue(Double.isNaN(grams.numericalRank()), "streamed Gram route");
        // a genuine but tiny separation is measured
        same[0][0] += 1e-6;
        CollapseMetrics m = CollapseMetrics.measure(Nd.matrix(manager, same), y, 4, null, null);
        assertTrue(m.nc1() > 0 && Double.isFinite(m.nc1()), Double.toString(m.nc1()));
    }

    /**
     * Two class means equal up to round-off, with a third class apart (the audit's case: K = 3, d = 4, n = 5, means
     * (1,0,0,0), (1,0,0,0), (0,3,0,0), noise 0.1 centred per class): the pair has no distance to divide by, so the
     * CDNV is undefined whether the two means differ in their last bits (it read 9.9e31) or not at all; the other
     * metrics stay defined (the means do not all coincide), and a genuine separation of 1e-6 is measured.
     */
    @Test
    void cdnvIsUndefinedWhenTwoClassMeansCoincide() {
        int k = 3;
        int d = 4;
        int n = 5;
        double[][] mu = {{1, 0, 0, 0}, {1, 0, 0, 0}, {0, 3, 0, 0}};
        Random rnd = new Random(5);
        int[] y = new int[k * n];
        double[][] noise = new double[k * n][d];
        for (int i = 0; i < k * n; i++) {
            y[i] = i % k;
            for (int j = 0; j < d; j++) {
                noise[i][j] = 0.1 * rnd.nextGaussian();
            }
        }
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                double mean = 0;
                for (int i = c; i < k * n; i += k) {
                    mean += noise[i][j] / n;
                }
                for (int i = c; i < k * n; i += k) {
                    noise[i][j] -= mean;
                }
            }
        }
        double[][] roundOff = new double[k * n][d];
        double[][] exact = new double[k * n][d];
        for (int i = 0; i < k * n; i++) {
            for (int j = 0; j < d; j++) {
                roundOff[i][j] = mu[y[i]][j] + noise[i][j];
                // ±0.5, ±0.25 about the mean: sums without rounding, so means 0 and 1 agree to the bit
                exact[i][j] = mu[y[i]][j] + (y[i] == 2 ? noise[i][j] : ((i / k) % 2 == 0 ? 1 : -1)
                        * (i / k == n - 1 ? 0 : (y[i] == 0 ? 0.5 : 0.25)) * (j + 1));
            }
        }
        double gap = 0;
        for (int j = 0; j < d; j++) {
            double s0 = 0;
            double s1 = 0;
            for (int i = 0; i < k * n; i += k) {
                s0 += roundOff[i][j];
                s1 += roundOff[i + 1][j];
            }
            gap = Math.max(gap, Math.abs(s0 - s1));
        }
        assertTrue(gap > 0 && gap < 1e-14, "the two means differ by round-off only: " + gap);
        for (double[][] h : new double[][][] {roundOff, exact}) {
            CollapseMetrics m = CollapseMetrics.measure(Nd.matrix(manager, h), y, k, null, null);
            assertTrue(Double.isNaN(m.cdnv()), "cdnv = " + m.cdnv());
            for (String name : List.of("nc1", "nc1_quotient", "nc2_means", "ncc_accuracy", "mean_equinorm")) {
                assertTrue(Double.isFinite(m.values().get(name)), name + " = " + m.values().get(name));
            }
        }
        for (int i = 0; i < k * n; i += k) {
            roundOff[i][3] += 1e-6;
        }
        double cdnv = CollapseMetrics.measure(Nd.matrix(manager, roundOff), y, k, null, null).cdnv();
        assertTrue(cdnv > 1e9 && Double.isFinite(cdnv), "cdnv = " + cdnv);
    }

    /** Every metric is scale-invariant, and float64 holds the squares of the scaled Gram matrices at any scale. */
    @Test
    void extremeScalesGiveTheSameMetricsOrOneLine() {
        Random rnd = new Random(8);
        int n = 40;
        int d = 7;
        int k = 5;
        double[][] h = new double[n][d];
        double[][] w = new double[k][d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % k;
            for (int j = 0; j < d; j++) {
                h[i][j] = rnd.nextGaussian() + (j == y[i] ? 3 : 0);
            }
        }
        for (double[] row : w) {
            for (int j = 0; j < d; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        CollapseMetrics base = CollapseMetrics.measure(Nd.matrix(manager, h), y, k, Nd.matrix(manager, w), null);
        CollapseMetrics bigW = CollapseMetrics.measure(Nd.matrix(manager, h), y, k,
                Nd.matrix(manager, scaled(w, 1e100)), null);
        assertEquals(base.nc2(), bigW.nc2(), 1e-12);
        assertEquals(base.nc3(), bigW.nc3(), 1e-12);
        for (double s : new double[] {1e100, 1e-100}) {
            CollapseMetrics m = CollapseMetrics.measure(Nd.matrix(manager, scaled(h, s)), y, k, Nd.matrix(manager, w),
                    null);
            assertEquals(base.nc2Means(), m.nc2Means(), 1e-12, "scale " + s);
            assertEquals(base.nc1(), m.nc1(), 1e-9 * base.nc1(), "scale " + s);
        }
        UserError e = assertThrows(UserError.class, () -> CollapseMetrics.measure(Nd.matrix(manager, scaled(h, 1e160)),
                y, k, Nd.matrix(manager, w), null));
        assertTrue(e.getMessage().contains("too large for float64") && !e.getMessage().contains("\n"), e.getMessage());
        // Two samples far out (their means stay representable) overflow only their own squared distances.
        double[][] outliers = scaled(h, 1);
        Arrays.fill(outliers[0], 1e160);
        Arrays.fill(outliers[1], -1e160);
        assertMessage("too large for float64", () -> CollapseMetrics.measure(Nd.matrix(manager, outliers), y, k,
                Nd.matrix(manager, w), null, CollapseMetrics.Options.DEFAULT.withNumericalRank(false)));
        assertMessage("too large for float64", () -> NumericalRank.measure(Nd.matrix(manager, outliers), y, k));
    }

    /**
     * d = 1: every cosine is ±1, and a sample whose own class and another class point its way has margin
     * 1 − 1 = 0 exactly, which round-off can turn into ±1e-16. Ties count as non-positive.
     */
    @Test
    void exactTiesOfTheCosineMarginAreNonPositive() {
        double[] values = {-3, -1, 2, 2, -0.5, 0.5}; // sums to 0 per class: the global mean is exactly 0
        int k = 3;
        double[][] w = {{0.1}, {0.7}, {-0.8}}; // centred: signs +, +, −
        double[][] h = new double[k * values.length][1];
        int[] y = new int[h.length];
        double nonPositive = 0;
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < values.length; i++) {
                int at = c * values.length + i;
                h[at][0] = values[i];
                y[at] = c;
                boolean wins = c == 2 && values[i] < 0; // the only class alone on its side
                nonPositive += wins ? 0 : 1;
            }
        }
        CollapseMetrics m = CollapseMetrics.measure(Nd.matrix(manager, h), y, k, Nd.matrix(manager, w), null,
                CollapseMetrics.Options.DEFAULT.withNumericalRank(false).withCosineMargins(true));
        assertEquals(nonPositive / h.length, m.cosineMarginNegativeFraction(), 1e-15);
        for (double v : m.cosineMargins()) {
            assertTrue(Math.abs(v) < 1e-12 || Math.abs(Math.abs(v) - 2) < 1e-12, Double.toString(v));
        }
    }

    /**
     * A row w_k − w̄ of zero has no direction: every cosine margin compares with it (as a sample's own class or in
     * the max over the others), so all three margin metrics are undefined (NaN) and no distribution is kept, for
     * W = 0, for a row at the mean row (W = [a; 0; −a]) and for one within round-off of it; the other metrics stay.
     */
    @Test
    void aZeroCentredClassifierRowLeavesTheMarginsUndefined() {
        Problem p = random(31, 90, 5, 3, 0, false);
        double[][] zero = new double[3][5];
        double[][] middle = {p.w[0].clone(), new double[5], p.w[0].clone()};
        double[][] nearly = {p.w[0].clone(), new double[5], p.w[0].clone()};
        for (int j = 0; j < 5; j++) {
            middle[2][j] = -middle[0][j];
            nearly[2][j] = -nearly[0][j];
            nearly[1][j] = 1e-14 * p.w[1][j];
        }
        for (double[][] w : new double[][][] {zero, middle, nearly}) {
            CollapseMetrics m = CollapseMetrics.measure(p.features(false), p.y, p.k, Nd.matrix(manager, w), null,
                    CollapseMetrics.Options.DEFAULT.withNumericalRank(false).withCosineMargins(true));
            assertTrue(Double.isNaN(m.cosineMarginMean()) && Double.isNaN(m.cosineMarginMin())
                    && Double.isNaN(m.cosineMarginNegativeFraction()), m.toString());
            assertEquals(0, m.cosineMargins().length);
            assertTrue(Double.isFinite(m.accuracy()) && Double.isFinite(m.nc1()), m.toString());
            // the check a command makes before measuring: the class of the zero row (1, or 0 for W = 0)
            assertEquals(w == zero ? 0 : 1, SecondPass.undefinedMarginRow(flat(w), 3, 5));
        }
        assertEquals(-1, SecondPass.undefinedMarginRow(flat(p.w), 3, 5));
        // a classifier too small for float64 is the engine's to refuse, with its own message
        assertEquals(-1, SecondPass.undefinedMarginRow(flat(scaled(p.w, 1e-170)), 3, 5));
        CollapseMetrics fine = CollapseMetrics.measure(p.features(false), p.y, p.k, p.weights(), null,
                CollapseMetrics.Options.DEFAULT.withNumericalRank(false).withCosineMargins(true));
        assertTrue(Double.isFinite(fine.cosineMarginMean()) && fine.cosineMargins().length == 90);
    }

    /**
     * The K×K tables the metrics hold are checked against the memory before the work (they had grown the heap to
     * 8 GB over 15 s at K = 14,000, d = 16, and then failed): refused in one line that says what needs the memory.
     */
    @Test
    void kByKTablesBeyondTheMemoryAreRefusedUpFront() {
        Problem small = random(5, 200, 3, 10, 0, false);
        Problem wide = random(5, 400, 3, 40, 0, false);
        System.setProperty("nclab.memory.available", "10000");
        try {
            // K = 10 with a classifier: 5 tables of 100 numbers, 4,000 bytes
            assertTrue(Double.isFinite(measure(small, false, CollapseMetrics.Options.DEFAULT.withNumericalRank(false))
                    .nc2()));
            UserError e = assertThrows(UserError.class,
                    () -> measure(wide, false, CollapseMetrics.Options.DEFAULT.withNumericalRank(false)));
            assertTrue(e.getMessage().startsWith("40 classes: the metrics hold K x K float64 tables: about ")
                    && e.getMessage().endsWith(" GB of memory available"), e.getMessage());
        } finally {
            System.clearProperty("nclab.memory.available");
        }
        long max = Runtime.getRuntime().maxMemory();
        UserError heap = assertThrows(UserError.class, () -> io.nclab.SystemMemory.requireHeap(max + 1, "the test"));
        assertTrue(heap.getMessage().startsWith("the test: about ") && heap.getMessage().contains(
                "NCLAB_JAVA_OPTS='-Xss16m -XX:+UseParallelGC -Xmx<GB>g'"), heap.getMessage());
    }

    private static double[] flat(double[][] rows) {
        return java.util.Arrays.stream(rows).flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    private static double[][] scaled(double[][] a, double s) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] *= s;
            }
        }
        return out;
    }

    // ------------------------------------------------------------ mistakes

    @Test
    void mistakesAreOneLineUserErrors() {
        Problem p = random(13, 60, 4, 3, 0, false);
        NDArray f = p.features(false);
        int[] missing = p.y.clone();
        for (int i = 0; i < missing.length; i++) {
            missing[i] = missing[i] == 2 ? 1 : missing[i];
        }
        assertMessage("class 2 has no samples", () -> CollapseMetrics.measure(f, missing, 3, null, null));
        int[] bad = p.y.clone();
        bad[17] = 3;
        assertMessage("label 3 of sample 17 is outside 0..2", () -> CollapseMetrics.measure(f, bad, 3, null, null));
        double[][] h = scale(p.h, 1);
        h[41][2] = Double.NaN;
        assertMessage("sample 41", () -> CollapseMetrics.measure(Nd.matrix(manager, h), p.y, 3, null, null));
        h[41][2] = Double.POSITIVE_INFINITY;
        assertMessage("not finite", () -> CollapseMetrics.measure(Nd.matrix(manager, h), p.y, 3, null, null));
        assertMessage("59 labels for 60", () -> CollapseMetrics.measure(f, Arrays.copyOf(p.y, 59), 3, null, null));
        assertMessage("must be K×d = 3×4", () -> CollapseMetrics.measure(f, p.y, 3,
                manager.zeros(new Shape(3, 5), DataType.FLOAT64), null));
        assertMessage("bias must have K = 3", () -> CollapseMetrics.measure(f, p.y, 3, p.weights(),
                manager.zeros(new Shape(4), DataType.FLOAT64)));
        double[][] w = Nd.toMatrix(p.weights());
        w[2][1] = Double.NEGATIVE_INFINITY;
        assertMessage("classifier weights are not finite: row 2", () -> CollapseMetrics.measure(f, p.y, 3,
                Nd.matrix(manager, w), null));
        assertMessage("classifier bias is not finite: entry 1", () -> CollapseMetrics.measure(f, p.y, 3, p.weights(),
                manager.create(new double[] {0, Double.NaN, 0})));
        FeatureStats s = new FeatureStats(3, 5);
        assertMessage("dimension 4", () -> s.add(f, p.y));
        assertMessage("at least 2 classes", () -> new FeatureStats(1, 5));
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable run) {
        UserError e = assertThrows(UserError.class, run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    /**
     * Many classes with a classifier: one Gram matrix of the stacked [M; W; W − w̄] rows, (3K)² numbers, could not be
     * copied out past K = 5,461 (a stack trace from metrics and ufm); the K×K products are now taken one by one. Past
     * 16,383 classes the K×K matrices themselves would not fit in a Java array: one line says so.
     */
    @Test
    void manyClassesWithAClassifierAreMeasuredOrRefusedInOneLine() {
        int k = 5500;
        int d = 4;
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        float[] h = new float[k * d];
        double[] w = new double[k * d];
        int[] y = new int[k];
        for (int i = 0; i < k * d; i++) {
            h[i] = (float) rnd.nextGaussian();
            w[i] = rnd.nextGaussian();
        }
        for (int i = 0; i < k; i++) {
            y[i] = i;
        }
        try (NDManager m = manager.newSubManager()) {
            CollapseMetrics c = CollapseMetrics.measure(m.create(h, new Shape(k, d)), y, k, m.create(w, new Shape(k, d)),
                    null, CollapseMetrics.Options.DEFAULT.withNumericalRank(false));
            assertTrue(Double.isFinite(c.values().get("nc2")) && Double.isFinite(c.values().get("cosine_margin_mean")),
                    c.values().toString());
            int many = 16384;
            int[] all = new int[many];
            for (int i = 0; i < many; i++) {
                all[i] = i;
            }
            UserError e = assertThrows(UserError.class, () -> CollapseMetrics.measure(m.zeros(new Shape(many, 1),
                    DataType.FLOAT32), all, many, null, null, CollapseMetrics.Options.DEFAULT.withNumericalRank(false)));
            assertEquals("16,384 classes: the metrics' K x K matrices would not fit in one Java array (at most 16,383"
                    + " classes)", e.getMessage());
        }
    }
}
