package io.nclab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.nclab.optim.Lbfgs;
import io.nclab.optim.Monitor;
import io.nclab.optim.Smooth;
import io.nclab.optim.StopRule;
import io.nclab.optim.Vec;
import java.util.List;

/**
 * L-BFGS with the strong-Wolfe line search on each mini-batch: the UFM solver's {@link Lbfgs} minimises
 * the batch objective f(θ) + Σ λ/2 ‖θ‖² for a few iterations from the current parameters (coupled L2 is
 * part of the function, so the line search sees what it minimises). The curvature pairs live within one
 * batch, so there is no state to checkpoint. {@code lr} caps the length of the first trial step along −∇f
 * (α₀ = min(1, lr/‖∇f‖)). Memory: up to {@code history} pairs (s, y), each two copies of every parameter.
 */
public final class NetworkLbfgs implements Optimizer {
    private final int history;
    private final int iterations;

    public NetworkLbfgs(int history, int iterations) {
        this.history = history;
        this.iterations = iterations;
    }

    /** The trainable parameters' values as one vector of the optimiser's vector space. */
    static final class ParamVec implements Vec<ParamVec> {
        private final NDArray[] arrays;

        ParamVec(NDArray[] arrays) {
            this.arrays = arrays;
        }

        @Override
        public NDArray[] arrays() {
            return arrays;
        }

        @Override
        public ParamVec wrap(NDArray[] a) {
            return new ParamVec(a);
        }

        @Override
        public void close() {
            for (NDArray a : arrays) {
                a.close();
            }
        }
    }

    /** f(θ) + Σ λ/2 ‖θ‖² of one batch, evaluated by setting the network's parameters to θ. */
    private static final class BatchObjective implements Smooth<ParamVec> {
        private final List<Trainable> params;
        private final Objective objective;

        BatchObjective(List<Trainable> params, Objective objective) {
            this.params = params;
            this.objective = objective;
        }

        /** θ := x (a view of the live parameters, never closed). */
        void load(ParamVec x) {
            NDArray[] live = new NDArray[params.size()];
            for (int i = 0; i < live.length; i++) {
                live[i] = params.get(i).value();
            }
            new ParamVec(live).set(x);
        }

        @Override
        public Evaluation<ParamVec> evaluate(ParamVec x) {
            load(x);
            double f = objective.evaluate();
            NDArray[] g = new NDArray[params.size()];
            for (int i = 0; i < g.length; i++) {
                Trainable p = params.get(i);
                f += 0.5 * p.decay() * io.nclab.nd.Nd.sumSquares(p.value());
                // a copy: the handle is the parameter's live gradient, which the next evaluation (a line-search
                // trial) zeroes and refills, and L-BFGS compares this gradient with the next one
                try (NDArray live = p.decayedGradient()) {
                    g[i] = live.duplicate();
                }
            }
            return new Evaluation<>(f, new ParamVec(g));
        }

        @Override
        public double value(ParamVec x) {
            try (Evaluation<ParamVec> e = evaluate(x)) {
                return e.value();
            }
        }

        @Override
        public ParamVec gradient(ParamVec x) {
            return evaluate(x).gradient();
        }
    }

    @Override
    public void step(List<Trainable> params, Objective objective, double lr) {
        BatchObjective f = new BatchObjective(params, objective);
        NDArray[] start = new NDArray[params.size()];
        for (int i = 0; i < start.length; i++) {
            start[i] = params.get(i).value().duplicate();
        }
        try (ParamVec x = new ParamVec(start)) {
            new Lbfgs(history, lr).minimize(f, x, new StopRule(iterations, 0), Monitor.none());
            f.load(x);
        }
    }

    @Override
    public NDList state(NDManager manager) {
        return new NDList();
    }

    @Override
    public void restore(NDList state) {
        // no state across batches
    }
}
