package io.nclab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Stochastic gradient descent with (Nesterov) momentum, exactly as PyTorch's {@code torch.optim.SGD}:
 * g ← ∇ + λθ; v ← μv + g (v = g at the first step); θ ← θ − η (g + μv) with Nesterov, θ − η v without.
 */
public final class Sgd implements Optimizer {
    private final double momentum;
    private final boolean nesterov;
    private final List<NDArray> velocity = new ArrayList<>();
    private final NDManager manager;

    public Sgd(NDManager manager, double momentum, boolean nesterov) {
        this.manager = manager;
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override
    public void step(List<Trainable> params, Objective objective, double lr) {
        objective.evaluate();
        for (int i = 0; i < params.size(); i++) {
            Trainable p = params.get(i);
            NDArray w = p.value();
            try (NDArray g = p.decayedGradient()) {
                if (momentum == 0) {
                    try (NDArray u = g.mul(lr)) {
                        w.subi(u);
                    }
                    continue;
                }
                if (velocity.size() <= i) {
                    velocity.add(Optimizer.copy(g, manager, p.name()));
                } else {
                    velocity.get(i).muli(momentum).addi(g);
                }
                NDArray v = velocity.get(i);
                if (nesterov) {
                    try (NDArray mv = v.mul(momentum)) {
                        g.addi(mv).muli(lr);
                        w.subi(g);
                    }
                } else {
                    try (NDArray u = v.mul(lr)) {
                        w.subi(u);
                    }
                }
            }
        }
    }

    @Override
    public NDList state(NDManager m) {
        NDList out = new NDList();
        for (NDArray v : velocity) {
            out.add(Optimizer.copy(v, m, v.getName()));
        }
        return out;
    }

    @Override
    public void restore(NDList state) {
        velocity.forEach(NDArray::close);
        velocity.clear();
        for (NDArray v : state) {
            velocity.add(Optimizer.copy(v, manager, v.getName()));
        }
    }
}
