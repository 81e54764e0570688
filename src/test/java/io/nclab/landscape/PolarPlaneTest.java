package io.nclab.landscape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.nclab.loss.LossSpec;
import io.nclab.nd.Nd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proposition C.1's logits against an explicitly built simplex ETF, the landscape against the MSE
 * paper's closed forms (31) and (32), and the K → ∞ gradient field against (34) and (35).
 */
class PolarPlaneTest {
    static final double[] S = {0.3, 1.0, 2.5, 7.0};
    static final double[] THETA = {0.0, 0.4, 1.3, 2.2, 3.1};

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 10})
    void logitsAreThoseOfAnExplicitSimplexEtf(int k) {
        // W: rows w_j = √(K/(K−1)) (e_j − 1/K), unit norm, in R^K; h in span{w_0, w_1} at (s, θ) from w_0
        double c = Math.sqrt(k / (k - 1.0));
        double[][] w = new double[k][k];
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < k; i++) {
                w[j][i] = c * ((i == j ? 1 : 0) - 1.0 / k);
            }
        }
        double[] u = w[0];
        double proj = dot(w[1], u);
        double[] v = new double[k];
        for (int i = 0; i < k; i++) {
            v[i] = w[1][i] - proj * u[i];
        }
        double vn = Math.sqrt(dot(v, v));
        for (int i = 0; i < k; i++) {
            v[i] /= vn;
        }
        PolarPlane plane = PolarPlane.simplexEtf(k);
        try (NDManager m = Nd.newManager()) {
            double[][] z = Nd.toMatrix(plane.logits(m, S, THETA));
            for (int a = 0; a < S.length; a++) {
                for (int b = 0; b < THETA.length; b++) {
                    double[] h = new double[k];
                    for (int i = 0; i < k; i++) {
                        h[i] = S[a] * (Math.cos(THETA[b]) * u[i] + Math.sin(THETA[b]) * v[i]);
                    }
                    for (int j = 0; j < k; j++) {
                        assertEquals(dot(w[j], h), z[j][a * THETA.length + b], 1e-12);
                    }
                }
            }
        }
    }

    @Test
    void lossesMatchEquations31And32() {
        int k = 5;
        double alpha = 3;
        double bigM = 4;
        PolarPlane plane = PolarPlane.simplexEtf(k);
        double[][] mse = plane.loss(LossSpec.parse("mse:alpha=3,m=4"), S, THETA);
        double[][] ce = plane.loss(LossSpec.parse("ce"), S, THETA);
        for (int a = 0; a < S.length; a++) {
            for (int b = 0; b < THETA.length; b++) {
                double s = S[a];
                double st = Math.sin(THETA[b]);
                double ct = Math.cos(THETA[b]);
                double zk1 = s * (Math.sqrt(k * k - 2.0 * k) * st - ct) / (k - 1);
                double zk2 = -s * (Math.sqrt(k / (k - 2.0)) * st + ct) / (k - 1);
                double eq31 = alpha / 2 * Math.pow(s * ct - bigM, 2) + 0.5 * (zk1 * zk1 + (k - 2) * zk2 * zk2);
                double eq32 = -Math.log(Math.exp(s * ct) / (Math.exp(s * ct) + Math.exp(zk1) + (k - 2) * Math.exp(zk2)));
                assertEquals(eq31, mse[a][b], 1e-10 * Math.max(1, eq31));
                assertEquals(eq32, ce[a][b], 1e-12 * Math.max(1, eq32));
            }
        }
    }

    @Test
    void limitFieldMatchesEquations34And35() {
        double alpha = 2.5;
        double bigM = 3;
        PolarPlane.Field mse = PolarPlane.limit().gradient(LossSpec.parse("mse:alpha=2.5,m=3"), S, THETA);
        PolarPlane.Field ce = PolarPlane.limit().gradient(LossSpec.parse("ce"), S, THETA);
        for (int a = 0; a < S.length; a++) {
            for (int b = 0; b < THETA.length; b++) {
                double s = S[a];
                double st = Math.sin(THETA[b]);
                double ct = Math.cos(THETA[b]);
                double ds = s + (alpha - 1) * s * ct * ct - alpha * bigM * ct;
                double dt = alpha * bigM * s * st - (alpha - 1) * s * s * st * ct;
                assertEquals(ds, mse.ds()[a][b], 1e-10);
                assertEquals(dt, mse.dtheta()[a][b], 1e-10);
                double e = Math.exp(s * st) / (Math.exp(s * st) + Math.exp(s * ct));
                assertEquals(e * (st - ct), ce.ds()[a][b], 1e-12);
                assertEquals(e * s * (st + ct), ce.dtheta()[a][b], 1e-12);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {10_000, 100_000, 1_000_000})
    void labelSmoothingIsCePlusAlphaZkAtEveryKAndInTheLimit(int k) {
        // L_LS = L_CE + α s cos θ on the ETF plane (its logits sum to 0): the finite-K fields (LabelSmoothing's
        // own α/K smoothing over K logits) differ by α(cos θ, −s sin θ) at every K, and the K → ∞ field drawn
        // is CE's (35) plus the same
        double alpha = 0.2;
        double[] s = {0.5, 2.0, 10.0};
        double[] theta = {0.0, 1.3, 3.1};
        PolarPlane etf = PolarPlane.simplexEtf(k);
        PolarPlane.Field ls = etf.gradient(LossSpec.parse("ls:alpha=0.2"), s, theta);
        PolarPlane.Field ce = etf.gradient(LossSpec.parse("ce"), s, theta);
        PolarPlane.Field lsLimit = PolarPlane.limitGradient(LossSpec.parse("ls:alpha=0.2"), s, theta);
        PolarPlane.Field ceLimit = PolarPlane.limitGradient(LossSpec.parse("ce"), s, theta);
        for (int a = 0; a < s.length; a++) {
            for (int b = 0; b < theta.length; b++) {
                double shiftS = alpha * Math.cos(theta[b]);
                double shiftT = -alpha * s[a] * Math.sin(theta[b]);
                assertEquals(shiftS, ls.ds()[a][b] - ce.ds()[a][b], 1e-9);
                assertEquals(shiftT, ls.dtheta()[a][b] - ce.dtheta()[a][b], 1e-9);
                assertEquals(shiftS, lsLimit.ds()[a][b] - ceLimit.ds()[a][b], 1e-12);
                assertEquals(shiftT, lsLimit.dtheta()[a][b] - ceLimit.dtheta()[a][b], 1e-12);
                if (s[a] <= 2) {
                    // at fixed s the finite-K fields tend (error of order e^s/K) to the limit of (32), which drops
                    // nothing: CE → (−cos θ, s sin θ), LS → (1 − α) times that
                    double tol = 30 * Math.exp(s[a]) / k;
                    assertEquals(-Math.cos(theta[b]), ce.ds()[a][b], tol);
                    assertEquals(s[a] * Math.sin(theta[b]), ce.dtheta()[a][b], tol);
                    assertEquals(-(1 - alpha) * Math.cos(theta[b]), ls.ds()[a][b], tol);
                    assertEquals((1 - alpha) * s[a] * Math.sin(theta[b]), ls.dtheta()[a][b], tol);
                }
            }
        }
        // at θ = 0 the drawn field no longer pushes θ away from w_k (two-class smoothing gave ∂L/∂θ = −0.9995 at s = 10)
        assertTrue(Math.abs(lsLimit.dtheta()[2][0]) < 1e-3, "dL/dtheta at (10, 0): " + lsLimit.dtheta()[2][0]);
        assertEquals(0.2, lsLimit.ds()[2][0], 1e-3);
    }

    @Test
    void largeKApproachesTheMseLimit() {
        double[][] finite = PolarPlane.simplexEtf(20000).loss(LossSpec.parse("mse:alpha=2,m=3"), S, THETA);
        double[][] limit = PolarPlane.limit().loss(LossSpec.parse("mse:alpha=2,m=3"), S, THETA);
        for (int a = 0; a < S.length; a++) {
            for (int b = 0; b < THETA.length; b++) {
                assertEquals(limit[a][b], finite[a][b], 1e-2 * Math.max(1, limit[a][b]));
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
