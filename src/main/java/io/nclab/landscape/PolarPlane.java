package io.nclab.landscape;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nclab.loss.CrossEntropy;
import io.nclab.loss.LabelSmoothing;
import io.nclab.loss.Loss;
import io.nclab.nd.Nd;

/**
 * One feature h of class k in the plane span{w_k, w_k'} against a fixed classifier (W, b = 0), in polar
 * coordinates: s = ‖h‖ and θ = the angle between h and w_k. The logits are linear in (s cos θ, s sin θ):
 * z(s, θ) = s cos θ · c + s sin θ · q for two fixed K-vectors c ("cos") and q ("sin"), and the
 * landscape is the loss of the family evaluated at those logits with target class k = 0.
 *
 * <ul>
 *   <li>{@link #simplexEtf(int)}: W a K-simplex ETF of unit rows, the MSE paper's Proposition C.1,
 *       eq. (29): z_k = s cos θ; z_k' = s(√(K²−2K) sin θ − cos θ)/(K−1); every other z_j =
 *       −s(√(K/(K−2)) sin θ + cos θ)/(K−1). The MSE loss of these logits is eq. (31), CE eq. (32).</li>
 *   <li>{@link #limit()}: the K → ∞ regime of eqs. (33)–(35): w_k and w_k' become orthogonal and
 *       the logits that remain are z = (s cos θ, s sin θ). Rescaled MSE becomes
 *       ½[α(s cos θ − M)² + s² sin² θ], eq. (33), with the gradient of eq. (34); for CE, eq. (35)
 *       is the gradient of log(1 + e^{s sin θ − s cos θ}), the CE of these two logits (the paper drops
 *       the other K − 2 logits, which tend to 0). That is a convention, not the limit of eq. (32) at fixed
 *       s: the K − 2 dropped terms e^{z_j} → 1 add up to K − 2, so CE_K − log K → −s cos θ and its gradient
 *       → (−cos θ, s sin θ), only slowly (the error is of order e^s/K).</li>
 * </ul>
 *
 * <p>{@link #limitGradient} is the field the gradient-field figure draws: (34) for MSE and, for the softmax
 * losses, the paper's two-logit convention of (35), with label smoothing carried over exactly (see there).
 *
 * <p>Nothing here writes a loss formula but LS's shift by α z_k ({@link #limitGradient}): values and
 * gradients come from {@link Loss}; the gradient in
 * (s, θ) is the chain rule ∂L/∂s = ⟨∇_z L, cos θ c + sin θ q⟩, ∂L/∂θ = s⟨∇_z L, −sin θ c + cos θ q⟩.
 */
public record PolarPlane(String name, double[] cos, double[] sin) {

    public PolarPlane {
        if (cos.length != sin.length || cos.length < 2) {
            throw new IllegalArgumentException("a polar plane needs two K-vectors of equal length K >= 2");
        }
    }

    /** The number of logits K. */
    public int classes() {
        return cos.length;
    }

    /** Proposition C.1, eq. (29): W a K-simplex ETF (unit rows, b = 0), k = 0 and k' = 1; K ≥ 3. */
    public static PolarPlane simplexEtf(int classes) {
        if (classes < 3) {
            throw new IllegalArgumentException("Proposition C.1 needs K >= 3, got " + classes);
        }
        int k = classes;
        double[] c = new double[k];
        double[] q = new double[k];
        c[0] = 1;
        q[0] = 0;
        c[1] = -1.0 / (k - 1);
        q[1] = Math.sqrt((double) k * k - 2.0 * k) / (k - 1);
        for (int j = 2; j < k; j++) {
            c[j] = -1.0 / (k - 1);
            q[j] = -Math.sqrt(k / (k - 2.0)) / (k - 1);
        }
        return new PolarPlane("K = " + k, c, q);
    }

    /** The K → ∞ limit of eqs. (33)–(35): two logits, z = (s cos θ, s sin θ). */
    public static PolarPlane limit() {
        return new PolarPlane("K → ∞", new double[] {1, 0}, new double[] {0, 1});
    }

    /**
     * The K → ∞ gradient field of one loss in the paper's convention: {@link #limit()}'s two logits, except
     * for label smoothing. On the simplex-ETF plane the logits sum to 0 at every K (the rows of a simplex
     * ETF sum to 0 and b = 0), so with y^smooth = (1 − α)e_k + (α/K)1,
     * L_LS = log Σ_ℓ e^{z_ℓ} − (1 − α) z_k − (α/K) Σ_ℓ z_ℓ = L_CE + α z_k = L_CE + α s cos θ exactly, for
     * every K: the smoothing mass is α/K on each other logit but α on all of them together, and it comes
     * back as α z_k. LS's field is therefore CE's plus α ∇(s cos θ) = α(cos θ, −s sin θ), in the limit
     * too, whichever way CE's limit is taken. (Label smoothing of {@code limit()}'s two logits would
     * instead put α/2 on each, i.e. a two-class problem, and push θ away from w_k at θ = 0.)
     */
    public static Field limitGradient(Loss loss, double[] s, double[] theta) {
        if (!(loss instanceof LabelSmoothing ls)) {
            return limit().gradient(loss, s, theta);
        }
        Field ce = limit().gradient(new CrossEntropy(), s, theta);
        double a = ls.alpha();
        double[][] ds = new double[s.length][theta.length];
        double[][] dtheta = new double[s.length][theta.length];
        for (int i = 0; i < s.length; i++) {
            for (int j = 0; j < theta.length; j++) {
                ds[i][j] = ce.ds()[i][j] + a * Math.cos(theta[j]);
                dtheta[i][j] = ce.dtheta()[i][j] - a * s[i] * Math.sin(theta[j]);
            }
        }
        return new Field(ds, dtheta);
    }

    /** The loss values on the grid: out[i][j] = L(z(s[i], θ[j]), e_0). */
    public double[][] loss(Loss loss, double[] s, double[] theta) {
        try (NDManager m = Nd.newManager()) {
            NDArray z = logits(m, s, theta);
            NDArray y = targets(m, s.length * theta.length);
            return unflatten(Nd.toDoubles(loss.values(z, y)), s.length, theta.length);
        }
    }

    /** The gradient of the loss in polar coordinates on the grid: ∂L/∂s and ∂L/∂θ. */
    public Field gradient(Loss loss, double[] s, double[] theta) {
        try (NDManager m = Nd.newManager()) {
            int n = s.length * theta.length;
            NDArray z = logits(m, s, theta);
            double[] g = Nd.toDoubles(loss.gradient(z, targets(m, n)));
            int k = classes();
            double[] ds = new double[n];
            double[] dtheta = new double[n];
            for (int i = 0; i < s.length; i++) {
                for (int j = 0; j < theta.length; j++) {
                    int col = i * theta.length + j;
                    double ct = Math.cos(theta[j]);
                    double st = Math.sin(theta[j]);
                    for (int r = 0; r < k; r++) {
                        double gr = g[r * n + col];
                        ds[col] += gr * (ct * cos[r] + st * sin[r]);
                        dtheta[col] += gr * s[i] * (-st * cos[r] + ct * sin[r]);
                    }
                }
            }
            return new Field(unflatten(ds, s.length, theta.length), unflatten(dtheta, s.length, theta.length));
        }
    }

    /** ∂L/∂s and ∂L/∂θ on a grid, indexed [s][θ]. */
    public record Field(double[][] ds, double[][] dtheta) {}

    /** Logits K×(|s|·|θ|), column i·|θ| + j at (s[i], θ[j]). */
    NDArray logits(NDManager m, double[] s, double[] theta) {
        int k = classes();
        int n = s.length * theta.length;
        double[] z = new double[k * n];
        for (int i = 0; i < s.length; i++) {
            for (int j = 0; j < theta.length; j++) {
                int col = i * theta.length + j;
                double a = s[i] * Math.cos(theta[j]);
                double b = s[i] * Math.sin(theta[j]);
                for (int r = 0; r < k; r++) {
                    z[r * n + col] = a * cos[r] + b * sin[r];
                }
            }
        }
        return m.create(z, new Shape(k, n));
    }

    private NDArray targets(NDManager m, int n) {
        return Nd.oneHotColumns(m, new int[n], classes());
    }

    private static double[][] unflatten(double[] flat, int rows, int cols) {
        double[][] out = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(flat, i * cols, out[i], 0, cols);
        }
        return out;
    }

    /** n evenly spaced points from lo to hi inclusive. */
    public static double[] grid(double lo, double hi, int n) {
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = n == 1 ? lo : lo + (hi - lo) * i / (n - 1);
        }
        return g;
    }
}
