package io.nclab.ufm;

import io.nclab.UserError;
import io.nclab.optim.Optimizer;

/**
 * Everything that determines a UFM solve besides the problem: the optimiser and its step, the
 * budget, the seed and scale of the Gaussian initialisation, and how often progress is logged.
 */
public record UfmSettings(
        UfmProblem problem, String optimizer, double lr, int iterations, double tolerance, long seed,
        double initScale, int logEvery) {

    public UfmSettings {
        Optimizer.named(optimizer, lr); // an unknown optimizer or a bad step fails here, before any output
        if (iterations < 0) {
            throw new UserError("--iters must be >= 0, got " + iterations);
        }
        if (!(tolerance >= 0)) {
            throw new UserError("--tol must be >= 0, got " + tolerance);
        }
        if (!(initScale > 0) || Double.isInfinite(initScale)) {
            // W = H = 0 is a critical point (a saddle, or the minimiser in MSE's all-zero regime) that no
            // gradient method leaves: `nclab saddle` is the tool for it.
            throw new UserError("--init-scale must be a finite number > 0, got " + initScale);
        }
        if (logEvery < 1) {
            throw new UserError("--log-every must be >= 1, got " + logEvery);
        }
    }
}
