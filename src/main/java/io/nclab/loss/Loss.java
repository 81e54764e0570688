package io.nclab.loss;

import ai.djl.ndarray.NDArray;

/**
 * A classification loss L(z, y_k) on logits, batched over samples, with its analytic derivatives.
 *
 * <p>Layout follows the papers: {@code logits} Z is K×N (column i holds the logits z_i of sample i)
 * and {@code targets} Y is the K×N one-hot matrix of labels (column i is e_{y_i}). Arrays are float64
 * for the UFM and the theory, float32 for network training; every method works for both.
 *
 * <p>All results are new arrays attached to the manager of {@code logits}; temporaries are freed.
 */
public interface Loss {

    /** The canonical textual form, e.g. {@code focal:gamma=3}, parseable by {@link LossSpec#parse}. */
    String spec();

    /** The family's short name: ce, focal, ls or mse. */
    String name();

    /** Per-sample losses L(z_i, y_i): a length-N vector. */
    NDArray values(NDArray logits, NDArray targets);

    /** Per-sample gradients ∂L(z_i, y_i)/∂z_i, column by column: K×N. */
    NDArray gradient(NDArray logits, NDArray targets);

    /**
     * {@link #values} and {@link #gradient} together, as a two-element list: the same numbers, with what they share
     * (the softmax, a focal loss's per-sample pieces) computed once. A solver that needs both at each point (L-BFGS's
     * evaluations, training with the analytic gradient) saves a pass of K×N arrays.
     */
    default ai.djl.ndarray.NDList valuesAndGradient(NDArray logits, NDArray targets) {
        return new ai.djl.ndarray.NDList(values(logits, targets), gradient(logits, targets));
    }

    /** Per-sample Hessian-vector products ∇²_z L(z_i, y_i) v_i, column by column: K×N. */
    NDArray hessianVector(NDArray logits, NDArray targets, NDArray v);

    /**
     * Every sample's Hessian ∇²_z L(z_i, y_i) in closed form (float64 logits, K×N), as a diagonal plus a part of rank
     * at most 3 ({@link LogitHessians}): the same numbers as {@link #hessianVector} with the unit vectors, column by
     * column (to a few ulps of the entries), without its K calls, and O(K) numbers per sample instead of K².
     */
    LogitHessians hessians(NDArray logits, NDArray targets);

    /**
     * Whether the loss belongs to the contrastive family of Definition 1 (CE, focal, label smoothing),
     * whose UFM optimum the losses paper's Theorem 1 gives; MSE is treated by the MSE paper instead.
     */
    boolean contrastive();
}
