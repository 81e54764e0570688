package io.nclab.curvature;

import io.nclab.loss.LogitHessians;

/**
 * The smallest and largest eigenvalues of a symmetric A = diag(d) + U C Uᵀ (K×K, U of rank r ≤ 3, C symmetric r×r), as
 * every logit Hessian of the loss family is written ({@link LogitHessians}), by bisection on Sylvester's inertia in
 * O(K·r²) operations per step instead of a dense O(K³) decomposition.
 *
 * <p>The count of eigenvalues below λ comes from Haynsworth's inertia additivity applied to the bordered matrix
 * X = [[D − λ, U], [Uᵀ, −C⁻¹]]: ν₋(A − λ) = ν₋(D − λ) + ν₋(−C⁻¹ − Uᵀ(D − λ)⁻¹U) − ν₊(C), so each step costs one pass over
 * the K diagonal entries and the inertia of an r×r matrix (equilibrated, then Jacobi's eigenvalues). The entry next to
 * λ, whose term |u_j|²/|d_j − λ| can be of any size, is added in a basis turned to put u_j on an axis ({@link #count}).
 * Entries with equal d (tied logits) are merged first: their rows of U are rotated into at most r rows, the rest
 * decoupling as eigenvalues d_j of A itself.
 *
 * <p>The vectors are taken as the loss gives them (e_top and e_top − p for the softmax losses, whose entries are of the
 * size of the Hessian's own): mixing them into C's eigenvectors would add terms of size 1 that cancel to 1 − p_top,
 * the digits the exact softmax forms keep. Only a singular C (a focal loss's a = 0, say) is diagonalised first, its zero
 * eigenvalues dropped. The bisection runs to a thousandth of an ulp of the spectrum's scale (bounded by Gershgorin's
 * discs taken term by term); the count's rounding bounds the result's accuracy. Measured against LAPACK on the loss
 * family's Hessians (CE, LS, focal γ = 1, 3, 5; sampled, confident, confidently wrong and tied logits; K = 10 to 300):
 * within 170 ulps of the size of the entries' terms, which the dense matrix's own rounding is of. A core whose entries
 * span many orders of magnitude in every direction (not the family's: theirs are block-diagonal where they are spread)
 * can lose more digits; a check on every result ({@link #checked}: each diagonal entry, a Rayleigh quotient, within
 * [λ_min, λ_max]) hands the gross failures to the dense solver.
 */
final class DiagonalPlusLowRank {
    private final int r;
    /** C⁻¹, r×r row-major, and ν₊(C) = ν₋(−C⁻¹). */
    private final double[] cInverse;
    private final int positive;
    /** Entries with a vector: their d (poles) and vectors (r each, flat). */
    private final double[] pole;
    private final double[] vec;
    /** |u_j|² of each entry with a vector. */
    private final double[] norm2;
    /** Entries without one (decoupled eigenvalues of A). */
    private final double[] free;
    /** The bisection's resolution: a thousandth of an ulp of the larger of Gershgorin's bounds, or the least normal. */
    private final double resolution;
    // scratch
    private final double[] rest;
    private final double[] carry;
    private final double[] sigma;
    private final double[] turned;
    private final double[] reflection;

    private DiagonalPlusLowRank(int k, double[] d, int dOff, double[][] u, int[] uOff, double[] core, double low,
            double high) {
        this.r = u.length;
        this.cInverse = inverse(core, r);
        this.positive = r - inertiaNegatives(core.clone(), r);
        this.resolution = Math.max(1e-3 * Math.ulp(Math.max(Math.abs(low), Math.abs(high))), Double.MIN_NORMAL);
        // the entries, by d; equal d merged
        Integer[] order = new Integer[k];
        for (int j = 0; j < k; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(d[dOff + x], d[dOff + y]));
        double[] poles = new double[k];
        double[] vecs = new double[k * Math.max(r, 1)];
        double[] frees = new double[k];
        int np = 0;
        int nf = 0;
        for (int a = 0; a < k; ) {
            int b = a + 1;
            while (b < k && d[dOff + order[b]] == d[dOff + order[a]]) {
                b++;
            }
            double value = d[dOff + order[a]];
            if (b - a == 1 || r == 0) {
                for (int t = a; t < b; t++) {
                    int j = order[t];
                    boolean any = false;
                    for (int c = 0; c < r; c++) {
                        double v = u[c][uOff[c] + j];
                        vecs[np * r + c] = v;
                        any |= v != 0;
                    }
                    if (any) {
                        poles[np++] = value;
                    } else {
                        frees[nf++] = value;
                    }
                }
            } else {
                // a group of equal entries: G = Σ u_j u_jᵀ = V Λ Vᵀ, one merged entry sqrt(λ_i) v_i per λ_i > 0
                double[] g = new double[r * r];
                for (int t = a; t < b; t++) {
                    int j = order[t];
                    for (int x = 0; x < r; x++) {
                        for (int y = 0; y < r; y++) {
                            g[x * r + y] += u[x][uOff[x] + j] * u[y][uOff[y] + j];
                        }
                    }
                }
                double[] vectors = new double[r * r];
                double[] values = Jacobi.eigen(g, r, vectors);
                double most = 0;
                for (double v : values) {
                    most = Math.max(most, v);
                }
                int merged = 0;
                for (int i = 0; i < r; i++) {
                    if (values[i] > 8 * r * Math.ulp(most)) {
                        double root = Math.sqrt(values[i]);
                        for (int c = 0; c < r; c++) {
                            vecs[np * r + c] = root * vectors[c * r + i];
                        }
                        poles[np++] = value;
                        merged++;
                    }
                }
                for (int t = merged; t < b - a; t++) {
                    frees[nf++] = value;
                }
            }
            a = b;
        }
        this.pole = java.util.Arrays.copyOf(poles, np);
        this.vec = java.util.Arrays.copyOf(vecs, np * r);
        this.free = java.util.Arrays.copyOf(frees, nf);
        this.norm2 = new double[np];
        for (int j = 0; j < np; j++) {
            for (int c = 0; c < r; c++) {
                norm2[j] += vec[j * r + c] * vec[j * r + c];
            }
        }
        this.rest = new double[r * r];
        this.carry = new double[r * r];
        this.sigma = new double[r];
        this.turned = new double[r * r];
        this.reflection = new double[r];
    }

    /**
     * From this K on the bisection is faster than a dense decomposition (eigenvalues only, LAPACK), measured per sample
     * on focal Hessians: K = 10 0.14 ms against 0.013 ms, K = 100 0.47 against 0.45, K = 200 0.83 against 2.0, K = 300
     * 1.3 against 5.8, K = 1,000 3.7 against 126.
     */
    static final int BISECTION_FROM = 128;

    /** {λ_min, λ_max} of sample i's Hessian: densely below {@link #BISECTION_FROM} classes, else by bisection. */
    static double[] extremes(LogitHessians h, int i) {
        int k = h.classes();
        return k < BISECTION_FROM ? denseExtremes(h.dense(i), k) : bisected(h, i);
    }

    /** {λ_min, λ_max} of sample i's Hessian by bisection, whatever K. */
    static double[] bisected(LogitHessians h, int i) {
        int k = h.classes();
        int r = h.ranks()[i];
        int mr = LogitHessians.MAX_RANK;
        double[] core = new double[r * r];
        for (int a = 0; a < r; a++) {
            for (int b = 0; b < r; b++) {
                core[a * r + b] = h.cores()[i * mr * mr + a * mr + b];
            }
        }
        double[][] u = new double[r][];
        int[] off = new int[r];
        for (int a = 0; a < r; a++) {
            u[a] = h.vectors()[a];
            off[a] = i * k;
        }
        return checked(solve(k, h.diagonal(), i * k, u, off, core), h, i);
    }

    /**
     * {λ_min, λ_max} of diag(d[dOff..dOff+k)) + Σ_{a,b} core[a·r + b] u_a u_bᵀ, u_a = u[a][uOff[a]..uOff[a]+k), by
     * bisection between Gershgorin's bounds.
     */
    private static double[] solve(int k, double[] d, int dOff, double[][] u, int[] uOff, double[] core) {
        int r = u.length;
        if (!finite(core)) {
            throw new ArithmeticException("a logit Hessian with a non-finite entry");
        }
        double[] range = gershgorin(k, d, dOff, u, uOff, core);
        double scale = Math.max(Math.abs(range[0]), Math.abs(range[1]));
        if (!(scale > 0)) {
            return new double[] {0, 0}; // A = 0
        }
        if (!Double.isFinite(scale)) {
            throw new ArithmeticException("a logit Hessian with a non-finite entry");
        }
        double margin = 1e-9 * scale + Double.MIN_NORMAL;
        double lo = range[0] - margin;
        double hi = range[1] + margin;
        DiagonalPlusLowRank a;
        if (r > 0 && !(Math.abs(determinant(core, r)) > 0)) {
            // C singular: its eigenvectors carry U's columns, its zero eigenvalues dropped
            double[] vectors = new double[r * r];
            double[] values = Jacobi.eigen(core, r, vectors);
            double cMax = 0;
            for (double v : values) {
                cMax = Math.max(cMax, Math.abs(v));
            }
            int kept = 0;
            for (double v : values) {
                kept += Math.abs(v) > 8 * Math.ulp(cMax) ? 1 : 0;
            }
            double[][] w = new double[kept][k];
            double[] diag = new double[kept * kept];
            int at = 0;
            for (int j = 0; j < r; j++) {
                if (!(Math.abs(values[j]) > 8 * Math.ulp(cMax))) {
                    continue;
                }
                diag[at * kept + at] = values[j];
                for (int c = 0; c < r; c++) {
                    double v = vectors[c * r + j];
                    for (int x = 0; x < k; x++) {
                        w[at][x] += v * u[c][uOff[c] + x];
                    }
                }
                at++;
            }
            a = new DiagonalPlusLowRank(k, d, dOff, w, new int[kept], diag, lo, hi);
        } else {
            a = new DiagonalPlusLowRank(k, d, dOff, u, uOff, core, lo, hi);
        }
        return new double[] {a.boundary(lo, hi, 1, a.resolution), a.boundary(lo, hi, k, a.resolution)};
    }

    /** The largest K a failed check is decomposed densely at (K² doubles: 128 MB). */
    static final int DENSE_MAX = 4096;

    /** Samples whose bisection failed the diagonal check and were decomposed densely (tests read it). */
    static final java.util.concurrent.atomic.AtomicLong DENSE = new java.util.concurrent.atomic.AtomicLong();

    /**
     * The bisection's result, or a dense decomposition's where it fails a check that costs O(K·r²): every diagonal entry
     * A_xx (a Rayleigh quotient) lies in [λ_min, λ_max], to 8(K + r) ulps of the entries' terms. The loss family's
     * Hessians pass it (their eigenvalues agree with LAPACK's to 170 ulps of those terms at K = 300); a core whose
     * entries span many orders of magnitude in every direction can make the count's rounding too coarse, and this
     * catches the gross errors that follow.
     */
    static double[] checked(double[] ends, LogitHessians h, int i) {
        int k = h.classes();
        double lowest = Double.POSITIVE_INFINITY;
        double highest = Double.NEGATIVE_INFINITY;
        for (double axx : h.diagonalEntries(i)) {
            lowest = Math.min(lowest, axx);
            highest = Math.max(highest, axx);
        }
        double slack = 8 * (k + h.ranks()[i]) * Math.ulp(h.termScale(i));
        if (ends[0] <= lowest + slack && ends[1] >= highest - slack) {
            return ends;
        }
        if (k > DENSE_MAX) {
            throw new ArithmeticException(String.format(java.util.Locale.ROOT, "the eigenvalues of a %,d x %,d Hessian"
                    + " failed their check (a diagonal entry %.17g..%.17g outside [%.17g, %.17g]) and the matrix is too"
                    + " large to decompose densely", k, k, lowest, highest, ends[0], ends[1]));
        }
        DENSE.incrementAndGet();
        return denseExtremes(h.dense(i), k);
    }

    /** {λ_min, λ_max} of the symmetric k×k {@code dense} (row-major) by LAPACK's eigenvalues. */
    private static double[] denseExtremes(double[] dense, int k) {
        double[] values = io.nclab.nd.SymmetricEigen.ofRowMajor(dense, k, false).values();
        return new double[] {values[0], values[k - 1]};
    }

    /**
     * Gershgorin's bounds taken term by term: row x's entries sum in absolute value to at most |d_x| + Σ_ab |c_ab|
     * |u_a[x]| ‖u_b‖₁, which for the softmax losses' e_top and e_top − p is of the size of the entries themselves
     * (Weyl's ‖C‖ ‖U‖² would be of the size of e_top's 1).
     */
    private static double[] gershgorin(int k, double[] d, int dOff, double[][] u, int[] uOff, double[] core) {
        int r = u.length;
        double[] l1 = new double[r];
        for (int a = 0; a < r; a++) {
            for (int j = 0; j < k; j++) {
                l1[a] += Math.abs(u[a][uOff[a] + j]);
            }
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            double radius = 0;
            for (int a = 0; a < r; a++) {
                double ua = Math.abs(u[a][uOff[a] + j]);
                if (ua == 0) {
                    continue;
                }
                for (int b = 0; b < r; b++) {
                    radius += Math.abs(core[a * r + b]) * ua * l1[b];
                }
            }
            lo = Math.min(lo, d[dOff + j] - radius);
            hi = Math.max(hi, d[dOff + j] + radius);
        }
        return new double[] {lo, hi};
    }

    private static boolean finite(double[] a) {
        for (double v : a) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The point where the count of eigenvalues below λ reaches {@code target}, between {@code low} (count below it) and
     * {@code high} (count at least it), to {@code tol}: the target-th smallest eigenvalue.
     */
    private double boundary(double low, double high, int target, double tol) {
        double a = low;
        double b = high;
        while (b - a > tol) {
            double mid = a + 0.5 * (b - a);
            if (mid <= a || mid >= b) {
                break;
            }
            if (count(mid) >= target) {
                b = mid;
            } else {
                a = mid;
            }
        }
        return a + 0.5 * (b - a);
    }

    /**
     * ν₋(A − λ): the eigenvalues of A below λ. The entry with the largest term |u_j|²/|d_j − λ| (the pole next to λ),
     * with those merged with it at the same d, is added last, in a basis of the r-space turned so that their vectors
     * span its first axes: their terms, however large, then change those axes' entries of the r×r complement alone and
     * leave the others their digits (summed with them in the given basis, their rounding would hide them: a λ within
     * ulps of such a d_j was counted wrongly).
     */
    private int count(double at) {
        // on an entry with a vector the count is taken the bisection's resolution below: the same count, unless an
        // eigenvalue lies that close (ν₋ counts the eigenvalues strictly below)
        double lambda = at;
        while (java.util.Arrays.binarySearch(pole, lambda) >= 0) { // the entries are in ascending order of d
            lambda = Math.min(Math.nextDown(lambda), lambda - resolution);
        }
        int below = 0;
        for (double f : free) {
            below += f < lambda ? 1 : 0;
        }
        int np = pole.length;
        if (r == 0) {
            for (double pl : pole) {
                below += pl < lambda ? 1 : 0;
            }
            return below;
        }
        int top = -1;
        double topTerm = -1;
        for (int j = 0; j < np; j++) {
            double term = norm2[j] / Math.abs(pole[j] - lambda);
            if (term > topTerm) {
                topTerm = term;
                top = j;
            }
        }
        // the K terms summed with Neumaier's compensation: their rounding stays at a few ulps of the largest, not K
        for (int x = 0; x < r * r; x++) {
            rest[x] = -cInverse[x];
            carry[x] = 0;
        }
        for (int j = 0; j < np; j++) {
            double e = pole[j] - lambda;
            if (top >= 0 && pole[j] == pole[top]) {
                continue; // the top entry and those merged with it at the same d: added below
            }
            below += e < 0 ? 1 : 0;
            double inv = 1 / e;
            for (int a = 0; a < r; a++) {
                double w = vec[j * r + a] * inv;
                for (int c = 0; c <= a; c++) {
                    int x = a * r + c;
                    double term = -w * vec[j * r + c];
                    double sum = rest[x] + term;
                    carry[x] += Math.abs(rest[x]) >= Math.abs(term) ? (rest[x] - sum) + term : (term - sum) + rest[x];
                    rest[x] = sum;
                }
            }
        }
        for (int x = 0; x < r * r; x++) {
            rest[x] += carry[x];
        }
        for (int a = 0; a < r; a++) {
            for (int c = 0; c < a; c++) {
                rest[c * r + a] = rest[a * r + c];
            }
        }
        if (top < 0) {
            return below + inertiaNegatives(rest, r) - positive;
        }
        // The complement first scaled (a congruence by a positive diagonal Σ, which keeps the inertia) so that its rows
        // are alike in size, and the top entries' vectors with it (Σ u: the terms Σ u uᵀ Σ / e); then reflections turn
        // the r-space so that those vectors span its first axes (a QR factorisation of them), and their terms, of any
        // size, are added there alone: the turn mixes entries of like size only (a 1/a′ of 1e10 beside entries of 1
        // would spread its rounding over them), and the terms leave the other axes their digits.
        double[] sigma = this.sigma;
        ruiz(rest, r, sigma);
        double e = pole[top] - lambda;
        // the entries at pole[top]'s d, next to it in the ascending order (at most r: ties were merged into r)
        int first = top;
        while (first > 0 && pole[first - 1] == pole[top]) {
            first--;
        }
        int group = 0;
        double[] w = this.turned;
        for (int j = first; j < np && pole[j] == pole[top]; j++) {
            for (int c = 0; c < r; c++) {
                w[group * r + c] = sigma[c] * vec[j * r + c];
            }
            group++;
            below += e < 0 ? 1 : 0;
        }
        double[] v = this.reflection;
        for (int col = 0; col < Math.min(group, r - 1); col++) {
            // the reflection on axes col.. that takes vector col to its first of them
            double norm = 0;
            for (int c = col; c < r; c++) {
                norm += w[col * r + c] * w[col * r + c];
            }
            if (norm == 0) {
                continue;
            }
            java.util.Arrays.fill(v, 0);
            for (int c = col; c < r; c++) {
                v[c] = w[col * r + c];
            }
            v[col] += Math.copySign(Math.sqrt(norm), v[col]);
            double vv = 0;
            for (double x : v) {
                vv += x * x;
            }
            reflect(rest, r, v, vv);
            for (int g = 0; g < group; g++) {
                double dot = 0;
                for (int c = 0; c < r; c++) {
                    dot += v[c] * w[g * r + c];
                }
                double f = 2 * dot / vv;
                for (int c = 0; c < r; c++) {
                    w[g * r + c] -= f * v[c];
                }
            }
        }
        double inv = 1 / e;
        for (int g = 0; g < group; g++) {
            for (int a = 0; a < r; a++) {
                for (int c = 0; c < r; c++) {
                    rest[a * r + c] -= w[g * r + a] * inv * w[g * r + c];
                }
            }
        }
        if (!finite(rest)) {
            throw new ArithmeticException("a logit Hessian's eigenvalue count overflowed at λ = " + lambda);
        }
        return below + inertiaNegatives(rest, r) - positive;
    }

    /** m ← H m H for the r×r symmetric m and the reflection H = I − 2vvᵀ/(vᵀv). */
    private static void reflect(double[] m, int r, double[] v, double vv) {
        double[] mv = new double[r];
        for (int a = 0; a < r; a++) {
            for (int c = 0; c < r; c++) {
                mv[a] += m[a * r + c] * v[c];
            }
        }
        double vmv = 0;
        for (int a = 0; a < r; a++) {
            vmv += v[a] * mv[a];
        }
        double f = 2 / vv;
        for (int a = 0; a < r; a++) {
            for (int c = 0; c < r; c++) {
                // (I − f vvᵀ) m (I − f vvᵀ) = m − f v(mv)ᵀ − f (mv)vᵀ + f² (vᵀmv) vvᵀ
                m[a * r + c] += -f * v[a] * mv[c] - f * mv[a] * v[c] + f * f * vmv * v[a] * v[c];
            }
        }
    }

    /**
     * ν₋ of the symmetric n×n {@code a} (row-major, scaled in place): a congruence by a positive diagonal, which keeps
     * the inertia, brings every row's largest entry near 1 (a few passes of Ruiz's scaling), and then the signs of the
     * determinant and trace (n ≤ 2) or Jacobi's eigenvalues, whose rounding is relative to the scaled entries.
     */
    static int inertiaNegatives(double[] a, int n) {
        ruiz(a, n, new double[n]);
        if (n == 0) {
            return 0;
        }
        if (n == 1) {
            return a[0] < 0 ? 1 : 0;
        }
        if (n == 2) {
            double det = a[0] * a[3] - a[1] * a[2];
            double trace = a[0] + a[3];
            return det < 0 ? 1 : trace < 0 ? (det > 0 ? 2 : 1) : 0;
        }
        int neg = 0;
        for (double v : Jacobi.eigen(a, n, null)) {
            neg += v < 0 ? 1 : 0;
        }
        return neg;
    }

    /**
     * Scales the symmetric n×n {@code a} in place to Σ a Σ, Σ = diag({@code sigma}) positive, so that every row's
     * largest entry is near 1 (three passes of Ruiz's scaling; a zero row keeps 1).
     */
    static void ruiz(double[] a, int n, double[] sigma) {
        java.util.Arrays.fill(sigma, 1);
        for (int pass = 0; pass < 3; pass++) {
            for (int i = 0; i < n; i++) {
                double most = 0;
                for (int j = 0; j < n; j++) {
                    most = Math.max(most, Math.abs(a[i * n + j]));
                }
                if (most > 0 && Double.isFinite(most)) {
                    double f = 1 / Math.sqrt(most);
                    sigma[i] *= f;
                    for (int j = 0; j < n; j++) {
                        a[i * n + j] *= f;
                        a[j * n + i] *= f;
                    }
                }
            }
        }
    }

    private static double determinant(double[] m, int r) {
        switch (r) {
            case 1:
                return m[0];
            case 2:
                return m[0] * m[3] - m[1] * m[2];
            case 3:
                return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
                        + m[2] * (m[3] * m[7] - m[4] * m[6]);
            default:
                return 1;
        }
    }

    /** The inverse of a nonsingular symmetric r×r matrix (r ≤ 3) by its adjugate. */
    private static double[] inverse(double[] m, int r) {
        double det = determinant(m, r);
        switch (r) {
            case 0:
                return new double[0];
            case 1:
                return new double[] {1 / m[0]};
            case 2:
                return new double[] {m[3] / det, -m[1] / det, -m[2] / det, m[0] / det};
            default:
                double[] adj = {
                    m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
                    m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
                    m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3]};
                for (int a = 0; a < 9; a++) {
                    adj[a] /= det;
                }
                return adj;
        }
    }

    /** Cyclic Jacobi for the tiny symmetric matrices here (r ≤ 3). */
    static final class Jacobi {
        private Jacobi() {}

        /**
         * The eigenvalues of the symmetric n×n {@code m} (row-major, not modified); with {@code vectors} (n×n) non-null,
         * column j of it the unit eigenvector of value j.
         */
        static double[] eigen(double[] m, int n, double[] vectors) {
            double[] a = m.clone();
            double[] v = vectors == null ? new double[n * n] : vectors;
            java.util.Arrays.fill(v, 0);
            for (int i = 0; i < n; i++) {
                v[i * n + i] = 1;
            }
            for (int sweep = 0; sweep < 60; sweep++) {
                double off = 0;
                double all = 0;
                for (int p = 0; p < n; p++) {
                    for (int q = 0; q < n; q++) {
                        all += a[p * n + q] * a[p * n + q];
                        if (p != q) {
                            off += a[p * n + q] * a[p * n + q];
                        }
                    }
                }
                // converged when the off-diagonal part is at the rounding of the whole (ε² of its square): more
                // sweeps would only stir that rounding
                if (!(off > 1e-30 * all)) {
                    break;
                }
                for (int p = 0; p < n; p++) {
                    for (int q = p + 1; q < n; q++) {
                        double apq = a[p * n + q];
                        if (apq == 0) {
                            continue;
                        }
                        double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                        double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                        if (theta == 0) {
                            t = 1;
                        }
                        double c = 1 / Math.sqrt(t * t + 1);
                        double sn = t * c;
                        for (int x = 0; x < n; x++) {
                            double axp = a[x * n + p];
                            double axq = a[x * n + q];
                            a[x * n + p] = c * axp - sn * axq;
                            a[x * n + q] = sn * axp + c * axq;
                        }
                        for (int x = 0; x < n; x++) {
                            double apx = a[p * n + x];
                            double aqx = a[q * n + x];
                            a[p * n + x] = c * apx - sn * aqx;
                            a[q * n + x] = sn * apx + c * aqx;
                        }
                        for (int x = 0; x < n; x++) {
                            double vxp = v[x * n + p];
                            double vxq = v[x * n + q];
                            v[x * n + p] = c * vxp - sn * vxq;
                            v[x * n + q] = sn * vxp + c * vxq;
                        }
                    }
                }
            }
            double[] values = new double[n];
            for (int i = 0; i < n; i++) {
                values[i] = a[i * n + i];
            }
            return values;
        }
    }
}
