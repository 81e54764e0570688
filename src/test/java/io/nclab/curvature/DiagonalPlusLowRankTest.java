package io.nclab.curvature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nclab.loss.LogitHessians;
import io.nclab.loss.Loss;
import io.nclab.loss.LossSpec;
import io.nclab.nd.Nd;
import io.nclab.nd.SymmetricEigen;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The extreme eigenvalues by bisection on the inertia of diagonal-plus-low-rank matrices agree with a dense symmetric
 * eigensolver (LAPACK, or EJML) on the same matrices, to a few ulps of the matrix's size: on random ones of every rank
 * with singular cores, repeated and zero diagonal entries, and on the logit Hessians of every loss of the family,
 * ordinary, confident (where the entries are 1e-17 and an O(1)-sized rounding would be seen), tied and confidently wrong.
 */
class DiagonalPlusLowRankTest {

    /**
     * |λ − λ_dense| allowed: 8(K + r) ulps of the larger of the spectrum's size and the size of the terms that make the
     * entries ({@code terms}: max |d_x| + Σ_ab |c_ab| max|u_a| max|u_b|), whose rounding the dense matrix carries too.
     * For the softmax losses' e_top and e_top − p the terms are of the size of the entries, so a confident sample's
     * eigenvalues of 1e-17 are held to ulps of 1e-17.
     */
    private static void assertExtremes(double[] dense, int k, int r, double terms, double[] ends, String what) {
        double[][] rows = new double[k][];
        for (int x = 0; x < k; x++) {
            rows[x] = Arrays.copyOfRange(dense, x * k, (x + 1) * k);
        }
        double[] values = SymmetricEigen.of(rows, false).values();
        double size = Math.max(Math.max(Math.abs(values[0]), Math.abs(values[k - 1])), terms);
        double tol = 8 * (k + r) * Math.ulp(size) + Double.MIN_NORMAL;
        assertEquals(values[0], ends[0], tol, what + ": smallest of " + Arrays.toString(values));
        assertEquals(values[k - 1], ends[1], tol, what + ": largest");
    }

    /** One sample's Hessian diag(d) + U C Uᵀ (U: r ≤ 3 vectors, C: r×r row-major) in {@link LogitHessians}' layout. */
    private static LogitHessians one(double[] d, double[][] u, double[] core) {
        int k = d.length;
        int r = u.length;
        int m = LogitHessians.MAX_RANK;
        double[][] vectors = new double[m][];
        for (int a = 0; a < m; a++) {
            vectors[a] = a < r ? u[a].clone() : new double[k];
        }
        double[] cores = new double[m * m];
        for (int a = 0; a < r; a++) {
            for (int b = 0; b < r; b++) {
                cores[a * m + b] = core[a * r + b];
            }
        }
        return new LogitHessians(k, 1, d.clone(), vectors, cores, new int[] {r});
    }

    @Test
    void randomMatricesOfEveryRankMatchTheDenseSolver() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 400; trial++) {
            int k = 1 + rnd.nextInt(trial < 200 ? 6 : 40);
            int r = rnd.nextInt(4);
            double[] d = new double[k];
            for (int j = 0; j < k; j++) {
                // repeated entries (a few distinct values) and zeros in some trials
                d[j] = trial % 3 == 0 ? rnd.nextInt(3) - 1 : rnd.nextGaussian();
            }
            double[][] u = new double[r][k];
            for (double[] v : u) {
                for (int j = 0; j < k; j++) {
                    v[j] = trial % 5 == 0 && j % 2 == 0 ? 0 : rnd.nextGaussian();
                }
            }
            double[] core = io.nclab.nd.SymmetricEigenTest.randomSymmetric(r, rnd);
            if (r >= 2 && trial % 4 == 0) {
                // a singular core: its last row and column a copy of the first
                for (int b = 0; b < r; b++) {
                    core[(r - 1) * r + b] = core[b];
                    core[b * r + r - 1] = core[b];
                }
                core[(r - 1) * r + r - 1] = core[0];
            }
            double[] dense = new double[k * k];
            for (int x = 0; x < k; x++) {
                dense[x * k + x] = d[x];
                for (int y = 0; y < k; y++) {
                    for (int a = 0; a < r; a++) {
                        for (int b = 0; b < r; b++) {
                            dense[x * k + y] += u[a][x] * core[a * r + b] * u[b][y];
                        }
                    }
                }
            }
            LogitHessians h = one(d, u, core);
            assertExtremes(dense, k, r, h.termScale(0), DiagonalPlusLowRank.bisected(h, 0),
                    "trial " + trial + " (K = " + k + ", r = " + r + ")");
        }
    }

    @Test
    void theZeroMatrixAndADiagonalOne() {
        assertEquals(0, DiagonalPlusLowRank.bisected(one(new double[3], new double[0][], new double[0]), 0)[0]);
        double[] ends = DiagonalPlusLowRank.bisected(one(new double[] {2, -1, 5, 0}, new double[0][], new double[0]), 0);
        assertEquals(-1, ends[0], 1e-15);
        assertEquals(5, ends[1], 1e-14);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ce", "ls:alpha=0.1", "focal:gamma=0", "focal:gamma=1", "focal:gamma=3", "focal:gamma=5",
        "mse", "mse:alpha=2,m=15"})
    void logitHessiansOfEveryLossMatchTheDenseSolver(String spec) {
        Loss loss = LossSpec.parse(spec);
        Random rnd = new Random(spec.hashCode());
        for (int k : new int[] {2, 3, 10, 60, 150}) {
            int n = 30;
            for (String kind : List.of("ordinary", "confident", "very confident", "tied", "wrong")) {
                double[] z = new double[k * n];
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    y[i] = rnd.nextInt(k);
                    for (int j = 0; j < k; j++) {
                        z[j * n + i] = 3 * rnd.nextGaussian();
                    }
                    int top = kind.equals("wrong") ? (y[i] + 1) % k : y[i];
                    switch (kind) {
                        case "confident", "wrong" -> z[top * n + i] += 40;
                        case "very confident" -> z[top * n + i] += 600;
                        case "tied" -> {
                            z[top * n + i] = 30;
                            z[((top + 1) % k) * n + i] = 30;
                        }
                        default -> { }
                    }
                }
                try (NDManager m = Nd.newManager()) {
                    NDArray logits = m.create(z, new Shape(k, n));
                    NDArray targets = Nd.oneHotColumns(m, y, k);
                    LogitHessians h = loss.hessians(logits, targets);
                    for (int i = 0; i < n; i++) {
                        double[] ends = DiagonalPlusLowRank.bisected(h, i);
                        assertExtremes(h.dense(i), k, h.ranks()[i], h.termScale(i), ends,
                                spec + " K = " + k + " " + kind + " sample " + i);
                    }
                }
            }
        }
    }

    @Test
    void confidentCrossEntropyKeepsItsTinyEigenvalues() {
        // p_top = 1 − 9e-18·…: the spectrum of diag(p) − ppᵀ is 0 and values of about 1e-18, which a rounding of size
        // ε·1 (p_top − p_top²) would bury
        try (NDManager m = Nd.newManager()) {
            NDArray logits = m.create(new double[] {40, 0, -1}, new Shape(3, 1));
            LogitHessians h = LossSpec.parse("ce").hessians(logits, Nd.oneHotColumns(m, new int[] {0}, 3));
            double[] ends = DiagonalPlusLowRank.bisected(h, 0);
            double p1 = Math.exp(-40);
            double p2 = Math.exp(-41);
            // to first order in p1, p2 the matrix is [[p1 + p2, −p1, −p2], [−p1, p1, 0], [−p2, 0, p2]]: eigenvalues 0
            // (the ones vector) and the roots of λ² − 2(p1 + p2)λ + 3 p1 p2
            double half = p1 + p2;
            double largest = half + Math.sqrt(half * half - 3 * p1 * p2);
            assertTrue(Math.abs(ends[0]) < 1e-30, "smallest " + ends[0]);
            assertEquals(largest, ends[1], 1e-9 * largest, "largest");
        }
    }

    /** A result that breaks the diagonal check (A_xx outside [λ_min, λ_max]) is replaced by the dense solver's. */
    @Test
    void aResultOutsideTheDiagonalIsReplacedByTheDenseOne() {
        LogitHessians h = one(new double[] {1, -2, 3}, new double[][] {{1, 1, 0}}, new double[] {0.5});
        long before = DiagonalPlusLowRank.DENSE.get();
        double[] right = DiagonalPlusLowRank.bisected(h, 0);
        assertEquals(before, DiagonalPlusLowRank.DENSE.get(), "a sound result passes");
        double[] fixed = DiagonalPlusLowRank.checked(new double[] {0, 0}, h, 0);
        assertEquals(before + 1, DiagonalPlusLowRank.DENSE.get());
        assertEquals(right[0], fixed[0], 1e-14);
        assertEquals(right[1], fixed[1], 1e-14);
        // past DENSE_MAX there is no dense fallback: a failed check is an error, not a wrong number
        LogitHessians big = one(new double[DiagonalPlusLowRank.DENSE_MAX + 1], new double[0][], new double[0]);
        org.junit.jupiter.api.Assertions.assertThrows(ArithmeticException.class,
                () -> DiagonalPlusLowRank.checked(new double[] {1, 1}, big, 0));
        // [[1.5, 0.5, 0], [0.5, -1.5, 0], [0, 0, 3]]: -sqrt(2.5) and 3
        assertEquals(-Math.sqrt(2.5), fixed[0], 1e-14);
        assertEquals(3, fixed[1], 1e-14);
    }

    /** From BISECTION_FROM classes the convexity map takes the bisection, with the dense solver's numbers. */
    @Test
    void convexityAtManyClassesTakesTheBisection() {
        int k = DiagonalPlusLowRank.BISECTION_FROM + 22;
        Random rnd = new Random(9);
        double[][] z = new double[40][k];
        for (double[] row : z) {
            for (int j = 0; j < k; j++) {
                row[j] = 3 * rnd.nextGaussian();
            }
        }
        Loss focal = LossSpec.parse("focal:gamma=3");
        double[][] got = LossConvexity.minEigenvalues(focal, z);
        try (NDManager m = Nd.newManager()) {
            LogitHessians h = focal.hessians(Nd.columns(m, z), Nd.oneHotColumns(m, new int[z.length], k));
            for (int i = 0; i < z.length; i++) {
                double[][] rows = new double[k][];
                double[] dense = h.dense(i);
                for (int x = 0; x < k; x++) {
                    rows[x] = Arrays.copyOfRange(dense, x * k, (x + 1) * k);
                }
                double[] values = SymmetricEigen.of(rows, false).values();
                double size = Math.max(Math.abs(values[0]), Math.abs(values[k - 1]));
                assertEquals(values[0], got[0][i], 1e-12 * size, "sample " + i);
                assertEquals(size, got[2][i], 1e-12 * size, "sample " + i);
            }
        }
    }
}
