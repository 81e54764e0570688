package io.nclab.optim;

/** Full-batch gradient descent with a fixed step, x ← x − η ∇f(x): the algorithm the papers analyse. */
public final class GradientDescent extends FirstOrderLoop {
    private final double lr;

    public GradientDescent(double lr) {
        this.lr = lr;
    }

    @Override
    public String name() {
        return "gd";
    }

    @Override
    protected <V extends Vec<V>> AutoCloseable start(Smooth<V> f, V x) {
        return () -> {};
    }

    @Override
    protected <V extends Vec<V>> double step(Smooth<V> f, V x, int t, AutoCloseable state, boolean wantNorm) {
        return f.descend(x, lr, wantNorm);
    }
}
