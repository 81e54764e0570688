package io.nclab.theory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.loss.Loss;
import io.nclab.loss.LossSpec;
import io.nclab.ufm.UfmProblem;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TheoryTest {

    /**
     * Small weight decays put t* far below L(0)/c, where the scalar problem's coarse grid used to miss
     * it; checked against an 80-digit solution (mpmath, log1p) of min_t log(1 + 2e^{−3t/2}) + c·t, CE with
     * K = 3, n = 2, c = 3·√2·λ, down to λ = 1e-150, where L(z(t*)) is 1e-148 (a plain log-softmax left the
     * optimum's loss at λ = 1e-13 about 1e-5 off). Below c = 1e-300 (underflow) there is no prediction.
     */
    @Test
    void smallWeightDecaysMatchAHighPrecisionSolutionOrGiveNoPrediction() {
        double[][] cases = {
            {1e-8, 12.049404750258747447, 5.3949722013762341556e-7},
            {1e-13, 19.724688412428225597, 8.6513192724064878826e-12},
            {1e-150, 230.02746023921791997, 9.7875228909036574967e-148},
        };
        for (double[] c : cases) {
            UfmProblem p = UfmProblem.balanced(LossSpec.parse("ce"), 3, 4, 2, c[0], c[0], 5e-3, true);
            TheoryPrediction t = TheoryOracle.predict(p);
            assertEquals(c[2], t.objective(), 1e-13 * c[2], "objective at lambda " + c[0]);
            assertEquals(c[1], t.t(), 1e-13 * c[1], "t* at lambda " + c[0]);
        }
        for (double lambda : new double[] {1e-301, 1e-305}) {
            UfmProblem tiny = UfmProblem.balanced(LossSpec.parse("ce"), 3, 4, 2, lambda, lambda, 5e-3, true);
            assertNull(TheoryOracle.predict(tiny));
            assertTrue(TheoryOracle.whyNot(tiny).contains("too small for float64"), TheoryOracle.whyNot(tiny));
        }
    }

    /** Weight decays so large that K·sqrt(nλ_Wλ_H) overflows still give the W = H = 0 optimum, log K for CE. */
    @Test
    void hugeWeightDecaysGiveTheOrigin() {
        for (double lambda : new double[] {1e300, 1e308}) {
            TheoryPrediction t = TheoryOracle.predict(UfmProblem.balanced(LossSpec.parse("ce"), 4, 8, 20, lambda, lambda,
                    5e-3, true));
            assertEquals(Math.log(4), t.objective(), 1e-15, "lambda " + lambda);
            assertEquals(0, t.t());
        }
    }

    /** The scalar problem against a brute-force scan of L(z(t)) + c t. */
    @ParameterizedTest
    @ValueSource(strings = {"ce", "focal:gamma=1", "focal:gamma=3", "ls:alpha=0.1", "ls:alpha=0.4"})
    void scalarProblemMatchesABruteForceScan(String spec) {
        Loss loss = LossSpec.parse(spec);
        for (double c : new double[] {0.01, 0.1, 0.3}) {
            double[] sol = ContrastiveTheory.solveScalar(loss, 7, c);
            int m = 200001;
            double[] ts = new double[m];
            for (int i = 0; i < m; i++) {
                ts[i] = 40.0 * i / (m - 1);
            }
            // L(z(t)) is φ of Definition 1 at the contrast −K t (the same column shifted by a constant,
            // which the softmax losses do not see): an independent path to the same function.
            double best = Double.POSITIVE_INFINITY;
            double[] phi = ContrastiveProperty.phi(loss, 7, negatedContrast(ts, 7));
            for (int i = 0; i < m; i++) {
                best = Math.min(best, phi[i] + c * ts[i]);
            }
            assertTrue(sol[1] <= best + 1e-14, spec + " c=" + c + ": " + sol[1] + " vs scan " + best);
            assertTrue(sol[1] >= best - 1e-7, spec + " c=" + c + ": " + sol[1] + " vs scan " + best);
        }
    }

    /** z(t) has the contrast Σ_{j≠k}(z_j − z_k) = (K−1)(−t/(K−1) − t) = −K t. */
    private static double[] negatedContrast(double[] ts, int k) {
        double[] out = new double[ts.length];
        for (int i = 0; i < ts.length; i++) {
            out[i] = -k * ts[i];
        }
        return out;
    }

    @Test
    void mseThresholdIsOneOverKN() {
        int k = 5;
        int n = 4;
        double threshold = 1.0 / (k * k * n);
        double below = Math.sqrt(threshold) * 0.999;
        double above = Math.sqrt(threshold) * 1.001;
        UfmProblem p1 = UfmProblem.balanced(LossSpec.parse("mse"), k, 8, n, below, below, 0.1, true);
        UfmProblem p2 = UfmProblem.balanced(LossSpec.parse("mse"), k, 8, n, above, above, 0.1, true);
        assertFalse(TheoryOracle.predict(p1).regime().startsWith("zero"));
        assertTrue(TheoryOracle.predict(p2).regime().startsWith("zero"));
    }

    /** The oracle's b* against a brute-force scan of f(β) built from the singular values directly. */
    @Test
    void mseBiasMatchesABruteForceScan() {
        for (double lb : new double[] {0, 1e-3, 0.05, 0.5, 5}) {
            for (int d : new int[] {2, 4, 5, 9}) {
                UfmProblem p = UfmProblem.balanced(LossSpec.parse("mse"), 5, d, 3, 2e-2, 1e-2, lb, true);
                TheoryPrediction t = TheoryOracle.predict(p);
                double best = Double.POSITIVE_INFINITY;
                for (int i = -20000; i <= 60000; i++) {
                    double beta = i * 1e-5;
                    best = Math.min(best, naiveObjective(5, 3, d, 2e-2, 1e-2, lb, beta));
                }
                assertTrue(t.objective() <= best + 1e-15, "lb=" + lb + " d=" + d);
                assertTrue(t.objective() >= best - 1e-9, "lb=" + lb + " d=" + d + " " + t.objective() + " " + best);
                assertEquals(t.objective(), naiveObjective(5, 3, d, 2e-2, 1e-2, lb, t.b()[0]), 1e-14);
            }
        }
    }

    /**
     * f(β) the slow way: the singular values of Y − β11ᵀ from a dense SVD (EJML), soft-thresholded,
     * plus λ_b K β²/2.
     */
    static double naiveObjective(int k, int n, int d, double lw, double lh, double lb, double beta) {
        int bigN = k * n;
        org.ejml.data.DMatrixRMaj a = new org.ejml.data.DMatrixRMaj(k, bigN);
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < bigN; i++) {
                a.set(c, i, (i / n == c ? 1 : 0) - beta);
            }
        }
        var svd = org.ejml.dense.row.factory.DecompositionFactory_DDRM.svd(k, bigN, false, false, true);
        if (!svd.decompose(a)) {
            throw new IllegalStateException("SVD failed");
        }
        double[] sv = java.util.Arrays.copyOf(svd.getSingularValues(), svd.numberOfSingularValues());
        java.util.Arrays.sort(sv);
        double tau = Math.sqrt(lw * lh);
        double f = 0;
        for (int i = sv.length - 1, rank = 0; i >= 0; i--, rank++) {
            double s = sv[i];
            if (rank < d && s > bigN * tau) {
                f += tau * s - bigN * tau * tau / 2;
            } else {
                f += s * s / (2.0 * bigN);
            }
        }
        return f + 0.5 * lb * k * beta * beta;
    }

    @Test
    void noTheoryWhereNoneApplies() {
        UfmProblem imbalanced = new UfmProblem(LossSpec.parse("ce"), 3, 8, new int[] {2, 3, 4}, 1e-2, 1e-2, 1e-2, true);
        assertNull(TheoryOracle.predict(imbalanced));
        UfmProblem smallD = UfmProblem.balanced(LossSpec.parse("ce"), 10, 5, 3, 1e-2, 1e-2, 1e-2, true);
        assertNull(TheoryOracle.predict(smallD));
        UfmProblem weighted = UfmProblem.balanced(LossSpec.parse("mse:alpha=2,m=3"), 4, 8, 3, 1e-2, 1e-2, 1e-2, true);
        assertNull(TheoryOracle.predict(weighted));
        UfmProblem imbalancedNoBias =
                new UfmProblem(LossSpec.parse("mse"), 3, 8, new int[] {2, 3, 4}, 1e-2, 1e-2, 0, false);
        assertNotNull(TheoryOracle.predict(imbalancedNoBias));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ce", "focal:gamma=1", "focal:gamma=3", "ls:alpha=0.1"})
    void theContrastiveLossesHaveTheProperty(String spec) {
        ContrastiveProperty.Report r = ContrastiveProperty.check(LossSpec.parse(spec), 5, 5000, 1);
        assertTrue(r.holds(), spec + " " + Map.of("gap", r.worstGap()));
    }

    /**
     * CE and label smoothing have t* in closed form: with β = α(K−1)/K + (K−1)√(nλ_Wλ_H), the margin s = t·K/(K−1)
     * is ln((K−1)(1 − β)/β). Checked where the library's log-softmax lost digits (K in the thousands: its sum of K
     * terms next to 1 left t* 4.5e-10 off) and where 1 − fl(1 − α + α/K) lost α (α below ε: t* was 13% off).
     */
    @Test
    void theSoftmaxLossesMinimisersAreTheClosedFormAtAnyKAndAlpha() {
        Object[][] cases = { // loss, alpha, K, n, lambda
            {"ce", 0.0, 10000, 1, 1e-8}, {"ce", 0.0, 2000, 1, 1e-8}, {"ce", 0.0, 1000, 1, 1e-5}, {"ce", 0.0, 10, 20, 5e-4},
            {"ls:alpha=1e-20", 1e-20, 1000, 1, 1e-100}, {"ls:alpha=1e-30", 1e-30, 10, 20, 1e-100},
            {"ls:alpha=1e-16", 1e-16, 10, 20, 1e-30}, {"ls:alpha=0.1", 0.1, 10, 20, 5e-4},
        };
        for (Object[] c : cases) {
            int k = (int) c[2];
            int n = (int) c[3];
            double lambda = (double) c[4];
            double beta = (double) c[1] * (k - 1) / k + (k - 1) * Math.sqrt(n * lambda * lambda);
            double exact = Math.log((k - 1) * (1 - beta) / beta) * (k - 1) / k;
            TheoryPrediction t = TheoryOracle.predict(UfmProblem.balanced(LossSpec.parse((String) c[0]), k, k, n, lambda,
                    lambda, 5e-3, true));
            assertEquals(exact, t.t(), 1e-14 * exact, c[0] + " K=" + k + " lambda=" + lambda);
        }
    }

    /**
     * For CE, φ(t) = log(1 + (K−1)e^{t/(K−1)}) (losses paper, eq. 8), so t* = argmin φ(t) + c|t| is (K−1)·ln(c/(1 −
     * (K−1)c)) exactly; the grid alone had it 0.06 off at c = 1e-3.
     */
    @Test
    void crossEntropysMinimisersAreTheClosedForm() {
        for (int k : new int[] {4, 10}) {
            ContrastiveProperty.Report r = ContrastiveProperty.check(LossSpec.parse("ce"), k, 100, 1);
            for (int i = 0; i < r.cs().length; i++) {
                double c = r.cs()[i];
                double exact = c * (k - 1) < 1 ? Math.min(0, (k - 1) * Math.log(c / (1 - (k - 1) * c))) : 0;
                assertEquals(exact, r.minimisers()[i], 1e-6 * Math.max(1, Math.abs(exact)), "K=" + k + " c=" + c);
            }
        }
    }

    /**
     * The scalar problem's grid is evaluated in pieces whose arrays go when the piece is done: they were attached to
     * the path until the end, about 1 GB per 10,000 classes.
     */
    @Test
    void theScalarPathKeepsNoArraysOfItsGrid() {
        try (ContrastiveTheory.Path path = new ContrastiveTheory.Path(LossSpec.parse("ce"), 200)) {
            int before = path.heldArrays();
            double[] ts = new double[4001];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = 0.01 * i;
            }
            double[] v = path.values(ts);
            path.derivatives(1.0);
            assertEquals(before, path.heldArrays());
            // and the pieces give the values a single piece does
            double[] one = path.values(new double[] {ts[3000]});
            assertEquals(one[0], v[3000], 0);
        }
    }

    @Test
    void mseDoesNotHaveTheProperty() {
        ContrastiveProperty.Report r = ContrastiveProperty.check(LossSpec.parse("mse"), 5, 5000, 1);
        assertFalse(r.holds());
        assertTrue(r.worstGap() < -1e-3);
    }
}
