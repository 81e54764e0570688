package io.nclab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.nclab.nd.Nd;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SGD against PyTorch's {@code torch.optim.SGD} written out in doubles, on f(θ) = Σ a_i θ_i²/2 + b·θ, with the
 * rate changing between steps as a schedule changes it between epochs.
 */
class SgdTest {
    private static final float[] A = {1.5f, 0.5f, 2f, 0.25f, 3f, 1f};
    private static final float[] B = {0.3f, -1f, 0.2f, 0.7f, -0.4f, 0.1f};
    private static final float[] START = {1f, -2f, 0.5f, 3f, -1f, 0.25f};
    private static final double[] RATES = {0.1, 0.1, 0.05, 0.05, 0.02, 0.02, 0.02};
    private static final double MU = 0.9;
    private static final double DECAY = 0.01;

    /** PyTorch's SGD: g = ∇ + λθ; v = g at the first step, else μv + g; θ −= η(g + μv) (Nesterov) or ηv. */
    private static double[] reference(boolean nesterov, int steps) {
        return reference(MU, nesterov, steps);
    }

    private static double[] reference(double mu, boolean nesterov, int steps) {
        double[] t = new double[START.length];
        double[] v = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = START[i];
        }
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < t.length; i++) {
                double g = A[i] * t[i] + B[i] + DECAY * t[i];
                v[i] = s == 0 ? g : mu * v[i] + g;
                t[i] -= RATES[s] * (nesterov ? g + mu * v[i] : v[i]);
            }
        }
        return t;
    }

    private static final class Run implements AutoCloseable {
        final NDManager manager = Nd.newManager();
        final NDArray theta = manager.create(START.clone());
        final NDArray a = manager.create(A);
        final NDArray b = manager.create(B);
        final List<Trainable> params;
        Sgd sgd;

        Run(boolean nesterov) {
            this(MU, nesterov);
        }

        Run(double mu, boolean nesterov) {
            theta.setRequiresGradient(true);
            params = List.of(new Trainable("theta", theta, DECAY));
            sgd = new Sgd(manager, mu, nesterov);
        }

        void steps(int from, int to) {
            for (int s = from; s < to; s++) {
                sgd.step(params, () -> {
                    params.get(0).zeroGradient();
                    try (NDManager scope = manager.newSubManager();
                            GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        scope.tempAttachAll(theta, a, b);
                        NDArray f = theta.square().mul(a).sum().div(2).add(theta.mul(b).sum());
                        gc.backward(f);
                        return f.getFloat();
                    }
                }, RATES[s]);
            }
        }

        float[] values() {
            return theta.toFloatArray();
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    @Test
    void theFusedUpdateIsPyTorchsSgdAcrossRateChanges() {
        for (boolean nesterov : new boolean[] {false, true}) {
            try (Run r = new Run(nesterov)) {
                r.steps(0, RATES.length);
                double[] want = reference(nesterov, RATES.length);
                float[] got = r.values();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-5 * Math.max(1, Math.abs(want[i])), "nesterov " + nesterov + ", θ_" + i);
                }
            }
        }
    }

    /** Without momentum (its own branch of the update): θ −= η(∇ + λθ), step by step. */
    @Test
    void withoutMomentumItIsPlainGradientDescentWithDecay() {
        try (Run r = new Run(0, false)) {
            r.steps(0, RATES.length);
            double[] want = reference(0, false, RATES.length);
            float[] got = r.values();
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-5 * Math.max(1, Math.abs(want[i])), "θ_" + i);
            }
        }
    }

    @Test
    void aRestoredStateContinuesBitForBit() {
        try (Run whole = new Run(false); Run resumed = new Run(false)) {
            whole.steps(0, RATES.length);
            resumed.steps(0, 3);
            byte[] saved;
            try (NDManager scope = resumed.manager.newSubManager()) {
                saved = resumed.sgd.state(scope).encode();
            }
            float[] theta = resumed.values();
            try (Run fresh = new Run(false)) {
                fresh.theta.set(theta);
                try (NDManager scope = fresh.manager.newSubManager()) {
                    fresh.sgd.restore(NDList.decode(scope, saved));
                }
                fresh.steps(3, RATES.length);
                assertArrayEquals(whole.values(), fresh.values(), "resumed after step 3 (the rate changes at step 3)");
            }
        }
    }
}
