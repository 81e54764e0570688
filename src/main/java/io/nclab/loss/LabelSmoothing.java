package io.nclab.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Label smoothing, the losses paper's eq. (5): L_LS(z, y_k) = −Σ_ℓ y^smooth_ℓ log p_ℓ with the smoothed
 * target y^smooth = (1 − α) e_k + (α/K) 1 and p = softmax(z); α = 0 is CE.
 *
 * <p>Since Σ_ℓ y^smooth_ℓ = 1, the gradient is p − y^smooth and the Hessian diag(p) − ppᵀ.
 */
public final class LabelSmoothing implements Loss {
    private final double alpha;

    public LabelSmoothing(double alpha) {
        if (!(alpha >= 0 && alpha < 1)) {
            throw new IllegalArgumentException("label smoothing needs 0 <= alpha < 1, got " + alpha);
        }
        this.alpha = alpha;
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String spec() {
        return "ls:alpha=" + LossSpec.format(alpha);
    }

    @Override
    public String name() {
        return "ls";
    }

    @Override
    public boolean contrastive() {
        return true;
    }

    /** y^smooth = (1 − α) Y + α/K, K×N. */
    private NDArray smoothed(NDArray targets) {
        long k = targets.getShape().get(0);
        return targets.mul(1 - alpha).add(alpha / k);
    }

    @Override
    public NDArray values(NDArray logits, NDArray targets) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            return scope.ret(SoftmaxLosses.of(logits).logp().mul(smoothed(targets)).sum(new int[] {0}).neg());
        }
    }

    @Override
    public NDArray gradient(NDArray logits, NDArray targets) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            return scope.ret(gradient(SoftmaxLosses.of(logits), targets, smoothed(targets)));
        }
    }

    /** p − y^smooth from the softmax and the smoothed targets. */
    private NDArray gradient(SoftmaxLosses.Softmax sm, NDArray targets, NDArray smooth) {
        long k = targets.getShape().get(0);
        // 1 − y^smooth per entry, α(K−1)/K at the target and 1 − α/K elsewhere, with no rounding of y^smooth
        return SoftmaxLosses.minus(sm, smooth,
                () -> targets.mul(alpha * (k - 1) / k).add(targets.neg().add(1).mul(1 - alpha / k)));
    }

    @Override
    public ai.djl.ndarray.NDList valuesAndGradient(NDArray logits, NDArray targets) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            SoftmaxLosses.Softmax sm = SoftmaxLosses.of(logits);
            NDArray smooth = smoothed(targets);
            NDArray values = sm.logp().mul(smooth).sum(new int[] {0}).neg();
            return new ai.djl.ndarray.NDList(scope.ret(values), scope.ret(gradient(sm, targets, smooth)));
        }
    }

    @Override
    public NDArray hessianVector(NDArray logits, NDArray targets, NDArray v) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets, v);
            return scope.ret(SoftmaxLosses.softmaxJacobianTimes(SoftmaxLosses.of(logits), v));
        }
    }

    @Override
    public LogitHessians hessians(NDArray logits, NDArray targets) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            return SoftmaxLosses.softmaxJacobians(SoftmaxLosses.of(logits));
        }
    }

    @Override
    public String toString() {
        return spec();
    }
}
