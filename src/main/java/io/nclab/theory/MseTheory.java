package io.nclab.theory;

import io.nclab.loss.RescaledMse;
import io.nclab.ufm.UfmProblem;
import java.util.Arrays;

/**
 * The global optimum of the UFM with the squared error L = ½‖z − M y‖² (α = 1; M = 1 is the MSE
 * paper's vanilla problem (3)), following the MSE paper's Theorem 3.1 in every regime of d, K and the
 * weight decays.
 *
 * <p>The computation is the one behind the theorem's proof. For a fixed bias, with A = MY − b1ᵀ and
 * τ = √(λ_Wλ_H),
 *
 * <pre>
 *   min_{W,H} (1/2N)‖WH − A‖² + λ_W/2‖W‖² + λ_H/2‖H‖²
 *     = min_{rank Z ≤ d} (1/2N)‖Z − A‖² + τ‖Z‖_*
 *     = Σ_{i ≤ d} g(σ_i(A)) + Σ_{i > d} σ_i(A)²/(2N),
 * </pre>
 *
 * with g(σ) = σ²/(2N) if σ ≤ Nτ and τσ − Nτ²/2 otherwise (singular-value soft thresholding of the top
 * d singular values). In the balanced case b* = β1 (Theorem 3.1) and A has the singular values M√n
 * (K−1 times, on 1⊥) and √n|M − βK| (on 1), so f is a function of β alone. Its minimiser is one of
 * the stationary points of its smooth pieces, β = M/(K(1+λ_b)) and β = √(nλ_Wλ_H)/λ_b, or one of
 * their break points; all are evaluated and the best taken. Without bias β = 0, and then class counts
 * may differ (σ_k = M√n_k).
 *
 * <p>Everything is zero (W* = H* = 0) once λ_Wλ_H ≥ max σ²/N², which for vanilla balanced MSE reads
 * λ_Wλ_H ≥ 1/(KN), the theorem's threshold.
 */
public final class MseTheory {
    private MseTheory() {}

    /** The prediction, or null where the theorem does not apply (α ≠ 1, λ_Wλ_H = 0, or imbalanced with bias). */
    public static TheoryPrediction predict(UfmProblem p) {
        if (!(p.loss() instanceof RescaledMse mse) || mse.alpha() != 1 || !(p.lambdaW() > 0 && p.lambdaH() > 0)) {
            return null; // with λ_W or λ_H = 0, rescaling W and H approaches the infimum without reaching it
        }
        int k = p.classes();
        int n = p.samples();
        double m = mse.m();
        double tau = Math.sqrt(p.lambdaW()) * Math.sqrt(p.lambdaH()); // no underflow of λ_Wλ_H
        if (!p.bias()) {
            int[] counts = p.classCounts();
            double[] sigma = new double[k];
            for (int c = 0; c < k; c++) {
                sigma[c] = m * Math.sqrt(counts[c]);
            }
            Solution s = solve(sigma, p.dim(), n, tau, p);
            return s.prediction(new double[k], Double.NaN, regime(p, s, "no bias"));
        }
        if (!p.balanced()) {
            return null;
        }
        int perClass = p.perClass();
        double lb = p.lambdaB();
        double[] candidates = {
            m / (k * (1 + lb)),
            lb > 0 ? Math.sqrt(perClass) * tau / lb : Double.NaN,
            0,
            m / k,
            (m - n * tau / Math.sqrt(perClass)) / k,
            (m + n * tau / Math.sqrt(perClass)) / k,
            2 * m / k,
        };
        double bestBeta = Double.NaN;
        double best = Double.POSITIVE_INFINITY;
        Solution bestSolution = null;
        for (double beta : candidates) {
            if (!Double.isFinite(beta)) {
                continue;
            }
            Solution s = solve(balancedSigma(k, perClass, m, beta), p.dim(), n, tau, p);
            double f = s.objective + 0.5 * lb * k * beta * beta;
            if (f < best) {
                best = f;
                bestBeta = beta;
                bestSolution = s;
            }
        }
        double[] b = new double[k];
        Arrays.fill(b, bestBeta);
        Solution s = bestSolution.withObjective(best);
        String branch = bestBeta == candidates[1] ? "large lambda_b" : "small lambda_b";
        return s.prediction(b, Double.NaN, regime(p, s, branch));
    }

    /** The singular values of MY − β11ᵀ for balanced Y. */
    static double[] balancedSigma(int k, int perClass, double m, double beta) {
        double[] sigma = new double[k];
        Arrays.fill(sigma, 0, k - 1, m * Math.sqrt(perClass));
        sigma[k - 1] = Math.sqrt(perClass) * Math.abs(m - beta * k);
        return sigma;
    }

    private static String regime(UfmProblem p, Solution s, String biasBranch) {
        int k = p.classes();
        if (s.kept == 0) {
            return "zero (W = H = 0)";
        }
        if (!p.bias()) {
            // without a bias the targets are Y itself, K equal singular values: the threshold is d = K, and for
            // d >= K the optimal W has orthogonal rows of equal norm (an orthogonal frame, not a simplex ETF)
            return p.dim() < k ? "d < K, no bias (best rank-d approximation of Y)"
                    : "d >= K, no bias (W an orthogonal frame)";
        }
        String dims = p.dim() < k - 1 ? "d < K-1 (best rank-d approximation)" : p.dim() == k - 1 ? "d = K-1"
                : "d >= K";
        return p.dim() >= k ? dims + ", " + biasBranch : dims;
    }

    /** f restricted to W, H for fixed singular values of A. */
    private record Solution(double objective, int kept, double nuclear, double wNorm, double hNorm, boolean equalRows,
            UfmProblem problem) {
        Solution withObjective(double f) {
            return new Solution(f, kept, nuclear, wNorm, hNorm, equalRows, problem);
        }

        TheoryPrediction prediction(double[] b, double t, String regime) {
            double rowNorm = equalRows ? wNorm / Math.sqrt(problem.classes()) : Double.NaN;
            return new TheoryPrediction(objective, t, b, rowNorm, wNorm, hNorm, regime);
        }
    }

    private static Solution solve(double[] sigmaIn, int d, int n, double tau, UfmProblem p) {
        double[] sigma = sigmaIn.clone();
        Arrays.sort(sigma);
        double f = 0;
        double nuclear = 0;
        int kept = 0;
        int k = sigma.length;
        for (int i = k - 1; i >= 0; i--) {
            double s = sigma[i];
            boolean inBudget = (k - 1 - i) < d;
            if (inBudget && s > n * tau) {
                f += tau * s - n * tau * tau / 2;
                nuclear += s - n * tau;
                kept++;
            } else {
                f += s * s / (2.0 * n);
            }
        }
        // At the optimum λ_W‖W‖² = λ_H‖H‖² = τ‖Z‖_*.
        double wNorm = p.lambdaW() > 0 ? Math.sqrt(tau * nuclear / p.lambdaW()) : Double.NaN;
        double hNorm = p.lambdaH() > 0 ? Math.sqrt(tau * nuclear / p.lambdaH()) : Double.NaN;
        // Equal row norms where the kept singular directions are determined: with a bias the K − 1 centred ones
        // (d >= K − 1); without, Y's K equal singular values leave any d of them optimal for d < K, and the rows
        // of such a W need not have equal norms
        boolean equalRows = p.balanced() && (p.dim() >= (p.bias() ? p.classes() - 1 : p.classes()) || kept == 0);
        return new Solution(f, kept, nuclear, wNorm, hNorm, equalRows, p);
    }
}
