package io.nclab.curvature;

import io.nclab.nd.SymmetricEigen;

import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * The smallest eigenvalue of a symmetric operator, known only through its products, and its unit
 * eigenvector: thick-restart Lanczos (Wu and Simon, 2000) with full re-orthogonalisation.
 *
 * <p>The Krylov basis v_0, v_1, … is built one product at a time, each new vector orthogonalised twice
 * against the whole basis (classical Gram–Schmidt, twice, as Daniel–Gragg–Kaufman–Stewart), so the
 * projected matrix T = Vᵀ A V is exact to rounding and no spurious copies of eigenvalues appear. When
 * the basis is full the {@code keep} smallest Ritz vectors and the last Lanczos vector start the next
 * cycle; T is then diagonal plus one "arrow" row. The Ritz pair (θ, y) has residual
 * ‖A y − θ y‖ = β |s_last|, where β is the norm of the last orthogonalised product and s the Ritz
 * vector's coordinates; the iteration stops when that residual is at most {@code tolerance} or the
 * product budget is spent.
 *
 * <p>Ritz values lie in the operator's spectrum's range, so the returned value is never below the true
 * smallest eigenvalue (up to rounding): it converges to it from above.
 */
public final class Lanczos {
    private Lanczos() {}

    /**
     * @param maxProducts the budget of operator products
     * @param basis the largest basis (restart length m)
     * @param keep the Ritz vectors kept at a restart (0 &lt; keep &lt; basis)
     * @param tolerance the residual ‖A y − θ y‖ at which to stop
     */
    public record Settings(int maxProducts, int basis, int keep, double tolerance) {
        public Settings {
            if (basis < 2 || keep < 1 || keep >= basis || maxProducts < 1) {
                throw new IllegalArgumentException("Lanczos needs basis >= 2, 0 < keep < basis, maxProducts >= 1");
            }
        }

        public static Settings standard(double tolerance) {
            return new Settings(1000, 40, 12, tolerance);
        }
    }

    /**
     * The outcome: the smallest Ritz value, its unit Ritz vector, its residual norm, the number of
     * products used and whether the residual met the tolerance.
     */
    public record Result(double value, double[] vector, double residual, int products, boolean converged) {}

    /** The smallest eigenpair of {@code a} (dimension n), from a seeded random start. */
    public static Result smallest(UnaryOperator<double[]> a, int n, long seed, Settings s) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] start = new double[n];
        for (int i = 0; i < n; i++) {
            start[i] = rnd.nextDouble() - 0.5;
        }
        return smallest(a, start, s);
    }

    /** The smallest eigenpair of {@code a}, starting the Krylov space from {@code start}. */
    public static Result smallest(UnaryOperator<double[]> a, double[] start, Settings s) {
        int n = start.length;
        int m = Math.min(s.basis(), n);
        int keep = Math.min(s.keep(), m - 1);
        double[][] v = new double[m + 1][];
        double[][] t = new double[m][m];
        v[0] = start.clone();
        if (normalise(v[0]) == 0) {
            throw new IllegalArgumentException("Lanczos start vector is zero");
        }
        int locked = 0;
        int products = 0;
        while (true) {
            int size = locked;
            double beta = 0;
            boolean invariant = false;
            for (int j = locked; j < m; j++) {
                double[] w = a.apply(v[j]);
                products++;
                for (int pass = 0; pass < 2; pass++) {
                    for (int i = 0; i <= j; i++) {
                        double c = dot(v[i], w);
                        t[i][j] += c;
                        axpy(-c, v[i], w);
                    }
                }
                for (int i = 0; i < j; i++) {
                    t[j][i] = t[i][j];
                }
                size = j + 1;
                beta = normalise(w);
                v[j + 1] = w;
                if (beta <= 1e-13 * Math.max(1, Math.abs(t[j][j]))) {
                    invariant = true;
                    break;
                }
                if (products >= s.maxProducts()) {
                    break;
                }
            }
            double[][] proj = new double[size][size];
            for (int i = 0; i < size; i++) {
                System.arraycopy(t[i], 0, proj[i], 0, size);
            }
            SymmetricEigen eig = SymmetricEigen.of(proj);
            double residual = invariant ? 0 : Math.abs(beta * eig.vectors()[0][size - 1]);
            boolean done = residual <= s.tolerance() || invariant || size == n;
            if (done || products >= s.maxProducts()) {
                double[] y = combine(v, eig.vectors()[0], size, n);
                normalise(y);
                return new Result(eig.values()[0], y, residual, products, done);
            }
            // Thick restart: the `keep` smallest Ritz vectors, then the last Lanczos vector.
            int kept = Math.min(keep, size - 1);
            double[][] next = new double[m + 1][];
            double[][] tNext = new double[m][m];
            for (int r = 0; r < kept; r++) {
                next[r] = combine(v, eig.vectors()[r], size, n);
                tNext[r][r] = eig.values()[r];
            }
            next[kept] = v[size];
            v = next;
            t = tNext;
            locked = kept;
        }
    }

    /** Σ_i c[i] v[i] over the first {@code size} basis vectors. */
    private static double[] combine(double[][] v, double[] c, int size, int n) {
        double[] out = new double[n];
        for (int i = 0; i < size; i++) {
            axpy(c[i], v[i], out);
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        // four independent partial sums: one running sum waits on each addition's latency (the re-orthogonalisation,
        // 2(j + 1) of these per product, took most of Lanczos's time at a million variables)
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int n = a.length;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < n; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** y += c·x. */
    static void axpy(double c, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += c * x[i];
        }
    }

    /** Scales x to unit norm in place; returns its former norm. */
    static double normalise(double[] x) {
        double norm = Math.sqrt(dot(x, x));
        if (norm > 0) {
            for (int i = 0; i < x.length; i++) {
                x[i] /= norm;
            }
        }
        return norm;
    }
}
