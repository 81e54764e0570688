package io.nclab.loss;

import ai.djl.ndarray.NDArray;

/** The softmax pieces shared by the losses built on p = softmax(z): one place for each formula. */
final class SoftmaxLosses {
    private SoftmaxLosses() {}

    /** (diag(p) − ppᵀ) v column by column = p ⊙ (v − ⟨p, v⟩): the Hessian of CE (and LS) times v. */
    static NDArray softmaxJacobianTimes(NDArray p, NDArray v) {
        try (NDArray pv = p.mul(v);
                NDArray s = pv.sum(new int[] {0}, true);
                NDArray centred = v.sub(s)) {
            return p.mul(centred);
        }
    }
}
