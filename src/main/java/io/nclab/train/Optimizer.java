package io.nclab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * An optimiser of the network's parameters. Each step evaluates the mini-batch objective through
 * {@link Objective} (once for SGD and Adam, as often as its line search needs for L-BFGS) and updates the
 * parameters in place. Its state (momenta, moments, curvature pairs) round-trips through {@link #state()}
 * for checkpoints.
 */
public interface Optimizer {

    /** The mini-batch objective: runs forward and backward, leaving ∇ in each parameter's gradient. */
    @FunctionalInterface
    interface Objective {
        /** Zeroes the gradients, evaluates the objective and its gradient, returns its value. */
        double evaluate();
    }

    /** One step. */
    void step(List<Trainable> params, Objective objective, double lr);

    /** The state, as arrays copied into {@code manager}, named for a checkpoint. */
    NDList state(NDManager manager);

    /** Restores a state written by {@link #state}. */
    void restore(NDList state);

    /** Copies {@code a} into a fresh array of {@code manager}, named. */
    static NDArray copy(NDArray a, NDManager manager, String name) {
        NDArray c = a.duplicate();
        c.attach(manager);
        c.setName(name);
        return c;
    }
}
