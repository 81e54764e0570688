package io.nclab.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;

/**
 * Focal loss, the losses paper's eq. (4): L_FL(z, y_k) = −(1 − p_k)^γ log p_k, p = softmax(z), γ ≥ 0
 * (γ = 0 is CE).
 *
 * <p>Written as a function of ℓ = log p_k (with q = p_k = e^ℓ and dℓ/dz = e_k − p =: u):
 * <ul>
 *   <li>gradient a(ℓ)·u with a = dL/dℓ = γ(1 − q)^{γ−1} q ℓ − (1 − q)^γ = (1 − q)^γ (γ q r − 1),
 *       r = ℓ/(1 − q);</li>
 *   <li>Hessian a′(ℓ) uuᵀ − a (diag(p) − ppᵀ) with
 *       a′ = γ q (1 − q)^{γ−1} [ℓ + 2 − (γ − 1) q r].</li>
 * </ul>
 * 1 − q is computed as Σ_{j≠k} p_j, exact even when it is tiny, and r → −1 as q → 1, so extreme
 * logits give finite values; in float64, ℓ and u keep their digits for confident samples ({@link SoftmaxLosses}).
 */
public final class FocalLoss implements Loss {
    private final double gamma;

    public FocalLoss(double gamma) {
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("focal loss needs gamma >= 0, got " + gamma);
        }
        this.gamma = gamma;
    }

    public double gamma() {
        return gamma;
    }

    @Override
    public String spec() {
        return "focal:gamma=" + LossSpec.format(gamma);
    }

    @Override
    public String name() {
        return "focal";
    }

    @Override
    public boolean contrastive() {
        return true;
    }

    /** The per-sample pieces: the softmax, ℓ = log p_k, q, 1 − q, r (each 1×N). */
    private record Parts(SoftmaxLosses.Softmax sm, NDArray ell, NDArray q, NDArray omq, NDArray r) {
        /** u = e_k − p (K×N), its target entry without cancellation where the softmax is exact. */
        NDArray u(NDArray targets) {
            // the plain softmax's e_k − p as it always was computed (float32 training: the same operations)
            return sm.accurate() ? SoftmaxLosses.minus(sm, targets).neg() : targets.sub(sm.p());
        }
    }

    private static Parts parts(NDArray logits, NDArray targets) {
        SoftmaxLosses.Softmax sm = SoftmaxLosses.of(logits);
        NDArray logp = sm.logp();
        if (!sm.accurate()) {
            sm.useP(logp.exp()); // e^{log p}, as focal loss has always computed it
        }
        NDArray p = sm.p();
        NDArray ell = logp.mul(targets).sum(new int[] {0}, true);
        NDArray q = ell.exp();
        // Σ_{j≠k} p_j as Σ (p − p ⊙ y): for one-hot y the same numbers as p ⊙ (1 − y), one K×N array fewer
        NDArray omq = p.sub(p.mul(targets)).sum(new int[] {0}, true);
        NDArray positive = omq.gt(0);
        NDArray r = NDArrays.where(positive, ell.div(NDArrays.where(positive, omq, omq.onesLike())),
                omq.onesLike().neg());
        return new Parts(sm, ell, q, omq, r);
    }

    /**
     * (1 − q)^e, with 0^e taken as 0 for e &lt; 0 (the term it multiplies vanishes there). For 0 &lt; e &lt; 1 the
     * power's derivative e·0^(e−1) is infinite where 1 − q is 0 (float32 training reaches it: a top logit 104
     * ahead), and autograd through {@link #values} multiplied it by ℓ = 0 into NaN; there the power is taken only
     * where 1 − q > 0, so that the derivative at 0 is 0, the limit of d/dz (1 − q)^γ ℓ.
     */
    private static NDArray powOmq(NDArray omq, double e) {
        if (e == 0 || e >= 1) {
            return omq.pow(e);
        }
        NDArray positive = omq.gt(0);
        return NDArrays.where(positive, NDArrays.where(positive, omq, omq.onesLike()).pow(e), omq.zerosLike());
    }

    @Override
    public NDArray values(NDArray logits, NDArray targets) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            Parts s = parts(logits, targets);
            return scope.ret(powOmq(s.omq, gamma).mul(s.ell).neg().squeeze(0));
        }
    }

    /** a = dL/dℓ = (1 − q)^γ (γ q r − 1), 1×N. */
    private NDArray dLdEll(Parts s) {
        return powOmq(s.omq, gamma).mul(s.q.mul(s.r).mul(gamma).sub(1));
    }

    /** a′ = da/dℓ = γ q (1 − q)^{γ−1} [ℓ + 2 − (γ − 1) q r], 1×N. */
    private NDArray dAdEll(Parts s) {
        NDArray bracket = s.ell.add(2).sub(s.q.mul(s.r).mul(gamma - 1));
        return s.q.mul(powOmq(s.omq, gamma - 1)).mul(bracket).mul(gamma);
    }

    @Override
    public NDArray gradient(NDArray logits, NDArray targets) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            Parts s = parts(logits, targets);
            return scope.ret(s.u(targets).mul(dLdEll(s)));
        }
    }

    @Override
    public ai.djl.ndarray.NDList valuesAndGradient(NDArray logits, NDArray targets) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            Parts s = parts(logits, targets);
            NDArray values = powOmq(s.omq, gamma).mul(s.ell).neg().squeeze(0);
            NDArray gradient = s.u(targets).mul(dLdEll(s));
            return new ai.djl.ndarray.NDList(scope.ret(values), scope.ret(gradient));
        }
    }

    @Override
    public NDArray hessianVector(NDArray logits, NDArray targets, NDArray v) {
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets, v);
            Parts s = parts(logits, targets);
            NDArray u = s.u(targets);
            NDArray a = dLdEll(s);
            NDArray aPrime = dAdEll(s);
            NDArray uv = u.mul(v).sum(new int[] {0}, true);
            NDArray first = u.mul(aPrime.mul(uv));
            NDArray second = SoftmaxLosses.softmaxJacobianTimes(s.sm, v).mul(a);
            return scope.ret(first.sub(second));
        }
    }

    /**
     * a′ u uᵀ − a (diag(p) − ppᵀ) per sample, as {@link #hessianVector} takes it: with diag(p) − ppᵀ = diag(d) + [e_t,
     * q] [[0, 1], [1, −1]] [e_t, q]ᵀ ({@link SoftmaxLosses#softmaxJacobians}), diag(−a d) + [e_t, q, u] C [e_t, q, u]ᵀ,
     * C = [[0, −a, 0], [−a, a, 0], [0, 0, a′]]; where the target is the top entry u is q (u = e_k − p) and the rank is 2,
     * C = [[0, −a], [−a, a + a′]].
     */
    @Override
    public LogitHessians hessians(NDArray logits, NDArray targets) {
        int k = (int) logits.getShape().get(0);
        int n = (int) logits.getShape().get(1);
        LogitHessians h;
        double[] u;
        double[] a;
        double[] aPrime;
        try (NDManager scope = NDManager.subManagerOf(logits)) {
            scope.tempAttachAll(logits, targets);
            Parts s = parts(logits, targets);
            u = io.nclab.nd.Nd.toDoubles(s.u(targets));
            a = io.nclab.nd.Nd.toDoubles(dLdEll(s));
            aPrime = io.nclab.nd.Nd.toDoubles(dAdEll(s));
            h = SoftmaxLosses.softmaxJacobians(s.sm);
        }
        for (int i = 0; i < n; i++) {
            int t = 0;
            while (h.vectors()[0][i * k + t] != 1) {
                t++;
            }
            for (int r = 0; r < k; r++) {
                h.diagonal()[i * k + r] *= -a[i];
            }
            h.core(i, 0, 1, -a[i]);
            // the target is the top entry where u's entry there is the positive 1 − p_t, the others' −p_j
            boolean targetOnTop = u[t * n + i] > 0;
            if (targetOnTop) {
                h.core(i, 1, 1, a[i] + aPrime[i]);
            } else {
                h.core(i, 1, 1, a[i]);
                if (aPrime[i] != 0) {
                    for (int r = 0; r < k; r++) {
                        h.vectors()[2][i * k + r] = u[r * n + i];
                    }
                    h.core(i, 2, 2, aPrime[i]);
                    h.ranks()[i] = 3;
                }
            }
        }
        return h;
    }

    @Override
    public String toString() {
        return spec();
    }
}
