package io.nclab.optim;

/**
 * A line search that finds a step α along a descent direction d satisfying the strong Wolfe conditions
 * φ(α) ≤ φ(0) + c₁αφ′(0) and |φ′(α)| ≤ c₂|φ′(0)|, with φ(α) = f(x + αd) (Nocedal and Wright,
 * Algorithms 3.5 and 3.6, with safeguarded cubic interpolation in the zoom phase).
 */
public final class StrongWolfe {
    private final double c1;
    private final double c2;
    private final int maxEvaluations;

    public StrongWolfe(double c1, double c2, int maxEvaluations) {
        this.c1 = c1;
        this.c2 = c2;
        this.maxEvaluations = maxEvaluations;
    }

    /** The accepted trial: its step, the new point, its value and gradient (owned by the caller). */
    public record Step<V extends Vec<V>>(double alpha, V x, double value, V gradient, int evaluations)
            implements AutoCloseable {
        @Override
        public void close() {
            x.close();
            gradient.close();
        }
    }

    private final class Trial<V extends Vec<V>> implements AutoCloseable {
        final double alpha;
        final V x;
        final double value;
        final V gradient;
        final double slope;
        private final Spares<V> spares;

        Trial(Smooth<V> f, V x0, V d, double alpha, Spares<V> spares) {
            this.alpha = alpha;
            this.spares = spares;
            this.x = spares.step(x0, alpha, d);
            Smooth.Evaluation<V> e = f.evaluate(x);
            this.value = e.value();
            this.gradient = e.gradient();
            this.slope = gradient.dot(d);
        }

        /** A rejected trial's vectors go back to the pool. */
        @Override
        public void close() {
            spares.give(x);
            spares.give(gradient);
        }

        Step<V> accept(int evaluations) {
            return new Step<>(alpha, x, value, gradient, evaluations);
        }
    }

    /**
     * Searches from x0 (value f0, slope g0·d = slope0 &lt; 0) starting at step alpha0. Returns null if
     * no acceptable step was found within the evaluation budget (typically at machine precision). Trial
     * points come from {@code spares}, and rejected ones go back to it.
     */
    <V extends Vec<V>> Step<V> search(Smooth<V> f, V x0, double f0, double slope0, V d, double alpha0,
            Spares<V> spares) {
        if (!(slope0 < 0)) {
            return null;
        }
        Trial<V> prev = null;
        double prevAlpha = 0;
        double prevValue = f0;
        double prevSlope = slope0;
        double alpha = alpha0;
        int evals = 0;
        try {
            while (evals < maxEvaluations) {
                Trial<V> t = new Trial<>(f, x0, d, alpha, spares);
                evals++;
                // A value equal to f0 is a step too short to change f in float64 (near a critical point, such as the
                // UFM's origin saddle, whose gradient is tiny), not a rise: the step grows until f changes
                boolean unmeasured = t.value == f0 && prevValue == f0;
                if (!Double.isFinite(t.value) || t.value > f0 + c1 * alpha * slope0
                        || (evals > 1 && t.value >= prevValue && !unmeasured)) {
                    Step<V> s = zoom(f, x0, f0, slope0, d, prevAlpha, prevValue, prevSlope, prev, t, evals, spares);
                    prev = null; // handed to zoom
                    return s;
                }
                if (Math.abs(t.slope) <= -c2 * slope0) {
                    return t.accept(evals);
                }
                if (t.slope >= 0) {
                    Step<V> s = zoom(f, x0, f0, slope0, d, alpha, t.value, t.slope, t, prev, evals, spares);
                    prev = null;
                    return s;
                }
                if (prev != null) {
                    prev.close();
                }
                prev = t;
                prevAlpha = alpha;
                prevValue = t.value;
                prevSlope = t.slope;
                alpha *= 2;
            }
            // Out of budget while the step was still growing: every trial so far lowered f, so the last one (the
            // lowest, with sufficient decrease) is progress to keep, not a failure at machine precision
            if (prev != null) {
                Step<V> s = prev.accept(evals);
                prev = null;
                return s;
            }
            return null;
        } finally {
            if (prev != null) {
                prev.close();
            }
        }
    }

    /**
     * Zoom between lo (value satisfying sufficient decrease, lowest so far) and hi. {@code loTrial} and
     * {@code hiTrial} may be null (α = 0 for lo); both are closed here unless returned.
     */
    private <V extends Vec<V>> Step<V> zoom(Smooth<V> f, V x0, double f0, double slope0, V d, double aLo,
            double fLo, double sLo, Trial<V> loTrial, Trial<V> hiTrial, int evals, Spares<V> spares) {
        double aHi = hiTrial == null ? 0 : hiTrial.alpha;
        double fHi = hiTrial == null ? f0 : hiTrial.value;
        double sHi = hiTrial == null ? slope0 : hiTrial.slope;
        if (hiTrial != null) {
            hiTrial.close();
        }
        Trial<V> lo = loTrial;
        try {
            while (evals < maxEvaluations) {
                double a = interpolate(aLo, fLo, sLo, aHi, fHi, sHi);
                if (Math.abs(aHi - aLo) < 1e-16 * Math.max(1, Math.abs(aLo))) {
                    break;
                }
                if (-slope0 * Math.max(Math.abs(aLo), Math.abs(aHi)) <= Math.ulp(f0)) {
                    // every step of the bracket changes f, to first order, by less than an ulp of f(x0): no decrease
                    // can be told from it (at the UFM's origin saddle, K = 1,000, N = 20,000, the zoom spent the
                    // rest of the 40 evaluations on such a bracket: 35 s; with 4 ulps, two of eight small solves
                    // stopped an iteration or two earlier, at the same objective)
                    break;
                }
                Trial<V> t = new Trial<>(f, x0, d, a, spares);
                evals++;
                if (!Double.isFinite(t.value) || t.value > f0 + c1 * a * slope0 || t.value >= fLo) {
                    aHi = a;
                    fHi = t.value;
                    sHi = t.slope;
                    t.close();
                } else {
                    if (Math.abs(t.slope) <= -c2 * slope0) {
                        if (lo != null) {
                            lo.close();
                            lo = null;
                        }
                        return t.accept(evals);
                    }
                    if (t.slope * (aHi - aLo) >= 0) {
                        aHi = aLo;
                        fHi = fLo;
                        sHi = sLo;
                    }
                    if (lo != null) {
                        lo.close();
                    }
                    lo = t;
                    aLo = a;
                    fLo = t.value;
                    sLo = t.slope;
                }
            }
            // Out of budget: accept the best point with sufficient decrease, if any.
            if (lo != null && lo.value < f0) {
                Step<V> s = lo.accept(evals);
                lo = null;
                return s;
            }
            return null;
        } finally {
            if (lo != null) {
                lo.close();
            }
        }
    }

    /** The minimiser of the cubic through both ends, kept inside the middle 80% of the interval. */
    static double interpolate(double a0, double f0, double s0, double a1, double f1, double s1) {
        double lo = Math.min(a0, a1);
        double hi = Math.max(a0, a1);
        double d1 = s0 + s1 - 3 * (f0 - f1) / (a0 - a1);
        double disc = d1 * d1 - s0 * s1;
        double a = Double.NaN;
        if (disc >= 0 && a0 != a1) {
            double d2 = Math.signum(a1 - a0) * Math.sqrt(disc);
            a = a1 - (a1 - a0) * (s1 + d2 - d1) / (s1 - s0 + 2 * d2);
        }
        double margin = 0.1 * (hi - lo);
        if (!Double.isFinite(a) || a < lo + margin || a > hi - margin) {
            a = 0.5 * (lo + hi);
        }
        return a;
    }
}
