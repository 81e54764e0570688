package io.nclab.theory;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nclab.UserError;
import io.nclab.loss.Loss;
import io.nclab.nd.Nd;
import io.nclab.ufm.UfmProblem;
import java.util.Arrays;

/**
 * The global optimum of the UFM for a loss of the contrastive family (CE, focal, label smoothing) in
 * the balanced case, by the losses paper's Theorem 1: b* = 0, W* a simplex ETF with rows of norm ρ, and
 * h*_{k,i} = c₀ w*_k with c₀ = √(λ_W / (λ_H n)). The logits of every sample are then z(t) with
 * z_k = t, z_j = −t/(K−1) (j ≠ k), t = c₀ρ², and the regulariser equals K √(nλ_Wλ_H) t, so
 *
 * <pre>
 *   f* = min_{t ≥ 0}  L(z(t)) + K √(n λ_W λ_H) t.
 * </pre>
 *
 * The scalar problem is solved to machine precision: a grid over [0, L(z(0))/c] (beyond which the
 * objective exceeds its value at 0, since L ≥ 0) finds the basin, then safeguarded Newton on the
 * derivative, with the loss's own gradient and Hessian-vector product along dz/dt.
 *
 * <p>The simplex ETF needs d ≥ K − 1; Theorem 1 is stated for d ≥ K.
 */
public final class ContrastiveTheory {
    private ContrastiveTheory() {}

    /** The scalar problem's pieces for one loss and K: value, slope and curvature of L(z(t)). */
    static final class Path implements AutoCloseable {
        private final NDManager manager;
        private final Loss loss;
        private final int classes;
        private final NDArray direction;
        private final NDArray target;

        /** Theorem 1's path: z(t) = t·(1, −1/(K−1), …, −1/(K−1)), class 0 the sample's own. */
        Path(Loss loss, int classes) {
            this(loss, etfDirection(classes));
        }

        /** The path z(t) = t·{@code dz} of a sample of class 0 (K = dz.length). */
        Path(Loss loss, double[] dz) {
            this.manager = Nd.newManager();
            this.loss = loss;
            this.classes = dz.length;
            double[] y = new double[classes];
            y[0] = 1;
            this.direction = manager.create(dz, new Shape(classes, 1));
            this.target = manager.create(y, new Shape(classes, 1));
        }

        private static double[] etfDirection(int classes) {
            double[] dz = new double[classes];
            dz[0] = 1;
            for (int j = 1; j < classes; j++) {
                dz[j] = -1.0 / (classes - 1);
            }
            return dz;
        }

        /** L(z(t)) for many t at once. */
        double[] values(double[] ts) {
            // K × (a chunk of the t) logits at a time: a few arrays that size, whatever K is (4001 t of K = 30,000
            // logits in one piece, kept until the path closed, held about 3-4 GB)
            int chunk = (int) Math.max(1, Math.min(ts.length, CHUNK_LOGITS / classes));
            double[] out = new double[ts.length];
            for (int from = 0; from < ts.length; from += chunk) {
                int to = Math.min(ts.length, from + chunk);
                try (NDManager scope = manager.newSubManager()) {
                    // results belong to their first operand's manager: direction and target join the scope while
                    // it is open, so that every piece's arrays go with it, not with the path
                    scope.tempAttachAll(direction, target);
                    NDArray t = scope.create(Arrays.copyOfRange(ts, from, to), new Shape(1, to - from));
                    NDArray z = direction.matMul(t);
                    NDArray y = target.repeat(1, to - from);
                    System.arraycopy(Nd.toDoubles(loss.values(z, y)), 0, out, from, to - from);
                }
            }
            return out;
        }

        /** {L, dL/dt, d²L/dt²} at one t. */
        double[] derivatives(double t) {
            try (NDManager scope = manager.newSubManager()) {
                NDArray z = direction.mul(t);
                z.attach(scope);
                NDArray v = loss.values(z, target);
                NDArray g = loss.gradient(z, target);
                NDArray hv = loss.hessianVector(z, target, direction);
                scope.attachAll(v, g, hv);
                return new double[] {Nd.toDoubles(v)[0], Nd.dot(g, direction), Nd.dot(hv, direction)};
            }
        }

        /** The arrays the path itself holds (its direction and target; tests check that nothing piles up). */
        int heldArrays() {
            return ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size();
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /** Logits (K × points) one piece of the scalar problem's grid holds at most. */
    static final long CHUNK_LOGITS = 2_000_000L;

    /** The minimiser t* of L(z(t)) + c·t over t ≥ 0 (c &gt; 0), and the minimum. */
    public static double[] solveScalar(Loss loss, int classes, double c) {
        if (!(c > 0)) {
            throw new IllegalArgumentException("the scalar problem needs c > 0");
        }
        try (Path path = new Path(loss, classes)) {
            double l0 = path.values(new double[] {0})[0];
            if (Double.isInfinite(c)) {
                // weight decays so large that K·sqrt(n·λ_W·λ_H) overflows: the optimum is W = H = 0 (t* = 0; c·0
                // would read NaN)
                return new double[] {0, l0};
            }
            double upper = Math.max(l0 / c, 1e-12);
            if (Double.isInfinite(upper)) {
                throw new UserError("the weight decays are too small for the theory's scalar problem: K·sqrt(n·lambda_w"
                        + "·lambda_h) = " + c + " (use values whose product is above 1e-300)");
            }
            // An even grid on [0, L(0)/c] (t* lies below: φ(t) ≥ c·t > φ(0) beyond it), merged with a
            // geometric one from min(1e-3, 1e-9·L(0)/c): when c is tiny, t* ≈ log(1/c) sits far below
            // L(0)/c, where the even grid's steps are far too coarse to bracket it.
            int even = 2001;
            int geometric = 2000;
            double[] ts = new double[even + geometric];
            for (int i = 0; i < even; i++) {
                ts[i] = upper * i / (even - 1);
            }
            double first = Math.min(1e-3, upper * 1e-9);
            for (int i = 0; i < geometric; i++) {
                ts[even + i] = first * Math.pow(upper / first, (double) i / (geometric - 1));
            }
            Arrays.sort(ts);
            int m = ts.length;
            double[] ls = path.values(ts);
            int best = 0;
            for (int i = 1; i < m; i++) {
                if (ls[i] + c * ts[i] < ls[best] + c * ts[best]) {
                    best = i;
                }
            }
            double lo = ts[Math.max(best - 1, 0)];
            double hi = ts[Math.min(best + 1, m - 1)];
            double t = refine(path, c, lo, hi, ts[best]);
            double f = path.values(new double[] {t})[0] + c * t;
            return new double[] {t, f};
        }
    }

    /** Safeguarded Newton on φ′(t) = dL/dt + c in [lo, hi]; the boundary when φ′ keeps its sign. */
    static double refine(Path path, double c, double lo, double hi, double start) {
        double dLo = path.derivatives(lo)[1] + c;
        double dHi = path.derivatives(hi)[1] + c;
        if (dLo >= 0) {
            return lo; // increasing from lo: the minimum is at lo (t* = 0 when lo = 0)
        }
        if (dHi <= 0) {
            return hi;
        }
        double t = start;
        for (int i = 0; i < 200; i++) {
            double[] d = path.derivatives(t);
            double slope = d[1] + c;
            if (slope == 0) {
                return t;
            }
            if (slope < 0) {
                lo = t;
            } else {
                hi = t;
            }
            double next = d[2] > 0 ? t - slope / d[2] : Double.NaN;
            if (!(next > lo && next < hi)) {
                next = 0.5 * (lo + hi);
            }
            if (Math.abs(next - t) <= 4 * Math.ulp(t) || hi - lo <= 4 * Math.ulp(hi)) {
                return next;
            }
            t = next;
        }
        return t;
    }

    /**
     * Below this c the scalar problem's optimum nears float64's underflow: L(z(t*)) ≈ c·(K−1)/K·… and the
     * terms e^{−t*K/(K−1)} it is made of would soon be subnormal. Above it the losses' float64 softmax keeps
     * every digit of L for confident logits ({@code SoftmaxLosses}), and the optimum matches a 80-digit
     * solution to about 1e-15 (CE, K = 3: c = 4e-16 to 1e-305); a plain log-softmax, which rounds 1 + s,
     * had lost 2e-4 of it at c = 4e-14 and 2% at 4e-16.
     */
    public static final double MIN_WEIGHT = 1e-300;

    /** The weight c = K√(nλ_Wλ_H) of t in the scalar problem (computed so that λ_Wλ_H cannot underflow). */
    public static double scalarWeight(UfmProblem p) {
        return p.classes() * Math.sqrt(p.perClass()) * Math.sqrt(p.lambdaW()) * Math.sqrt(p.lambdaH());
    }

    /**
     * Whether Theorem 1 gives this problem's optimum (so that {@link #predict} solves its scalar problem): a
     * contrastive loss, balanced classes, d ≥ K−1, λ_W, λ_H &gt; 0 and c at least {@link #MIN_WEIGHT}.
     */
    public static boolean applies(UfmProblem p) {
        return p.loss().contrastive() && p.balanced() && p.dim() >= p.classes() - 1 && p.lambdaW() > 0
                && p.lambdaH() > 0 && scalarWeight(p) >= MIN_WEIGHT;
    }

    /**
     * Theorem 1's prediction, or null where it does not apply (imbalanced, d &lt; K−1, λ_Wλ_H = 0) or
     * where float64 cannot resolve it (c below {@link #MIN_WEIGHT}).
     */
    public static TheoryPrediction predict(UfmProblem p) {
        if (!applies(p)) {
            return null;
        }
        Loss loss = p.loss();
        int k = p.classes();
        int n = p.perClass();
        double c = scalarWeight(p);
        double[] sol = solveScalar(loss, k, c);
        double t = sol[0];
        double c0 = Math.sqrt(p.lambdaW()) / (Math.sqrt(p.lambdaH()) * Math.sqrt(n));
        double rho = Math.sqrt(t / c0);
        double hFeature = c0 * rho;
        return new TheoryPrediction(sol[1], t, new double[k], rho, Math.sqrt(k) * rho,
                Math.sqrt((double) k * n) * hFeature, t == 0 ? "etf-degenerate (W = H = 0)" : "etf");
    }
}
