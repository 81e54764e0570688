package io.nclab.optim;

/**
 * Sees the optimiser's progress at iteration 0, every {@link #every()} iterations, and at the end.
 *
 * @param <V> the vector type
 */
public interface Monitor<V extends Vec<V>> {
    int every();

    void report(int iteration, double value, double gradNorm, V x);

    /** Called after every iteration, reported or not (for a caller that keeps time); nothing by default. */
    default void step(int iteration) {}

    static <V extends Vec<V>> Monitor<V> none() {
        return new Monitor<>() {
            @Override
            public int every() {
                return Integer.MAX_VALUE;
            }

            @Override
            public void report(int iteration, double value, double gradNorm, V x) {}
        };
    }
}
