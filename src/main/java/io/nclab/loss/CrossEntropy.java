package io.nclab.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Cross entropy, the losses paper's eq. (3): L_CE(z, y_k) = −log( exp(z_k) / Σ_j exp(z_j) ).
 *
 * <p>Gradient p − y and Hessian diag(p) − ppᵀ with p = softmax(z). Computed through log-softmax,
 * so logits of any size (|z| = 50 or more) neither overflow nor produce NaN, and in float64 without the
 * cancellation of a confident sample ({@link SoftmaxLosses}).
 */
public final class CrossEntropy implements Loss {

    @Override
    public String spec() {
        return "ce";
    }

    @Override
    public String name() {
        return "ce";
    }

    @Override
    public boolean contrastive() {
        return true;
    }

    @Override
    public NDArray values(NDArray logits, NDArray targets) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            return scope.ret(SoftmaxLosses.of(logits).logp().mul(targets).sum(new int[] {0}).neg());
        }
    }

    @Override
    public NDArray gradient(NDArray logits, NDArray targets) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            return scope.ret(SoftmaxLosses.minus(SoftmaxLosses.of(logits), targets));
        }
    }

    @Override
    public ai.djl.ndarray.NDList valuesAndGradient(NDArray logits, NDArray targets) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            SoftmaxLosses.Softmax sm = SoftmaxLosses.of(logits);
            NDArray values = sm.logp().mul(targets).sum(new int[] {0}).neg();
            NDArray gradient = SoftmaxLosses.minus(sm, targets);
            return new ai.djl.ndarray.NDList(scope.ret(values), scope.ret(gradient));
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
