package io.nclab.curvature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.nclab.loss.LossSpec;
import io.nclab.nd.Nd;
import io.nclab.ufm.UfmObjective;
import io.nclab.ufm.UfmPoint;
import io.nclab.ufm.UfmProblem;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The acceptance at K = 4, d = 8, n = 3: every constructed non-global critical point has
 * ‖∇f‖ &lt; 1e-8 and λ_min &lt; −1e-6, escaping reaches the theory's f* within 1e-6 relative, and the
 * solver's minimiser has λ_min ≥ −1e-8. The reported direction is checked by second differences of f,
 * and the MSE-without-bias numbers against the closed forms of the MSE paper's Lemma B.2.
 */
class SaddleAnalysisTest {
    static final double LAMBDA = 5e-3;

    static Stream<Arguments> problems() {
        return Stream.of(Arguments.of("ce", true), Arguments.of("focal:gamma=3", true),
                Arguments.of("ls:alpha=0.1", true), Arguments.of("mse", true), Arguments.of("mse", false));
    }

    @ParameterizedTest(name = "{0} bias={1}")
    @MethodSource("problems")
    void criticalPointsAreStrictSaddlesAndEscapesReachTheOptimum(String spec, boolean bias) {
        UfmProblem p = UfmProblem.balanced(LossSpec.parse(spec), 4, 8, 3, LAMBDA, LAMBDA, LAMBDA, bias);
        SaddleAnalysis.Report r = SaddleAnalysis.analyse(p, SaddleAnalysis.Settings.standard(0));
        assertEquals("theory", r.globalSource());
        assertEquals(2, r.criticalPoints().size());
        for (SaddleAnalysis.CriticalPoint c : r.criticalPoints()) {
            assertTrue(c.gradNorm() < 1e-8, c.kind() + " gradient norm " + c.gradNorm());
            assertTrue(c.minEigenvalue() < -1e-6, c.kind() + " smallest eigenvalue " + c.minEigenvalue());
            assertTrue(c.escape().reachedGlobal(), c.kind() + " escape gap " + c.escape().relativeGap());
            assertTrue(c.lanczosConverged(), c.kind() + ": Lanczos converged");
            assertTrue(c.objective() > r.globalObjective() * (1 + 1e-6), "a critical point that is not global");
            assertSecondDifferenceMatches(p, c, bias);
        }
        assertTrue(r.escapedToGlobal() != null && r.escapedToGlobal());
        assertTrue(!r.solverStopReason().equals("iteration budget") && r.globalLanczosConverged(),
                "the solve (" + r.solverStopReason() + ") and Lanczos at the minimiser converged");
        assertTrue(r.globalMinEigenvalue() >= -1e-8, "smallest eigenvalue at the minimiser " + r.globalMinEigenvalue());
        assertEquals(r.globalObjective(), r.solverObjective(), 1e-6 * r.globalObjective());
        // the zero eigenvalues at the minimiser are exactly the rotation symmetry's (d = 8 >= K)
        assertEquals(0, r.subspaceModes());
        assertEquals(r.rotationModes(), r.zeroModes());
        assertTrue(r.transverseMinEigenvalue() > 1e-6);

        if (spec.equals("mse") && !bias) {
            int n = 3;
            int big = 12;
            // at W = H = 0 the Hessian's smallest eigenvalue is λ − σ_max(Y)/N with σ_max(Y) = √n (λ_W = λ_H)
            assertEquals(LAMBDA - Math.sqrt(n) / big, r.criticalPoints().get(0).minEigenvalue(), 1e-10);
            // Lemma B.2 with d = r < K: f = r(τσ − Nτ²/2) + (K − r)σ²/(2N), σ = √n, τ = √(λ_Wλ_H)
            int rank = r.criticalPoints().get(1).rank();
            double expected = rank * (LAMBDA * Math.sqrt(n) - big * LAMBDA * LAMBDA / 2) + (4 - rank) * n / (2.0 * big);
            assertEquals(expected, r.criticalPoints().get(1).objective(), 1e-12);
        }
    }

    @org.junit.jupiter.api.Test
    void whereTheOriginIsTheMinimiserItIsTheOnlyPointAndHasNoOrbit() {
        for (String spec : new String[] {"ce", "mse"}) {
            UfmProblem p = UfmProblem.balanced(LossSpec.parse(spec), 4, 8, 3, 0.3, 0.3, 0.3, true);
            SaddleAnalysis.Report r = SaddleAnalysis.analyse(p, SaddleAnalysis.Settings.standard(0));
            assertEquals(1, r.criticalPoints().size(), spec + ": no rank-deficient point besides the origin");
            assertEquals(0, r.rotationModes(), spec);
            assertEquals(0, r.zeroModes(), spec);
        }
    }

    @ParameterizedTest(name = "mse bias={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void mseBelowTheTargetsRankHasTheSubspacesZeroModesToo(boolean bias) {
        // K = 4, d = 2: the best rank-2 approximation of q = 3 (bias) or 4 (no bias) equal singular values
        UfmProblem p = UfmProblem.balanced(LossSpec.parse("mse"), 4, 2, 3, LAMBDA, LAMBDA, LAMBDA, bias);
        SaddleAnalysis.Report r = SaddleAnalysis.analyse(p, SaddleAnalysis.Settings.standard(0));
        assertEquals(bias ? 2 : 4, r.subspaceModes());
        assertEquals(1, r.rotationModes());
        assertEquals(r.rotationModes() + r.subspaceModes(), r.zeroModes());
    }

    /** (f(x + εy) + f(x − εy) − 2f(x))/ε² ≈ yᵀ∇²f y = λ for the reported unit direction y. */
    private static void assertSecondDifferenceMatches(UfmProblem p, SaddleAnalysis.CriticalPoint c, boolean bias) {
        try (NDManager m = Nd.newManager(); UfmObjective f = new UfmObjective(p, m)) {
            double[] x;
            try (UfmPoint at = c.kind().equals("origin") ? SaddleAnalysis.origin(f, m)
                    : SaddleAnalysis.rankDeficient(p, m, c.rank(), SaddleAnalysis.Settings.standard(0))) {
                x = UfmHessian.flatten(p, at);
            }
            double[] y = c.direction();
            assertEquals(1.0, Lanczos.dot(y, y), 1e-10);
            double eps = 1e-4;
            double[] plus = x.clone();
            double[] minus = x.clone();
            Lanczos.axpy(eps, y, plus);
            Lanczos.axpy(-eps, y, minus);
            double fp;
            double fm;
            double f0;
            try (UfmPoint a = UfmHessian.unflatten(p, m, plus); UfmPoint b = UfmHessian.unflatten(p, m, minus);
                    UfmPoint o = UfmHessian.unflatten(p, m, x)) {
                fp = f.value(a);
                fm = f.value(b);
                f0 = f.value(o);
            }
            double curvature = (fp + fm - 2 * f0) / (eps * eps);
            assertEquals(c.minEigenvalue(), curvature, 1e-5 * Math.max(1, Math.abs(c.minEigenvalue())),
                    c.kind() + " curvature along the direction");
        }
    }

    /** The origin's b is a critical point of the whole UFM on imbalanced classes, where Newton has work to do. */
    @Test
    void theOriginsBiasMakesTheWholeGradientVanishOnImbalancedClasses() {
        for (String spec : new String[] {"ce", "ls:alpha=0.2", "focal:gamma=2", "mse:alpha=2,m=3"}) {
            UfmProblem p = new UfmProblem(LossSpec.parse(spec), 3, 4, new int[] {1, 3, 6}, 1e-2, 1e-2, 5e-2, true);
            try (NDManager m = Nd.newManager(); UfmObjective f = new UfmObjective(p, m);
                    UfmPoint at = SaddleAnalysis.origin(f, m); UfmPoint g = f.gradient(at)) {
                assertEquals(0.0, at.wNorm(), 0.0, spec);
                assertEquals(0.0, at.hNorm(), 0.0, spec);
                assertTrue(at.bNorm() > 1e-3, spec + ": imbalance moves b away from 0");
                assertTrue(g.norm() < 1e-13, spec + ": |grad f| = " + g.norm());
            }
        }
    }
}
