package io.nclab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Adam (Kingma and Ba 2015) with coupled L2, as PyTorch's {@code torch.optim.Adam}: g ← ∇ + λθ;
 * m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; θ ← θ − η m̂ / (√v̂ + ε) with the bias-corrected
 * m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ). β = (0.9, 0.999), ε = 1e-8.
 */
public final class Adam implements Optimizer {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;

    private final NDManager manager;
    private final List<NDArray> first = new ArrayList<>();
    private final List<NDArray> second = new ArrayList<>();
    private long t;

    public Adam(NDManager manager) {
        this.manager = manager;
    }

    @Override
    public void step(List<Trainable> params, Objective objective, double lr) {
        objective.evaluate();
        t++;
        for (int i = 0; i < params.size(); i++) {
            Trainable p = params.get(i);
            NDArray w = p.value();
            try (NDArray g = p.decayedGradient()) {
                if (first.size() <= i) {
                    first.add(zeros(g, "m." + p.name()));
                    second.add(zeros(g, "v." + p.name()));
                }
                io.nclab.optim.Adam.update(w, g, first.get(i), second.get(i), t, lr, BETA1, BETA2, EPS);
            }
        }
    }

    private NDArray zeros(NDArray like, String name) {
        NDArray z = like.zerosLike();
        z.attach(manager);
        z.setName(name);
        return z;
    }

    @Override
    public NDList state(NDManager m) {
        NDList out = new NDList();
        for (int i = 0; i < first.size(); i++) {
            out.add(Optimizer.copy(first.get(i), m, first.get(i).getName()));
            out.add(Optimizer.copy(second.get(i), m, second.get(i).getName()));
        }
        NDArray steps = m.create(new long[] {t});
        steps.setName("t");
        out.add(steps);
        return out;
    }

    @Override
    public void restore(NDList state) {
        first.forEach(NDArray::close);
        second.forEach(NDArray::close);
        first.clear();
        second.clear();
        for (int i = 0; i + 1 < state.size(); i += 2) {
            first.add(Optimizer.copy(state.get(i), manager, state.get(i).getName()));
            second.add(Optimizer.copy(state.get(i + 1), manager, state.get(i + 1).getName()));
        }
        t = state.get(state.size() - 1).toLongArray()[0];
    }
}
