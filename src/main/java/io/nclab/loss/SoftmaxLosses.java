package io.nclab.loss;

import ai.djl.ndarray.NDArray;
import io.nclab.nd.Nd;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;

/**
 * The softmax pieces shared by the losses built on p = softmax(z): one place for each formula.
 *
 * <p>For a confident column (the top logit ahead of the others by m, so 1 − p_top ≈ (K−1)e^{−m}) the
 * textbook forms lose their digits: log p_top = −log(1 + s) with s = Σ_{j≠top} e^{z_j − z_top} rounds
 * 1 + s first (relative error ε/s: 1e-8 at m ≈ 18), and p_top − y_top, v_top − ⟨p, v⟩ cancel to about
 * ε absolutely. In float64 (the UFM, the theory, the curvature), for a batch with a column whose 1 − p_top
 * is below K·{@link #PLAIN_MARGIN}, these are computed without the cancellation: log1p(s) with s summed over the
 * non-top entries, and the top entries of the gradient and the Hessian product from 1 − p_top = s/(1 + s)
 * (above it the plain forms keep 12 digits, at a tenth of the operations). In float32 (network training) the rounding of
 * the inputs is larger than what this would save, so the library's log-softmax and softmax are used,
 * as PyTorch does.
 */
final class SoftmaxLosses {
    private SoftmaxLosses() {}

    /**
     * Softmax of the columns of z: log p and p (K×N), and where the exact forms are used (float64, a column with 1 − p_top
     * below K·{@link #PLAIN_MARGIN}) the top entries (K×N, true where z equals its column's max), their count minus one (1×N,
     * ties) and 1 − p for a top entry (1×N). Otherwise log p and p are the library's log-softmax and softmax,
     * made when first asked for: float32 training does exactly the operations it always did.
     */
    static final class Softmax {
        private final NDArray z;
        private NDArray logp;
        private NDArray p;
        final NDArray top;
        final NDArray ties;
        final NDArray restOfTop;

        private Softmax(NDArray z, NDArray logp, NDArray p, NDArray top, NDArray ties, NDArray restOfTop) {
            this.z = z;
            this.logp = logp;
            this.p = p;
            this.top = top;
            this.ties = ties;
            this.restOfTop = restOfTop;
        }

        NDArray logp() {
            if (logp == null) {
                logp = z.logSoftmax(0);
            }
            return logp;
        }

        NDArray p() {
            if (p == null) {
                p = z.softmax(0);
            }
            return p;
        }

        boolean accurate() {
            return top != null;
        }

        /** Takes {@code p} as the plain softmax (a loss that computes it its own way, e^{log p}). */
        void useP(NDArray p) {
            if (accurate()) {
                throw new IllegalStateException("the exact softmax keeps its own p");
            }
            this.p = p;
        }
    }

    static Softmax of(NDArray z) {
        if (z.getDataType() != DataType.FLOAT64) {
            return new Softmax(z, null, null, null, null, null);
        }
        // the plain forms lose up to about K·ε/(1 − p_top) relative (the softmax's sum adds K terms next to 1, each
        // rounding by up to ε): below 5e-13 while every column keeps 1 − p_top ≥ K·PLAIN_MARGIN (the UFM's ordinary
        // optima at K = 10, 1 − p_top of 1e-2 and more, never pay for the exact forms' operations). At 1 − p_top ≥ 0.1
        // they stay within ten times the exact forms' own error, whose sum of K terms rounds as well (the exact forms
        // took a focal theory at K = 100,000 from 8 s to 38 s for no digit)
        NDArray p = z.softmax(0);
        if (1 - p.max().getDouble() >= Math.min(0.1, z.getShape().get(0) * PLAIN_MARGIN)) {
            return new Softmax(z, null, p, null, null, null);
        }
        NDArray d = z.sub(z.max(new int[] {0}, true)); // ≤ 0, exactly 0 at the top entries
        NDArray e = d.exp();
        NDArray top = d.eq(0);
        NDArray topOnes = top.toType(DataType.FLOAT64, false);
        NDArray ties = topOnes.sum(new int[] {0}, true).sub(1);
        // s = Σ_{j≠top} e^{z_j − max} (e − 1 is exactly 0 at a top entry), and every other top entry counts 1
        NDArray s = e.sub(topOnes).sum(new int[] {0}, true).add(ties);
        NDArray u = s.add(1);
        return new Softmax(z, d.sub(log1p(s, u)), e.div(u), top, ties, s.div(u));
    }

    /**
     * The plain log-softmax and softmax serve (float64) while every column has 1 − p_top ≥ K times this (or ≥ 0.1):
     * their relative error, measured at 0.1–0.4·K·ε/(1 − p_top) for K = 10 to 10,000, then stays below 5e-13 (or
     * within ten times that of the exact forms, (1 + s)/s).
     */
    static final double PLAIN_MARGIN = 2e-4;

    /**
     * log(1 + s) for s ≥ 0, given u = fl(1 + s), to a few ulps: log u − δ/u with δ = (u − 1) − s the rounding of u
     * (exact: u − 1 and then the difference are exact in float64), which is s itself where u rounds to 1.
     */
    static NDArray log1p(NDArray s, NDArray u) {
        return u.log().sub(u.sub(1).sub(s).div(u));
    }

    /** p − y for one-hot targets y, with a top entry's value as (1 − y) − (1 − p) in float64. */
    static NDArray minus(Softmax sm, NDArray targets) {
        return minus(sm, targets, null);
    }

    /**
     * p − q (q: targets, each column summing to 1), with a top entry's value as (1 − q) − (1 − p) in float64;
     * {@code complement} is 1 − q computed without rounding q first (label smoothing's 1 − q_y = α(K−1)/K, which
     * 1 − fl(1 − α + α/K) loses for α below ε), or null for one-hot q, where 1 − q is exact. It is read only where
     * the exact forms are used.
     */
    static NDArray minus(Softmax sm, NDArray q, java.util.function.Supplier<NDArray> complement) {
        NDArray diff = sm.p().sub(q);
        if (!sm.accurate()) {
            return diff;
        }
        NDArray exact = (complement == null ? q.neg().add(1) : complement.get()).sub(sm.restOfTop);
        return NDArrays.where(sm.top, exact, diff);
    }

    /**
     * diag(p_i) − p_i p_iᵀ for every column i: the Hessian of CE (and LS), written as diag(d) + [e_t, q] [[0, 1],
     * [1, −1]] [e_t, q]ᵀ with t the column's (first) top entry, q = e_t − p, whose q_t = 1 − p_t is the exact softmax's
     * 1 − p_top where that is used, and d = p but d_t = −q_t. Entry (r, c) is p_r(δ_rc − p_c), and the top diagonal
     * −q_t + 2q_t − q_t² = p_t(1 − p_t) without p_t − p_t²'s cancellation: every term is of the size of the entries it
     * makes, as in the Hessian-vector products ({@link #softmaxJacobianTimes}).
     */
    static LogitHessians softmaxJacobians(Softmax sm) {
        NDArray pa = sm.p();
        int k = (int) pa.getShape().get(0);
        int n = (int) pa.getShape().get(1);
        double[] p = Nd.toDoubles(pa);
        double[] rest = sm.accurate() ? Nd.toDoubles(sm.restOfTop) : null;
        LogitHessians h = LogitHessians.zeros(k, n);
        for (int i = 0; i < n; i++) {
            int t = 0;
            for (int r = 1; r < k; r++) {
                if (p[r * n + i] > p[t * n + i]) {
                    t = r;
                }
            }
            double qt = rest != null ? rest[i] : 1 - p[t * n + i];
            for (int r = 0; r < k; r++) {
                h.diagonal()[i * k + r] = p[r * n + i];
                h.vectors()[1][i * k + r] = -p[r * n + i];
            }
            h.diagonal()[i * k + t] = -qt;
            h.vectors()[0][i * k + t] = 1;
            h.vectors()[1][i * k + t] = qt;
            h.core(i, 0, 1, 1);
            h.core(i, 1, 1, -1);
            h.ranks()[i] = 2;
        }
        return h;
    }

    /**
     * (diag(p) − ppᵀ) v column by column = p ⊙ (v − ⟨p, v⟩): the Hessian of CE (and LS) times v. With a single
     * top entry (float64), its v_top − ⟨p, v⟩ is taken as (1 − p_top) v_top − Σ_{j≠top} p_j v_j.
     */
    static NDArray softmaxJacobianTimes(Softmax sm, NDArray v) {
        NDArray p = sm.p();
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
