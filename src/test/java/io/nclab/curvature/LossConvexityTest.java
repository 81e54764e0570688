package io.nclab.curvature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.loss.LossSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CE and LS are convex in logit space everywhere; the focal loss's PSD threshold in p_k matches the
 * scalar condition derived by hand: with ∇²L = a′uuᵀ − a(diag p − ppᵀ), u = e_k − p and
 * uᵀ(diag p − ppᵀ)⁺u = (1 − q)/q, the Hessian is PSD iff 1 + 2γ + γ log q (1 − (1 + γ)q)/(1 − q) ≥ 0
 * (q = p_k), which depends on q alone.
 */
class LossConvexityTest {

    @ParameterizedTest
    @ValueSource(strings = {"ce", "ls:alpha=0.1", "ls:alpha=0.5", "focal:gamma=0"})
    void softmaxCrossEntropiesArePsdEverywhere(String spec) {
        LossConvexity.Report r = LossConvexity.analyse(LossSpec.parse(spec), 5, 1500, 10, 1);
        assertTrue(r.psdEverywhere(), spec + " smallest eigenvalue " + r.minEigenvalue());
        assertTrue(r.minEigenvalue() > -1e-12);
    }

    @ParameterizedTest
    @ValueSource(doubles = {1, 2, 3, 5})
    void focalThresholdMatchesTheScalarCondition(double gamma) {
        LossConvexity.Report r = LossConvexity.analyse(LossSpec.parse("focal:gamma=" + gamma), 5, 1500, 10, 2);
        double expected = scalarThreshold(gamma);
        assertEquals(expected, r.threshold(), 1e-6, "gamma " + gamma);
        assertTrue(expected < 0.21, "the paper's 0.21 is sufficient: the true threshold lies below it");
        for (LossConvexity.Bin b : r.bins()) {
            if (b.lo() > expected) {
                assertEquals(0, b.notPsd(), "no failure above the threshold, bin " + b.lo());
            }
        }
    }

    @Test
    void focalFailsBelowTheThreshold() {
        LossConvexity.Report r = LossConvexity.analyse(LossSpec.parse("focal:gamma=3"), 4, 1500, 10, 3);
        assertTrue(!r.psdEverywhere() && r.minEigenvalue() < -1e-3);
        assertTrue(r.bins().get(0).notPsd() > 0);
    }

    @Test
    void largeClassCountsAreDecomposedAChunkAtATimeWithTheSameResults() {
        // K = 300: 44 samples to a chunk, so 50 samples take two chunks; each sample alone takes none
        long chunkElements = LossConvexity.chunkElements;
        LossConvexity.chunkElements = 44 * 300;
        try {
            chunkedAsOne();
        } finally {
            LossConvexity.chunkElements = chunkElements;
        }
    }

    private static void chunkedAsOne() {
        java.util.Random rnd = new java.util.Random(4);
        double[][] z = new double[50][300];
        for (double[] row : z) {
            for (int j = 0; j < row.length; j++) {
                row[j] = 3 * rnd.nextGaussian();
            }
        }
        io.nclab.loss.Loss focal = LossSpec.parse("focal:gamma=3");
        double[][] all = LossConvexity.minEigenvalues(focal, z);
        for (int i = 0; i < z.length; i++) {
            double[][] one = LossConvexity.minEigenvalues(focal, new double[][] {z[i]});
            for (int r = 0; r < 3; r++) {
                assertEquals(one[r][0], all[r][i], 1e-12 * Math.max(1, Math.abs(one[r][0])), "sample " + i);
            }
        }
    }

    /** The root of 1 + 2γ + γ log q (1 − (1 + γ)q)/(1 − q) in (0, 1/(1 + γ)), by bisection. */
    static double scalarThreshold(double gamma) {
        double lo = 1e-12;
        double hi = 1 / (1 + gamma);
        for (int i = 0; i < 200; i++) {
            double q = 0.5 * (lo + hi);
            double g = 1 + 2 * gamma + gamma * Math.log(q) * (1 - (1 + gamma) * q) / (1 - q);
            if (g < 0) {
                lo = q;
            } else {
                hi = q;
            }
        }
        return 0.5 * (lo + hi);
    }

    /** A sample's bin is the one whose reported bounds hold it, as scanning every bin found it. */
    @Test
    void eachPkFallsInTheBinWhoseBoundsHoldIt() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (int bins : new int[] {1, 3, 7, 20, 1000}) {
            double[] ps = new double[2000];
            for (int i = 0; i < ps.length; i++) {
                ps[i] = i < bins + 1 ? i / (double) bins : r.nextDouble(); // every bound exactly, then random
            }
            for (double p : ps) {
                int scanned = -1;
                for (int b = 0; b < bins; b++) {
                    if (p >= b / (double) bins && (p < (b + 1) / (double) bins || b == bins - 1)) {
                        scanned = b;
                        break;
                    }
                }
                assertEquals(scanned, LossConvexity.binOf(p, bins), p + " of " + bins);
            }
        }
        assertEquals(-1, LossConvexity.binOf(Double.NaN, 4));
    }
}
