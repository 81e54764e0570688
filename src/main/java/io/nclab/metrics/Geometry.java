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

    // Row helpers for the engine's one-off K×d loops (class means, centring, the classifier's offsets). Written out in a
    // large method such a loop ran to its end in the interpreter in a one-shot command (at K = 100, d = 2,048 about
    // 5-10 ms each: the JIT compiles a loop of a large method on the stack only after a wait longer than the loop);
    // a small method called once per row is compiled after a few dozen rows. Each keeps the arithmetic, and its order,
    // of the loop it replaces.

    /** out[o+j] = x[a+j] − y[j] for j &lt; d. */
    static void subtract(double[] x, int a, double[] y, int d, double[] out, int o) {
        for (int j = 0; j < d; j++) {
            out[o + j] = x[a + j] - y[j];
        }
    }

    /** out[o+j] = x[a+j] / c for j &lt; d. */
    static void divide(double[] x, int a, double c, int d, double[] out, int o) {
        for (int j = 0; j < d; j++) {
            out[o + j] = x[a + j] / c;
        }
    }

    /** sum[j] += x[a+j] / c for j &lt; d (c = 1: the row itself). */
    static void addDivided(double[] x, int a, double c, int d, double[] sum) {
        for (int j = 0; j < d; j++) {
            sum[j] += x[a + j] / c;
        }
    }

    /** start + Σ_j x[a+j]·y[j], summed in order. */
    static double dotFrom(double start, double[] x, int a, double[] y, int d) {
        double s = start;
        for (int j = 0; j < d; j++) {
            s += x[a + j] * y[j];
        }
        return s;
    }

    /** start + Σ_j |x[a+j]·y[j]|, summed in order. */
    static double absDotFrom(double start, double[] x, int a, double[] y, int d) {
        double s = start;
        for (int j = 0; j < d; j++) {
            s += Math.abs(x[a + j] * y[j]);
        }
        return s;
    }

    /**
     * Σ_j (x[a+j] − y[b+j])² over j &lt; d, with eight partial sums (with one, each addition waits for the one before:
     * about four times slower; with four, the loop still waits on them, 15-30% slower than with eight in a scratch
     * benchmark at d = 2,048); the differences are written to {@code out} from {@code at} (which may be x itself at a).
     */
    static double squaredDifference(double[] x, int a, double[] y, int b, int d, double[] out, int at) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double s5 = 0;
        double s6 = 0;
        double s7 = 0;
        int j = 0;
        for (; j + 7 < d; j += 8) {
            double v0 = x[a + j] - y[b + j];
            double v1 = x[a + j + 1] - y[b + j + 1];
            double v2 = x[a + j + 2] - y[b + j + 2];
            double v3 = x[a + j + 3] - y[b + j + 3];
            double v4 = x[a + j + 4] - y[b + j + 4];
            double v5 = x[a + j + 5] - y[b + j + 5];
            double v6 = x[a + j + 6] - y[b + j + 6];
            double v7 = x[a + j + 7] - y[b + j + 7];
            out[at + j] = v0;
            out[at + j + 1] = v1;
            out[at + j + 2] = v2;
            out[at + j + 3] = v3;
            out[at + j + 4] = v4;
            out[at + j + 5] = v5;
            out[at + j + 6] = v6;
            out[at + j + 7] = v7;
            s0 += v0 * v0;
            s1 += v1 * v1;
            s2 += v2 * v2;
            s3 += v3 * v3;
            s4 += v4 * v4;
            s5 += v5 * v5;
            s6 += v6 * v6;
            s7 += v7 * v7;
        }
        for (; j < d; j++) {
            double v = x[a + j] - y[b + j];
            out[at + j] = v;
            s0 += v * v;
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /**
     * {@link #squaredDifference(double[], int, double[], int, int, double[], int)} for float32 x (from 0) against
     * float64 y (from 0), in one loop: the widening is exact, so the sum and the differences written to {@code out}
     * from {@code at} are those of x widened first, without a second pass over the row. The same loop written for
     * float[] (Java has no generics over primitive arrays): the second pass's centring of float32 rows, where widening
     * first and then subtracting took 7% longer (best of ten warm passes, N = 50,000, d = 2,048, K = 10).
     */
    static double squaredDifference(float[] x, double[] y, int d, double[] out, int at) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double s5 = 0;
        double s6 = 0;
        double s7 = 0;
        int j = 0;
        for (; j + 7 < d; j += 8) {
            double v0 = x[j] - y[j];
            double v1 = x[j + 1] - y[j + 1];
            double v2 = x[j + 2] - y[j + 2];
            double v3 = x[j + 3] - y[j + 3];
            double v4 = x[j + 4] - y[j + 4];
            double v5 = x[j + 5] - y[j + 5];
            double v6 = x[j + 6] - y[j + 6];
            double v7 = x[j + 7] - y[j + 7];
            out[at + j] = v0;
            out[at + j + 1] = v1;
            out[at + j + 2] = v2;
            out[at + j + 3] = v3;
            out[at + j + 4] = v4;
            out[at + j + 5] = v5;
            out[at + j + 6] = v6;
            out[at + j + 7] = v7;
            s0 += v0 * v0;
            s1 += v1 * v1;
            s2 += v2 * v2;
            s3 += v3 * v3;
            s4 += v4 * v4;
            s5 += v5 * v5;
            s6 += v6 * v6;
            s7 += v7 * v7;
        }
        for (; j < d; j++) {
            double v = x[j] - y[j];
            out[at + j] = v;
            s0 += v * v;
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }
}
