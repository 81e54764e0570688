package io.nclab.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nclab.nd.Nd;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LbfgsTest {

    /** A vector of one array, closed with it. */
    private record Flat(NDArray a) implements Vec<Flat> {
        @Override
        public NDArray[] arrays() {
            return new NDArray[] {a};
        }

        @Override
        public Flat wrap(NDArray[] arrays) {
            return new Flat(arrays[0]);
        }

        @Override
        public void close() {
            a.close();
        }
    }

    /** f(x) = ½ Σ a_i x_i² − Σ b_i x_i + ¼ Σ x_i⁴: smooth, strictly convex, not quadratic. */
    private record Quartic(NDArray a, NDArray b) implements Smooth<Flat> {
        @Override
        public Evaluation<Flat> evaluate(Flat x) {
            return new Evaluation<>(value(x), gradient(x));
        }

        @Override
        public double value(Flat x) {
            try (NDArray x2 = x.a().square(); NDArray x4 = x2.square(); NDArray s4 = x4.sum()) {
                return 0.5 * Nd.dot(x2, a) - Nd.dot(x.a(), b) + 0.25 * s4.getDouble();
            }
        }

        @Override
        public Flat gradient(Flat x) {
            NDArray g = x.a().mul(a);
            try (NDArray cube = x.a().pow(3)) {
                g.addi(cube).subi(b);
            }
            return new Flat(g);
        }
    }

    /** f(x) = −Σ x_i: every longer step is lower, and the slope never shrinks (no step meets the curvature test). */
    private record Downhill(NDArray ones) implements Smooth<Flat> {
        @Override
        public Evaluation<Flat> evaluate(Flat x) {
            return new Evaluation<>(value(x), gradient(x));
        }

        @Override
        public double value(Flat x) {
            return -Nd.dot(x.a(), ones);
        }

        @Override
        public Flat gradient(Flat x) {
            return new Flat(ones.neg());
        }
    }

    /**
     * A line search whose budget runs out while the step is still growing keeps its last (lowest) trial: it had
     * returned nothing, which ended a solve started near the origin as if at machine precision.
     */
    @Test
    void aSearchOutOfBudgetWhileGrowingKeepsItsProgress() {
        try (NDManager m = Nd.newManager(); Spares<Flat> spares = new Spares<>(8)) {
            Downhill f = new Downhill(m.ones(new Shape(3), ai.djl.ndarray.types.DataType.FLOAT64));
            Flat x = new Flat(m.zeros(new Shape(3), ai.djl.ndarray.types.DataType.FLOAT64));
            Flat d = new Flat(m.ones(new Shape(3), ai.djl.ndarray.types.DataType.FLOAT64));
            StrongWolfe.Step<Flat> step = new StrongWolfe(1e-4, 0.9, 3).search(f, x, 0, -3, d, 1, spares);
            assertTrue(step != null, "the search kept no step");
            assertEquals(4, step.alpha()); // trials at 1, 2 and 4
            assertEquals(-12, step.value());
            step.close();
        }
    }

    /**
     * f(x) = 7 − 1e-18·x + 1e-14·x² (counting its evaluations): the slope at 0 is negative, but no step changes f by
     * more than its round-off before the rise takes over. The search gives up on the first bracket whose steps cannot
     * change f measurably, where it had spent its whole budget halving it (40 evaluations: 35 s at the UFM's origin,
     * K = 1,000).
     */
    @Test
    void aBracketBelowTheRoundOffOfFEndsTheSearch() {
        int[] evaluations = {0};
        Smooth<Flat> f = new Smooth<>() {
            @Override
            public Evaluation<Flat> evaluate(Flat x) {
                return new Evaluation<>(value(x), gradient(x));
            }

            @Override
            public double value(Flat x) {
                evaluations[0]++;
                double v = x.a().getDouble(0);
                return 7 - 1e-18 * v + 1e-14 * v * v;
            }

            @Override
            public Flat gradient(Flat x) {
                return new Flat(x.a().mul(2e-14).sub(1e-18));
            }
        };
        try (NDManager m = Nd.newManager(); Spares<Flat> spares = new Spares<>(8)) {
            Flat x = new Flat(m.zeros(new Shape(1), ai.djl.ndarray.types.DataType.FLOAT64));
            Flat d = new Flat(m.ones(new Shape(1), ai.djl.ndarray.types.DataType.FLOAT64));
            StrongWolfe.Step<Flat> step = new StrongWolfe(1e-4, 0.9, 40).search(f, x, 7, -1e-18, d, 1, spares);
            assertTrue(step == null, "a step below round-off was accepted");
            // the trial at 1 (7 + 1e-14: a rise) and no zoom below it
            assertEquals(1, evaluations[0]);
        }
    }

    @Test
    void convergesToTheMinimiserAndFreesEveryVectorItMade() {
        int n = 2000;
        SplittableRandom r = new SplittableRandom(7);
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = Math.exp(r.nextDouble(-3, 3)); // condition number ~ e^6
            b[i] = r.nextDouble(-2, 2);
        }
        try (NDManager m = Nd.newManager()) {
            Quartic f = new Quartic(m.create(a), m.create(b));
            Flat x = new Flat(m.zeros(new Shape(n), ai.djl.ndarray.types.DataType.FLOAT64));
            int before = m.getManagedArrays().size();
            OptimResult res = new Lbfgs(5, 1.0).minimize(f, x, new StopRule(500, 1e-6), Monitor.none());
            assertTrue(res.converged(), res.stopReason() + " after " + res.iterations() + " at |g| = " + res.gradNorm() + ", f = " + res.value());
            // the stationarity condition a x + x³ = b holds entry by entry
            double[] xs = x.a().toDoubleArray();
            for (int i = 0; i < n; i++) {
                assertEquals(b[i], a[i] * xs[i] + xs[i] * xs[i] * xs[i], 1e-6);
            }
            // pairs, directions, trial points and the spares pool are all closed again
            assertEquals(before, m.getManagedArrays().size());
        }
    }
}
