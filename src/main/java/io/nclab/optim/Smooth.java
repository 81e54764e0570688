package io.nclab.optim;

/**
 * A smooth function to minimise, as the optimisers see it.
 *
 * @param <V> the vector type
 */
public interface Smooth<V extends Vec<V>> {

    /** The value and a new gradient vector at x (the caller closes it). */
    Evaluation<V> evaluate(V x);

    /** The value alone. */
    double value(V x);

    /** A new gradient vector at x alone (the caller closes it). */
    V gradient(V x);

    /**
     * One gradient step x ← x − η∇f(x) in place; returns ‖∇f(x)‖ at the point left when
     * {@code wantNorm}, NaN otherwise. Implementations may fuse the step with the gradient's
     * computation to save memory traffic.
     */
    default double descend(V x, double lr, boolean wantNorm) {
        try (V g = gradient(x)) {
            double norm = wantNorm ? g.norm() : Double.NaN;
            x.addScaled(-lr, g);
            return norm;
        }
    }

    /** A value with its gradient. */
    record Evaluation<V extends Vec<V>>(double value, V gradient) implements AutoCloseable {
        @Override
        public void close() {
            gradient.close();
        }
    }
}
