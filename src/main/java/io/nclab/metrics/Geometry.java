package io.nclab.metrics;


/** The K×K formulas of the collapse metrics, on Gram matrices held as row-major arrays. */
final class Geometry {
    private Geometry() {}

    /** ε of float64, for the pseudo-inverse and rank cut-offs. */
    static final double EPS = Math.ulp(1.0);

    /**
     * ‖G/‖G‖_F − T‖_F with T = (I_K − 11ᵀ/K)/√(K−1), the simplex ETF of unit Frobenius norm (the
     * losses paper's NC2/NC3, §4; the MSE paper's eqs. 7–8). Summed entry by entry, so that an exact
     * ETF gives round-off (≈1e-16), not the √ε that 2 − 2⟨G/‖G‖, T⟩ would leave. NaN for G = 0.
     */
    static double etfDistance(double[] g, int k) {
        // ‖G‖_F of G scaled by its largest entry: the squares neither overflow nor underflow at any scale
        double top = 0;
        for (double v : g) {
            top = Math.max(top, Math.abs(v));
        }
        if (top == 0 || !Double.isFinite(top)) {
            return Double.NaN;
        }
        double sum = 0;
        for (double v : g) {
            sum += (v / top) * (v / top);
        }
        double root = Math.sqrt(sum); // ‖G‖_F = top·root; G/‖G‖_F is taken as (G/top)/root, which cannot overflow
        double scale = 1.0 / Math.sqrt(k - 1.0);
        double s = 0;
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                double t = ((a == b ? 1.0 : 0.0) - 1.0 / k) * scale;
                double e = g[a * k + b] / top / root - t;
                s += e * e;
            }
        }
        return Math.sqrt(s);
    }

    /** Population standard deviation (divide by the count) over the mean: the coefficient of variation. */
    static double stdOverMean(double[] v) {
        return std(v) / mean(v);
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Population standard deviation, two-pass. */
    static double std(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }

    /** √G_kk for a Gram matrix. */
    static double[] norms(double[] g, int k) {
        double[] n = new double[k];
        for (int a = 0; a < k; a++) {
            n[a] = Math.sqrt(Math.max(0, g[a * k + a]));
        }
        return n;
    }

    /** cos(x_a, x_b) for a < b from the Gram matrix of the x's, K(K−1)/2 values. */
    static double[] pairCosines(double[] g, int k) {
        double[] n = norms(g, k);
        double[] c = new double[k * (k - 1) / 2];
        int i = 0;
        for (int a = 0; a < k; a++) {
            for (int b = a + 1; b < k; b++) {
                c[i++] = g[a * k + b] / (n[a] * n[b]);
            }
        }
        return c;
    }
}
