package io.nclab.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * (Rescaled) squared error, the losses paper's eq. (6) and the MSE paper's eq. (4):
 * L(z, y_k) = ½ [ α (z_k − M)² + Σ_{j≠k} z_j² ] = ½ Σ_j Ω_j (z_j − M y_j)², Ω = 1 + (α − 1) y.
 *
 * <p>The factor ½ is the MSE paper's (its eqs. (3) and (4)); the losses paper's eq. (6) writes the same loss with β
 * for M, and whether it carries the ½ is not legible in the text at hand. Without it the loss doubles, and a UFM
 * with that loss and weight decays λ has the optima of this one with decays λ/2.
 *
 * <p>α = M = 1 is exactly ½‖z − y‖², so the UFM objective is the MSE paper's eq. (3). The gradient is
 * Ω ⊙ (z − M y) and the Hessian diag(Ω).
 */
public final class RescaledMse implements Loss {
    private final double alpha;
    private final double m;

    public RescaledMse(double alpha, double m) {
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("mse needs alpha > 0, got " + alpha);
        }
        if (!(m > 0) || Double.isInfinite(m)) {
            throw new IllegalArgumentException("mse needs m > 0, got " + m);
        }
        this.alpha = alpha;
        this.m = m;
    }

    public double alpha() {
        return alpha;
    }

    /** The target scale M. */
    public double m() {
        return m;
    }

    /** Whether this is the vanilla MSE of the MSE paper (α = M = 1). */
    public boolean vanilla() {
        return alpha == 1 && m == 1;
    }

    @Override
    public String spec() {
        return vanilla() ? "mse" : "mse:alpha=" + LossSpec.format(alpha) + ",m=" + LossSpec.format(m);
    }

    @Override
    public String name() {
        return "mse";
    }

    @Override
    public boolean contrastive() {
        return false;
    }

    private NDArray omega(NDArray targets) {
        return targets.mul(alpha - 1).add(1);
    }

    @Override
    public NDArray values(NDArray logits, NDArray targets) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            NDArray r = logits.sub(targets.mul(m));
            return scope.ret(r.mul(r).mul(omega(targets)).sum(new int[] {0}).mul(0.5));
        }
    }

    @Override
    public NDArray gradient(NDArray logits, NDArray targets) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            NDArray r = logits.sub(targets.mul(m));
            return scope.ret(alpha == 1 ? r : r.mul(omega(targets)));
        }
    }

    @Override
    public NDArray hessianVector(NDArray logits, NDArray targets, NDArray v) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets, v);
            return scope.ret(alpha == 1 ? v.duplicate() : v.mul(omega(targets)));
        }
    }

    /** diag(ω_i): 1, or α at the true class (exactly 1 everywhere where α = 1); no low-rank part. */
    @Override
    public LogitHessians hessians(NDArray logits, NDArray targets) {
        int k = (int) logits.getShape().get(0);
        int n = (int) logits.getShape().get(1);
        double[] omega;
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            omega = io.nclab.nd.Nd.toDoubles(omega(targets).toType(ai.djl.ndarray.types.DataType.FLOAT64, false));
        }
        LogitHessians h = LogitHessians.zeros(k, n);
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < k; r++) {
                h.diagonal()[i * k + r] = omega[r * n + i];
            }
        }
        return h;
    }

    @Override
    public String toString() {
        return spec();
    }
}
