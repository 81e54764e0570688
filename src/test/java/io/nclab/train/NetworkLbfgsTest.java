package io.nclab.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.nclab.nd.Nd;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The networks' L-BFGS on an ill-conditioned quadratic f(θ) = Σ a_i θ_i²/2 + b·θ (a_i from 1 to 300): it must
 * build curvature pairs and so beat steepest descent by orders of magnitude in the same 40 iterations (gap to
 * the optimum 1e-5 of the start, in 45 evaluations). With the gradient kept as a handle onto the parameter's live
 * gradient, every pair was (s, 0), none was kept, and each iteration was a steepest-descent step with a line
 * search: 5e-3 of the start was left after 114 evaluations.
 */
class NetworkLbfgsTest {
    private static final int DIM = 50;

    @Test
    void curvaturePairsMakeItFarBetterThanSteepestDescent() {
        float[] a = new float[DIM];
        float[] b = new float[DIM];
        float[] start = new float[DIM];
        double optimum = 0;
        for (int i = 0; i < DIM; i++) {
            a[i] = (float) Math.pow(300, i / (DIM - 1.0));
            b[i] = (float) Math.sin(1.7 * i);
            start[i] = (float) Math.cos(0.9 * i);
            optimum -= (double) b[i] * b[i] / (2.0 * a[i]);
        }
        try (NDManager manager = Nd.newManager()) {
            NDArray theta = manager.create(start);
            NDArray av = manager.create(a);
            NDArray bv = manager.create(b);
            theta.setRequiresGradient(true);
            List<Trainable> params = List.of(new Trainable("theta", theta, 0));
            int[] evaluations = {0};
            double[] last = {Double.NaN};
            Optimizer.Objective f = () -> {
                evaluations[0]++;
                params.get(0).zeroGradient();
                try (NDManager scope = manager.newSubManager();
                        GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    scope.tempAttachAll(theta, av, bv);
                    NDArray value = theta.square().mul(av).sum().div(2).add(theta.mul(bv).sum());
                    gc.backward(value);
                    last[0] = value.getFloat();
                    return last[0];
                }
            };
            double initial = f.evaluate() - optimum;
            new NetworkLbfgs(10, 40).step(params, f, 1.0);
            double after = f.evaluate() - optimum;
            assertTrue(after < 1e-4 * initial, "gap to the optimum " + initial + " -> " + after + " after "
                    + evaluations[0] + " evaluations (steepest descent leaves about 5e-3 of it)");
        }
    }
}
