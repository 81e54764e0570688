package io.nclab.optim;

import ai.djl.ndarray.NDArray;
import io.nclab.nd.Nd;

/**
 * Adam (Kingma and Ba) on the full gradient: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 * x ← x − η m̂ / (√v̂ + ε) with the bias corrections m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
 */
public final class Adam extends FirstOrderLoop {
    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;

    public Adam(double lr, double beta1, double beta2, double eps) {
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override
    public String name() {
        return "adam";
    }

    /** The first and second moment estimates. */
    private record Moments(Vec<?> m, Vec<?> v) implements AutoCloseable {
        @Override
        public void close() {
            m.close();
            v.close();
        }
    }

    @Override
    protected <V extends Vec<V>> AutoCloseable start(Smooth<V> f, V x) {
        return new Moments(x.linear(0, 0, x), x.linear(0, 0, x));
    }

    @Override
    protected <V extends Vec<V>> double step(Smooth<V> f, V x, int t, AutoCloseable state, boolean wantNorm) {
        try (V g = f.gradient(x)) {
            update(x, g, t, (Moments) state);
            return g.norm();
        }
    }

    private <V extends Vec<V>> void update(V x, V g, int t, Moments mom) {
        NDArray[] xs = x.arrays();
        NDArray[] gs = g.arrays();
        NDArray[] ms = mom.m.arrays();
        NDArray[] vs = mom.v.arrays();
        for (int i = 0; i < xs.length; i++) {
            update(xs[i], gs[i], ms[i], vs[i], t, lr, beta1, beta2, eps);
        }
    }

    /**
     * One Adam update of one array in place: the moments m, v and the point x, given the gradient g at
     * (1-based) step t. Shared by the UFM solver and network training. The moments are updated in place
     * ({@link Nd#addScaled}), so a step makes three temporaries the size of x (g², √(v̂) + ε and m/(√(v̂) + ε))
     * where it made five: for large arrays fresh memory costs more than the arithmetic.
     */
    public static void update(NDArray x, NDArray g, NDArray m, NDArray v, long t, double lr, double beta1,
            double beta2, double eps) {
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        m.muli(beta1);
        Nd.addScaled(m, 1 - beta1, g);
        v.muli(beta2);
        try (NDArray sq = g.mul(g)) {
            Nd.addScaled(v, 1 - beta2, sq);
        }
        try (NDArray den = v.div(c2)) {
            den.powi(0.5).addi(eps);
            try (NDArray s = m.div(den)) {
                x.subi(s.muli(lr / c1));
            }
        }
    }
}
