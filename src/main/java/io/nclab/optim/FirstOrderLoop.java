package io.nclab.optim;

/**
 * The loop shared by the fixed-step first-order methods: take steps, check the gradient norm every
 * {@link #CHECK_EVERY} iterations for the tolerance and for divergence, and report every few
 * iterations. Steps report the gradient norm at the point they left, so checking costs no extra
 * gradient evaluation.
 */
abstract class FirstOrderLoop implements Optimizer {
    /** How often the gradient norm is checked against the tolerance and for divergence. */
    static final int CHECK_EVERY = 10;

    /** Prepares per-run state (Adam's moments) from the starting point. */
    protected abstract <V extends Vec<V>> AutoCloseable start(Smooth<V> f, V x);

    /**
     * One step from x at (1-based) iteration t, in place. Returns ‖∇f‖ at the point left when
     * {@code wantNorm} (or whenever it is free), NaN otherwise.
     */
    protected abstract <V extends Vec<V>> double step(Smooth<V> f, V x, int t, AutoCloseable state, boolean wantNorm);

    private static <V extends Vec<V>> double gradNorm(Smooth<V> f, V x) {
        try (V g = f.gradient(x)) {
            return g.norm();
        }
    }

    @Override
    public final <V extends Vec<V>> OptimResult minimize(Smooth<V> f, V x, StopRule stop, Monitor<V> monitor) {
        int every = Math.max(1, monitor.every());
        try (AutoCloseable state = start(f, x)) {
            double gn = gradNorm(f, x);
            monitor.report(0, f.value(x), gn, x);
            int reported = 0;
            int it = 0;
            String reason = "iteration budget";
            if (gn <= stop.gradTol()) {
                reason = "gradient tolerance";
            }
            while (it < stop.maxIterations() && !(gn <= stop.gradTol())) {
                boolean check = it % CHECK_EVERY == 0;
                double left = step(f, x, it + 1, state, check);
                it++;
                if (!Double.isNaN(left) || check) {
                    if (!Double.isFinite(left)) {
                        reason = "diverged (non-finite gradient)";
                        break;
                    }
                    if (left <= stop.gradTol()) {
                        reason = "gradient tolerance";
                        gn = gradNorm(f, x);
                        break;
                    }
                }
                if (it % every == 0) {
                    gn = gradNorm(f, x);
                    monitor.report(it, f.value(x), gn, x);
                    reported = it;
                }
                monitor.step(it);
            }
            double value = f.value(x);
            if (reported != it) {
                gn = gradNorm(f, x);
                monitor.report(it, value, gn, x);
            }
            if (!Double.isFinite(value) || !Double.isFinite(gn)) {
                return new OptimResult(it, value, gn, false, "diverged (non-finite objective or gradient)");
            }
            return new OptimResult(it, value, gn, reason.equals("gradient tolerance"), reason);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
