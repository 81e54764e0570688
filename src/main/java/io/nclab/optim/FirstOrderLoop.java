package io.nclab.optim;

/**
 * The loop shared by the fixed-step first-order methods: evaluate the gradient, stop on the budget,
 * the tolerance or divergence, report every few iterations, and let the method take its step.
 */
abstract class FirstOrderLoop implements Optimizer {

    /** Prepares per-run state (Adam's moments) from the first gradient. */
    protected abstract <V extends Vec<V>> AutoCloseable start(V firstGradient);

    /** One step from x given its gradient g at (1-based) iteration t. */
    protected abstract <V extends Vec<V>> void step(V x, V g, int t, AutoCloseable state);

    @Override
    public final <V extends Vec<V>> OptimResult minimize(Smooth<V> f, V x, StopRule stop, Monitor<V> monitor) {
        int every = Math.max(1, monitor.every());
        V g = f.gradient(x);
        try (AutoCloseable state = start(g)) {
            double gn = g.norm();
            monitor.report(0, f.value(x), gn, x);
            int reported = 0;
            int it = 0;
            while (it < stop.maxIterations() && !(gn <= stop.gradTol()) && Double.isFinite(gn)) {
                step(x, g, it + 1, state);
                g.close();
                g = f.gradient(x);
                gn = g.norm();
                it++;
                if (it % every == 0 && Double.isFinite(gn)) {
                    monitor.report(it, f.value(x), gn, x);
                    reported = it;
                }
            }
            double value = f.value(x);
            if (reported != it) {
                monitor.report(it, value, gn, x);
            }
            if (!Double.isFinite(value) || !Double.isFinite(gn)) {
                return new OptimResult(it, value, gn, false, "diverged (non-finite objective or gradient)");
            }
            boolean converged = gn <= stop.gradTol();
            return new OptimResult(it, value, gn, converged, converged ? "gradient tolerance" : "iteration budget");
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            g.close();
        }
    }
}
