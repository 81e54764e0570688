package io.nclab.optim;

/** How an optimisation ended: iterations done, the final value and gradient norm, and why it stopped. */
public record OptimResult(int iterations, double value, double gradNorm, boolean converged, String stopReason) {}
