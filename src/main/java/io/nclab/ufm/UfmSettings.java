package io.nclab.ufm;

import io.nclab.UserError;

/**
 * Everything that determines a UFM solve besides the problem: the optimiser and its step, the
 * budget, the seed and scale of the Gaussian initialisation, and how often progress is logged.
 */
public record UfmSettings(
        UfmProblem problem, String optimizer, double lr, int iterations, double tolerance, long seed,
        double initScale, int logEvery) {

    public UfmSettings {
        if (iterations < 0) {
            throw new UserError("--iters must be >= 0, got " + iterations);
        }
        if (!(tolerance >= 0)) {
            throw new UserError("--tol must be >= 0, got " + tolerance);
        }
        if (!(initScale >= 0) || Double.isInfinite(initScale)) {
            throw new UserError("--init-scale must be a finite number >= 0, got " + initScale);
        }
        if (logEvery < 1) {
            throw new UserError("--log-every must be >= 1, got " + logEvery);
        }
    }
}
