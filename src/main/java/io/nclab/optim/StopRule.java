package io.nclab.optim;

/**
 * When an optimiser stops: after {@code maxIterations} iterations, or once the gradient norm is at
 * most {@code gradTol} (0 disables the tolerance).
 */
public record StopRule(int maxIterations, double gradTol) {
    public StopRule {
        if (maxIterations < 0) {
            throw new IllegalArgumentException("maxIterations must be >= 0");
        }
    }
}
