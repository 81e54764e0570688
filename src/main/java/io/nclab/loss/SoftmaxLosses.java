package io.nclab.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;

/**
 * The softmax pieces shared by the losses built on p = softmax(z): one place for each formula.
 *
 * <p>For a confident column (the top logit ahead of the others by m, so 1 − p_top ≈ (K−1)e^{−m}) the
 * textbook forms lose their digits: log p_top = −log(1 + s) with s = Σ_{j≠top} e^{z_j − z_top} rounds
 * 1 + s first (relative error ε/s: 1e-8 at m ≈ 18), and p_top − y_top, v_top − ⟨p, v⟩ cancel to about
 * ε absolutely. In float64 (the UFM, the theory, the curvature) these are computed without the
 * cancellation: log1p(s) with s summed over the non-top entries, and the top entries of the gradient
 * and the Hessian product from 1 − p_top = s/(1 + s). In float32 (network training) the rounding of
 * the inputs is larger than what this would save, so the library's log-softmax and softmax are used,
 * as PyTorch does.
 */
final class SoftmaxLosses {
    private SoftmaxLosses() {}

    /**
     * Softmax of the columns of z: log p (K×N), p, and for float64 the top entries (K×N, 1 where z equals
     * its column's max), their count minus one (1×N, ties) and 1 − p for a top entry (1×N); null for float32.
     */
    record Softmax(NDArray logp, NDArray p, NDArray top, NDArray ties, NDArray restOfTop) {
        boolean accurate() {
            return top != null;
        }
    }

    static Softmax of(NDArray z) {
        if (z.getDataType() != DataType.FLOAT64) {
            NDArray logp = z.logSoftmax(0);
            return new Softmax(logp, logp.exp(), null, null, null);
        }
        NDArray d = z.sub(z.max(new int[] {0}, true)); // ≤ 0, exactly 0 at the top entries
        NDArray e = d.exp();
        NDArray top = d.eq(0);
        NDArray ties = top.toType(DataType.FLOAT64, false).sum(new int[] {0}, true).sub(1);
        // s = Σ_{j≠top} e^{z_j − max}: every other top entry counts 1, exactly
        NDArray s = NDArrays.where(top, e.zerosLike(), e).sum(new int[] {0}, true).add(ties);
        NDArray logp = d.sub(log1p(s));
        NDArray p = logp.exp();
        return new Softmax(logp, p, top, ties, s.div(s.add(1)));
    }

    /**
     * log(1 + s) for s ≥ 0 to a few ulps: log(u)·s/(u − 1) with u = fl(1 + s) (Goldberg's form, which
     * cancels the rounding of u), and s itself where u rounds to 1. Differentiable without NaN (the branch
     * not taken never divides by 0).
     */
    static NDArray log1p(NDArray s) {
        NDArray u = s.add(1);
        NDArray one = u.eq(1);
        NDArray den = NDArrays.where(one, u.onesLike(), u.sub(1));
        return NDArrays.where(one, s, u.log().mul(s).div(den));
    }

    /** p − q (q: targets, each column summing to 1), with a top entry's value as (1 − q) − (1 − p) in float64. */
    static NDArray minus(Softmax sm, NDArray q) {
        NDArray diff = sm.p.sub(q);
        if (!sm.accurate()) {
            return diff;
        }
        NDArray exact = q.neg().add(1).sub(sm.restOfTop);
        return NDArrays.where(sm.top, exact, diff);
    }

    /**
     * (diag(p) − ppᵀ) v column by column = p ⊙ (v − ⟨p, v⟩): the Hessian of CE (and LS) times v. With a single
     * top entry (float64), its v_top − ⟨p, v⟩ is taken as (1 − p_top) v_top − Σ_{j≠top} p_j v_j.
     */
    static NDArray softmaxJacobianTimes(Softmax sm, NDArray v) {
        NDArray p = sm.p;
        NDArray pv = p.mul(v);
        NDArray centred = v.sub(pv.sum(new int[] {0}, true));
        if (sm.accurate()) {
            NDArray zero = pv.zerosLike();
            NDArray otherSum = NDArrays.where(sm.top, zero, pv).sum(new int[] {0}, true);
            NDArray vTop = NDArrays.where(sm.top, v, zero).sum(new int[] {0}, true);
            NDArray exact = sm.restOfTop.mul(vTop).sub(otherSum);
            NDArray single = sm.top.logicalAnd(sm.ties.eq(0));
            centred = NDArrays.where(single, exact.broadcast(centred.getShape()), centred);
        }
        return p.mul(centred);
    }
}
