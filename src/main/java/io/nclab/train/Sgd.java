package io.nclab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;

/**
 * Stochastic gradient descent with (Nesterov) momentum, exactly as PyTorch's {@code torch.optim.SGD}:
 * g ← ∇ + λθ; v ← μv + g (v = g at the first step); θ ← θ − η (g + μv) with Nesterov, θ − η v without.
 *
 * <p>With momentum and without Nesterov (the papers' setting), each parameter is updated by one native call
 * (PyTorch engine's fused SGD update: s ← μs + η(∇ + λθ); θ ← θ − s) instead of six array operations, which
 * keeps the buffer scaled by the rate, s = ηv. When the rate changes (once per epoch with a schedule) the
 * buffer is rescaled by η_new/η_old, so the iterates are PyTorch's up to rounding. Checkpoints hold s and
 * the rate it is scaled by, so a resumed run continues bit for bit.
 */
public final class Sgd implements Optimizer {
    private final double momentum;
    private final boolean nesterov;
    /** The momentum buffers: v, or ηv (η = {@link #scaledBy}) on the fused path. */
    private final List<NDArray> velocity = new ArrayList<>();
    private final NDManager manager;
    /** The rate the buffers are scaled by; NaN while they hold v itself. */
    private double scaledBy = Double.NaN;
    /** The name of the checkpointed scale (the last entry of {@link #state} on the fused path). */
    static final String SCALE = "sgd_velocity_scale";

    public Sgd(NDManager manager, double momentum, boolean nesterov) {
        this.manager = manager;
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override
    public void step(List<Trainable> params, Objective objective, double lr) {
        objective.evaluate();
        if (momentum > 0 && !nesterov && params.stream().allMatch(p -> p.value() instanceof PtNDArray)) {
            fusedStep(params, lr);
            return;
        }
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

    private void fusedStep(List<Trainable> params, double lr) {
        if (velocity.isEmpty()) {
            for (Trainable p : params) {
                NDArray s = p.value().zerosLike(); // μ·0 + ηg: the first step sets s = ηg, i.e. v = g
                s.attach(manager);
                s.setName(p.name());
                velocity.add(s);
            }
            scaledBy = lr;
        } else if (Double.isNaN(scaledBy) || scaledBy != lr) {
            // v (restored from a checkpoint of the unfused path) or ηv at the previous rate: rescale to ηv now
            double r = Double.isNaN(scaledBy) ? lr : lr / scaledBy;
            for (NDArray s : velocity) {
                s.muli(r);
            }
            scaledBy = lr;
        }
        for (int i = 0; i < params.size(); i++) {
            Trainable p = params.get(i);
            try (NDArray g = p.gradient()) {
                JniUtils.sgdUpdate((PtNDArray) p.value(), (PtNDArray) g, (PtNDArray) velocity.get(i), (float) lr,
                        (float) p.decay(), 1f, -1f, (float) momentum);
            }
        }
    }

    @Override
    public NDList state(NDManager m) {
        NDList out = new NDList();
        for (NDArray v : velocity) {
            out.add(Optimizer.copy(v, m, v.getName()));
        }
        if (!Double.isNaN(scaledBy)) {
            NDArray scale = m.create(new double[] {scaledBy});
            scale.setName(SCALE);
            out.add(scale);
        }
        return out;
    }

    @Override
    public void restore(NDList state) {
        velocity.forEach(NDArray::close);
        velocity.clear();
        scaledBy = Double.NaN;
        for (NDArray v : state) {
            if (SCALE.equals(v.getName()) && v.getDataType() == DataType.FLOAT64 && v.size() == 1) {
                scaledBy = v.toDoubleArray()[0];
            } else {
                velocity.add(Optimizer.copy(v, manager, v.getName()));
            }
        }
        if (!Double.isNaN(scaledBy) && (nesterov || momentum == 0)) {
            // a fused-path checkpoint continued by the plain path: back to v
            for (NDArray v : velocity) {
                v.divi(scaledBy);
            }
            scaledBy = Double.NaN;
        }
    }
}
