package io.nclab.curvature;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nclab.loss.RescaledMse;
import io.nclab.nd.Nd;
import io.nclab.nd.SymmetricEigen;
import io.nclab.optim.Lbfgs;
import io.nclab.optim.Monitor;
import io.nclab.optim.OptimResult;
import io.nclab.optim.StopRule;
import io.nclab.theory.TheoryOracle;
import io.nclab.theory.TheoryPrediction;
import io.nclab.ufm.UfmObjective;
import io.nclab.ufm.UfmPoint;
import io.nclab.ufm.UfmProblem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;

/**
 * The strict-saddle claims made checkable: Theorem 2 and Corollaries 1–2 of the losses paper, Theorems
 * 3.2–3.3 of the MSE paper. Every critical point of the UFM objective is a global minimiser or has a
 * direction of negative curvature.
 *
 * <ol>
 *   <li>Critical points that are not global minimisers are built: the origin W = 0, H = 0 with b at
 *       its optimum given W = H = 0 (Newton on b), and a rank-deficient one: the minimiser of the same
 *       problem with feature dimension r below the rank of the global solution, padded with zeros.
 *       The set {W[:, r:] = 0, H[r:, :] = 0} is invariant (there ∇_W f[:, r:] = G H[r:, :]ᵀ + λ_W W[:, r:]
 *       = 0 and likewise for H), so its critical points are critical points of f. r = K − 2 for the
 *       contrastive losses and for MSE with bias (whose optima have rank K − 1); r = K − 1 for MSE without
 *       bias (optimum of rank K), which leaves one singular value of Y uncovered, as in the proof of the
 *       MSE paper's Lemma B.2.</li>
 *   <li>At each: the gradient norm, the smallest Hessian eigenvalue and its unit eigenvector
 *       (Lanczos on {@link UfmHessian} products).</li>
 *   <li>Escape: a step along that direction, then L-BFGS; if the solver stops at another saddle (the
 *       step keeps the iterate in a low-rank invariant set, so it can), the Hessian is asked again and
 *       the escape repeated, until the smallest eigenvalue is no longer negative. The end is compared
 *       with the theory oracle's f*.</li>
 *   <li>At the minimiser L-BFGS finds from a random start: the smallest eigenvalue, which must be
 *       ≥ −tolerance. The rotations (W, H) ↦ (WR, RᵀH) leave f unchanged, so the minimiser has zero
 *       eigenvalues; for small problems the dense spectrum counts them and compares the count with the
 *       dimension of the rotation orbit, d(d−1)/2 − (d−r)(d−r−1)/2 with r = dim(row W + col H), and
 *       reports the smallest eigenvalue beyond them.</li>
 * </ol>
 */
public final class SaddleAnalysis {
    private SaddleAnalysis() {}

    /**
     * @param seed the seed of the random start of the solver and of Lanczos
     * @param negativeTolerance an eigenvalue below −this is negative curvature; |λ| ≤ this is zero
     * @param lanczos the eigen-solver's settings
     * @param solverIterations the L-BFGS budget of each solve
     * @param solverTolerance the gradient norm at which L-BFGS stops
     * @param maxRounds the most escapes tried from one critical point
     * @param escape whether to run the escapes at all
     * @param denseLimit the largest dimension for which the dense spectrum is computed
     */
    public record Settings(long seed, double negativeTolerance, Lanczos.Settings lanczos, int solverIterations,
            double solverTolerance, int maxRounds, boolean escape, int denseLimit) {
        public static Settings standard(long seed) {
            return new Settings(seed, 1e-8, Lanczos.Settings.standard(1e-10), 5000, 1e-12, 12, true, 1500);
        }
    }

    /** One escape: the step taken, then where the solver stopped and the curvature there. */
    public record Round(double step, double objectiveAfterStep, int iterations, double objective, double gradNorm,
            double minEigenvalue) {}

    /** The escapes from one critical point, and whether they reached the global objective. */
    public record Escape(List<Round> rounds, double objective, boolean reachedGlobal, double relativeGap) {}

    /**
     * A constructed critical point.
     *
     * @param kind "origin" or "rank_deficient"
     * @param rank r, the feature dimensions it uses (0 at the origin)
     * @param objective f there
     * @param gradNorm ‖∇f‖ there
     * @param minEigenvalue the smallest Hessian eigenvalue
     * @param eigenResidual ‖∇²f y − λ y‖ of the returned eigenvector y
     * @param lanczosProducts the Hessian-vector products Lanczos used
     * @param point the critical point x, flat (W, H, b) as {@link UfmHessian#flatten} lays it out
     * @param direction the unit eigenvector y of the smallest eigenvalue (a negative-curvature direction where
     *     that is below zero), flat like {@code point}
     * @param escape the escapes (null when not run)
     * @param lanczosConverged whether Lanczos met its residual tolerance within its budget of products
     */
    public record CriticalPoint(String kind, int rank, double objective, double gradNorm, double minEigenvalue,
            double eigenResidual, int lanczosProducts, double[] point, double[] direction, Escape escape,
            boolean lanczosConverged) {}

    /**
     * The whole analysis.
     *
     * @param criticalPoints the constructed non-global critical points
     * @param escapedToGlobal whether every escape reached the global objective (within 1e-6 relative);
     *     null when the escapes were not run
     * @param globalObjective the oracle's f*, or the solver's best where no theorem applies
     * @param globalSource "theory" or "solver"
     * @param solverObjective f at the minimiser L-BFGS found from a random start
     * @param globalGradNorm ‖∇f‖ there
     * @param globalMinEigenvalue the smallest Hessian eigenvalue there (Lanczos)
     * @param globalLanczosProducts the products it took
     * @param globalLanczosSeconds the time Lanczos took there
     * @param zeroModes eigenvalues with |λ| ≤ tolerance in the dense spectrum (null above the dense limit)
     * @param rotationModes the dimension of the rotation orbit through the minimiser
     * @param subspaceModes the zero modes from a non-unique best rank-d subspace ({@link #subspaceModes})
     * @param transverseMinEigenvalue the smallest eigenvalue above the zero modes (null above the dense limit)
     * @param secondsPerProduct the mean time of one Hessian-vector product at the minimiser
     * @param secondsPerGradient the mean time of one gradient there
     * @param solverStopReason why L-BFGS from the random start stopped: "gradient tolerance", at machine precision
     *     ("line search found no decrease ..."), or "iteration budget", where the solve did not converge (and f* from
     *     the solver, and every "reached f*", rest on it)
     * @param globalLanczosConverged whether Lanczos at that minimiser met its residual tolerance
     */
    public record Report(List<CriticalPoint> criticalPoints, Boolean escapedToGlobal, double globalObjective,
            String globalSource, double solverObjective, double globalGradNorm, double globalMinEigenvalue,
            int globalLanczosProducts, double globalLanczosSeconds, Integer zeroModes, int rotationModes,
            int subspaceModes, Double transverseMinEigenvalue, double secondsPerProduct, double secondsPerGradient,
            String solverStopReason, boolean globalLanczosConverged) {}

    /**
     * Zero modes at an MSE minimiser beyond the rotation orbit: with d below q, the multiplicity of the target's
     * one singular value (q = K − 1 with a bias, whose optimum centres the targets; K without), the optimum
     * is a best rank-d approximation of a matrix whose top q singular values are equal, so any d-dimensional
     * subspace of that q-dimensional singular space gives one: a Grassmannian of dimension d(q − d). Zero
     * for d ≥ q and for the contrastive losses (their theory needs d ≥ K − 1).
     */
    public static int subspaceModes(UfmProblem p) {
        if (!(p.loss() instanceof RescaledMse) || !p.balanced()) {
            return 0; // imbalanced classes: the targets' singular values differ (√n_k), no degenerate space
        }
        int q = p.bias() ? p.classes() - 1 : p.classes();
        int d = p.dim();
        return d < q ? d * (q - d) : 0;
    }

    /**
     * The largest problem {@link #analyse} takes, in parameters Kd + dN + K: Lanczos keeps a basis of
     * {@code Lanczos.Settings.standard} 40 vectors of that length on the Java heap and L-BFGS 20 more
     * natively, about 60 × 8 bytes × 2·10⁶ ≈ 1 GB.
     */
    public static final long MAX_PARAMETERS = 2_000_000;

    /**
     * The largest problem in logits K·N: the objective and each Hessian-vector product hold about ten K × N
     * arrays of doubles (logits, targets, probabilities, gradient, the product's intermediates), about
     * 10 × 8 bytes × 2·10⁷ ≈ 1.6 GB.
     */
    public static final long MAX_LOGITS = 20_000_000;

    /** The rank r of the constructed rank-deficient critical point (0 when none exists beside the origin). */
    public static int deficientRank(UfmProblem p) {
        boolean mseWithoutBias = p.loss() instanceof RescaledMse && !p.bias();
        int r = mseWithoutBias ? p.classes() - 1 : p.classes() - 2;
        return Math.min(r, p.dim() - 1);
    }

    public static Report analyse(UfmProblem p, Settings s) {
        return analyse(p, s, stage -> {});
    }

    /** As {@link #analyse(UfmProblem, Settings)}, telling {@code done} each stage as it ends (progress for long runs). */
    public static Report analyse(UfmProblem p, Settings s, java.util.function.Consumer<String> done) {
        try (NDManager m = Nd.newManager(); UfmObjective f = new UfmObjective(p, m)) {
            UfmPoint global = UfmPoint.gaussian(m, p, s.seed(), 0.1);
            OptimResult solved = solve(f, global, s);
            done.accept("the global minimiser solved (" + solved.iterations() + " iterations)");
            TheoryPrediction theory = TheoryOracle.predict(p);
            double fStar = theory != null ? theory.objective() : solved.value();

            // where the theory puts the global minimiser at W = H = 0 (MSE's all-zero regime, a contrastive loss
            // with K√n·√(λ_Wλ_H) at or above its threshold) the origin is the one critical point to examine,
            // and its orbit under the rotations (WR, RᵀH) is that point alone
            boolean originIsGlobal = theory != null && theory.minimiserAtOrigin();
            List<CriticalPoint> points = new ArrayList<>();
            try (UfmPoint origin = origin(f, m)) {
                points.add(examine(f, origin, "origin", 0, fStar, s));
            }
            done.accept("the origin examined" + escapedNote(points.get(points.size() - 1)));
            int r = originIsGlobal ? 0 : deficientRank(p);
            if (r >= 1) {
                try (UfmPoint low = rankDeficient(p, m, r, s)) {
                    points.add(examine(f, low, "rank_deficient", r, fStar, s));
                }
                done.accept("the rank-" + r + " critical point examined" + escapedNote(points.get(points.size() - 1)));
            }
            Boolean escaped = s.escape() ? points.stream().allMatch(c -> c.escape().reachedGlobal()) : null;

            Report report;
            try (UfmHessian hess = new UfmHessian(f, global); UfmPoint g = f.gradient(global)) {
                int n = hess.dimension();
                long t0 = System.nanoTime();
                Lanczos.Result eig = Lanczos.smallest(hess::apply, n, s.seed() + 1, s.lanczos());
                double lanczosSeconds = (System.nanoTime() - t0) / 1e9;
                Integer zero = null;
                Double transverse = null;
                if (n <= s.denseLimit()) {
                    SymmetricEigen dense = SymmetricEigen.ofOperator(hess::apply, n);
                    int count = 0;
                    while (count < n && Math.abs(dense.values()[count]) <= s.negativeTolerance()) {
                        count++;
                    }
                    zero = count;
                    transverse = count < n ? dense.values()[count] : null;
                }
                double[] times = timings(f, global, hess);
                report = new Report(points, escaped, fStar, theory != null ? "theory" : "solver", solved.value(),
                        g.norm(), eig.value(), eig.products(), lanczosSeconds, zero,
                        originIsGlobal ? 0 : rotationModes(global), originIsGlobal ? 0 : subspaceModes(p), transverse,
                        times[0], times[1], solved.stopReason(), eig.converged());
            }
            global.close();
            return report;
        }
    }

    private static OptimResult solve(UfmObjective f, UfmPoint x, Settings s) {
        return new Lbfgs(10, 1.0).minimize(f, x, new StopRule(s.solverIterations(), s.solverTolerance()),
                Monitor.none());
    }

    /**
     * W = 0, H = 0 and b minimising f(0, 0, b), by Newton's method on b. At W = H = 0 every sample of class c has
     * the logits b, so f(0, 0, b) = Σ_c (n_c/N) L(b; e_c) + λ_b/2 ‖b‖²: a problem in K variables whose gradient and
     * K×K Hessian come from K logit vectors (one Hessian-vector product of the whole UFM per column of the
     * Hessian cost O(K·N·d) each, and K = 2,000 took two minutes). A balanced problem starts at its b* = 0
     * and takes no step.
     */
    static UfmPoint origin(UfmObjective f, NDManager m) {
        UfmProblem p = f.problem();
        int k = p.classes();
        double[] flat = new double[UfmHessian.dimension(p)];
        if (p.bias()) {
            double[] b = new double[k];
            try (NDManager scope = m.newSubManager()) {
                OriginLogits at = new OriginLogits(p, scope);
                for (int iter = 0; iter < 50; iter++) {
                    double[] gb = at.gradient(b);
                    if (Math.sqrt(Lanczos.dot(gb, gb)) <= 1e-15) {
                        break;
                    }
                    double[] step = pseudoSolve(at.hessian(b), gb);
                    for (int j = 0; j < k; j++) {
                        b[j] -= step[j];
                    }
                }
            }
            System.arraycopy(b, 0, flat, flat.length - k, k);
        }
        return UfmHessian.unflatten(p, m, flat);
    }

    /** f(0, 0, b) of the UFM as a function of b alone: one column of logits per class, weighted by n_c/N. */
    private static final class OriginLogits {
        private final UfmProblem p;
        private final NDManager scope;
        private final NDArray targets;
        private final double[] weights;

        OriginLogits(UfmProblem p, NDManager scope) {
            this.p = p;
            this.scope = scope;
            int k = p.classes();
            this.targets = Nd.oneHotColumns(scope, java.util.stream.IntStream.range(0, k).toArray(), k); // column c: e_c
            this.weights = new double[k];
            for (int c = 0; c < k; c++) {
                weights[c] = (double) p.classCounts()[c] / p.samples();
            }
        }

        /** Σ_c (n_c/N) column c of a K×K array (row-major), plus λ_b·extra. */
        private double[] weightedColumns(NDArray a, double[] extra) {
            int k = p.classes();
            double[] v = Nd.toDoubles(a);
            double[] out = new double[k];
            for (int r = 0; r < k; r++) {
                double sum = 0;
                for (int c = 0; c < k; c++) {
                    sum += weights[c] * v[r * k + c];
                }
                out[r] = sum + p.lambdaB() * extra[r];
            }
            return out;
        }

        private NDArray logits(NDManager s, double[] b) {
            int k = p.classes();
            double[] z = new double[k * k];
            for (int r = 0; r < k; r++) {
                java.util.Arrays.fill(z, r * k, (r + 1) * k, b[r]);
            }
            return s.create(z, new Shape(k, k));
        }

        double[] gradient(double[] b) {
            try (NDManager s = scope.newSubManager()) {
                s.tempAttachAll(targets);
                NDArray z = logits(s, b);
                return weightedColumns(p.loss().gradient(z, targets), b);
            }
        }

        double[][] hessian(double[] b) {
            int k = p.classes();
            double[][] block = new double[k][];
            try (NDManager s = scope.newSubManager()) {
                s.tempAttachAll(targets);
                NDArray z = logits(s, b);
                for (int j = 0; j < k; j++) {
                    try (NDManager col = s.newSubManager()) {
                        double[] ej = new double[k];
                        ej[j] = 1;
                        double[] v = new double[k * k];
                        java.util.Arrays.fill(v, j * k, (j + 1) * k, 1.0);
                        NDArray dir = col.create(v, new Shape(k, k));
                        col.tempAttachAll(z, targets);
                        block[j] = weightedColumns(p.loss().hessianVector(z, targets, dir), ej);
                    }
                }
            }
            return block; // symmetric: its columns are its rows
        }
    }

    /** A⁺ g for a symmetric A, ignoring eigenvalues below 1e-12 of the largest. */
    private static double[] pseudoSolve(double[][] a, double[] g) {
        SymmetricEigen e = SymmetricEigen.of(a);
        double top = 0;
        for (double v : e.values()) {
            top = Math.max(top, Math.abs(v));
        }
        double[] out = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            double lambda = e.values()[i];
            if (Math.abs(lambda) > 1e-12 * top) {
                Lanczos.axpy(Lanczos.dot(e.vectors()[i], g) / lambda, e.vectors()[i], out);
            }
        }
        return out;
    }

    /** The minimiser of the same problem in feature dimension r, padded with zeros to dimension d. */
    static UfmPoint rankDeficient(UfmProblem p, NDManager m, int r, Settings s) {
        UfmProblem low = new UfmProblem(p.loss(), p.classes(), r, p.classCounts(), p.lambdaW(), p.lambdaH(),
                p.lambdaB(), p.bias());
        try (UfmObjective f = new UfmObjective(low, m); UfmPoint x = UfmPoint.gaussian(m, low, s.seed() + 7, 0.1)) {
            solve(f, x, s);
            double[][] wr = Nd.toMatrix(x.w());
            double[][] hr = Nd.toMatrix(x.h());
            double[][] w = new double[p.classes()][p.dim()];
            double[][] h = new double[p.dim()][p.samples()];
            for (int i = 0; i < p.classes(); i++) {
                System.arraycopy(wr[i], 0, w[i], 0, r);
            }
            for (int i = 0; i < r; i++) {
                h[i] = hr[i];
            }
            return UfmPoint.of(m, w, h, Nd.toDoubles(x.b()));
        }
    }

    private static CriticalPoint examine(UfmObjective f, UfmPoint x, String kind, int rank, double fStar, Settings s) {
        double value = f.value(x);
        double gradNorm;
        try (UfmPoint g = f.gradient(x)) {
            gradNorm = g.norm();
        }
        Lanczos.Result eig;
        double[] start;
        try (UfmHessian hess = new UfmHessian(f, x)) {
            eig = Lanczos.smallest(hess::apply, hess.dimension(), s.seed() + 2, s.lanczos());
            start = hess.flatten(x);
        }
        Escape escape = s.escape() ? escape(f, x.parent(), start, eig, fStar, s) : null;
        return new CriticalPoint(kind, rank, value, gradNorm, eig.value(), eig.residual(), eig.products(),
                start, eig.vector(), escape, eig.converged());
    }

    /** The progress line's words on the escape from a point: none asked for, none possible, or made. */
    private static String escapedNote(CriticalPoint c) {
        if (c.escape() == null) {
            return "";
        }
        return c.escape().rounds().isEmpty() ? " (no negative curvature to escape along)" : ", and escaped from";
    }

    /** Steps along negative curvature and solves, again while the solver stops where curvature is negative. */
    private static Escape escape(UfmObjective f, NDManager m, double[] start, Lanczos.Result first, double fStar,
            Settings s) {
        List<Round> rounds = new ArrayList<>();
        double[] x = start;
        Lanczos.Result eig = first;
        UfmProblem problem = f.problem();
        double value;
        try (UfmPoint p = UfmHessian.unflatten(problem, m, start)) {
            value = f.value(p); // no negative curvature: the point stays where it is (MSE's all-zero regime)
        }
        while (eig.value() < -s.negativeTolerance() && rounds.size() < s.maxRounds()) {
            double[] stepped = stepAlong(f, m, x, eig);
            double step = Math.sqrt(distanceSquared(stepped, x));
            try (UfmPoint p = UfmHessian.unflatten(problem, m, stepped)) {
                double after = f.value(p);
                OptimResult r = solve(f, p, s);
                value = r.value();
                try (UfmHessian hess = new UfmHessian(f, p)) {
                    eig = Lanczos.smallest(hess::apply, hess.dimension(), s.seed() + 3 + rounds.size(), s.lanczos());
                    x = hess.flatten(p);
                }
                rounds.add(new Round(step, after, r.iterations(), r.value(), r.gradNorm(), eig.value()));
            }
        }
        double gap = Math.abs(value - fStar) / Math.max(Math.abs(fStar), 1e-300);
        return new Escape(rounds, value, gap <= 1e-6, gap);
    }

    /**
     * x ± εy for the unit eigenvector y of λ &lt; 0: the largest ε from 1, 1/2, 1/4, … (times max(1, ‖x‖))
     * that gives at least half the decrease ½λε² the curvature promises, on the better side.
     */
    private static double[] stepAlong(UfmObjective f, NDManager m, double[] x, Lanczos.Result eig) {
        UfmProblem problem = f.problem();
        double f0;
        try (UfmPoint p = UfmHessian.unflatten(problem, m, x)) {
            f0 = f.value(p);
        }
        double scale = Math.max(1, Math.sqrt(Lanczos.dot(x, x)));
        double[] best = null;
        for (double eps = scale; eps > 1e-8 * scale; eps /= 2) {
            double bestValue = Double.POSITIVE_INFINITY;
            for (int sign = -1; sign <= 1; sign += 2) {
                double[] y = x.clone();
                Lanczos.axpy(sign * eps, eig.vector(), y);
                double v;
                try (UfmPoint p = UfmHessian.unflatten(problem, m, y)) {
                    v = f.value(p);
                }
                if (v < bestValue) {
                    bestValue = v;
                    best = y;
                }
            }
            if (bestValue <= f0 + 0.25 * eig.value() * eps * eps) {
                return best;
            }
        }
        return best;
    }

    private static double distanceSquared(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return s;
    }

    /** dim of the orbit {(WR, RᵀH) : R ∈ O(d)}: d(d−1)/2 − (d−r)(d−r−1)/2, r = dim(row W + col H). */
    static int rotationModes(UfmPoint x) {
        double[][] w = Nd.toMatrix(x.w());
        double[][] h = Nd.toMatrix(x.h());
        int k = w.length;
        int d = h.length;
        int n = h[0].length;
        DMatrixRMaj span = new DMatrixRMaj(d, k + n);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < k; j++) {
                span.set(i, j, w[j][i]);
            }
            for (int j = 0; j < n; j++) {
                span.set(i, k + j, h[i][j]);
            }
        }
        double[] sv = SingularOps_DDRM.singularValues(span);
        double top = 0;
        for (double v : sv) {
            top = Math.max(top, v);
        }
        int r = 0;
        for (double v : sv) {
            // relative to the largest, and above the solver's resolution: a minimiser at W = H = 0 (up to
            // round-off) has no rotation orbit
            if (v > 1e-6 * top && v > 1e-9) {
                r++;
            }
        }
        return d * (d - 1) / 2 - (d - r) * (d - r - 1) / 2;
    }

    /** Mean seconds of one Hessian-vector product and of one gradient at x (a few of each, after a warm-up). */
    private static double[] timings(UfmObjective f, UfmPoint x, UfmHessian hess) {
        int reps = 5;
        try (UfmPoint v = x.copy()) {
            hess.apply(v).close();
            f.gradient(x).close();
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                hess.apply(v).close();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                f.gradient(x).close();
            }
            long t2 = System.nanoTime();
            return new double[] {(t1 - t0) / 1e9 / reps, (t2 - t1) / 1e9 / reps};
        }
    }
}
