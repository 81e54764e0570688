package io.nclab.optim;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * Limited-memory BFGS (Nocedal and Wright, Algorithm 7.4: the two-loop recursion with the initial
 * scaling γ = sᵀy/yᵀy) with a strong-Wolfe line search (c₁ = 1e-4, c₂ = 0.9).
 */
public final class Lbfgs implements Optimizer {
    private final int memory;
    private final double firstStep;
    private final StrongWolfe lineSearch = new StrongWolfe(1e-4, 0.9, 40);

    /**
     * @param memory the number of (s, y) pairs kept
     * @param firstStep the length of the first step along −∇f (later iterations try the unit step)
     */
    public Lbfgs(int memory, double firstStep) {
        this.memory = memory;
        this.firstStep = firstStep;
    }

    @Override
    public String name() {
        return "lbfgs";
    }

    private record Pair<V extends Vec<V>>(V s, V y, double rho) {}

    /**
     * A line search that fails with a gradient norm above this (relative to max(1, |f|)) is retried once along −∇f
     * with the memory cleared; below it, a failure is machine precision (converged solves end with |∇f| near 1e-9).
     */
    static final double RESTART_GRADIENT = 1e-6;

    @Override
    public <V extends Vec<V>> OptimResult minimize(Smooth<V> f, V x, StopRule stop, Monitor<V> monitor) {
        int every = Math.max(1, monitor.every());
        Deque<Pair<V>> pairs = new ArrayDeque<>();
        // Directions, trial points, gradients and pairs that are done with are reused: a few are in flight at once
        Spares<V> spares = new Spares<>(4);
        Smooth.Evaluation<V> e = f.evaluate(x);
        double value = e.value();
        V g = e.gradient();
        try {
            double gn = g.norm();
            monitor.report(0, value, gn, x);
            int reported = 0;
            int it = 0;
            String reason = "iteration budget";
            while (it < stop.maxIterations()) {
                if (gn <= stop.gradTol()) {
                    reason = "gradient tolerance";
                    break;
                }
                if (!Double.isFinite(value) || !Double.isFinite(gn)) {
                    reason = "diverged (non-finite objective or gradient)";
                    break;
                }
                V d = direction(g, pairs, spares);
                double slope = g.dot(d);
                if (!(slope < 0)) {
                    clear(pairs, spares);
                    d.set(g);
                    d.scale(-1);
                    slope = -gn * gn;
                }
                double alpha0 = 1.0;
                if (pairs.isEmpty()) {
                    alpha0 = Math.min(1.0, (it == 0 ? firstStep : 1.0) / Math.max(gn, 1e-300));
                }
                StrongWolfe.Step<V> step = lineSearch.search(f, x, value, slope, d, alpha0, spares);
                if (step == null && !pairs.isEmpty() && gn > RESTART_GRADIENT * Math.max(1, Math.abs(value))) {
                    // Far from a critical point, a failed search is the memory's fault, not round-off: pairs taken
                    // where the curvature was negative or changing fast (leaving the UFM's origin saddle) can make
                    // the unit step too long by orders of magnitude for the budget. Steepest descent, memory cleared.
                    clear(pairs, spares);
                    d.set(g);
                    d.scale(-1);
                    step = lineSearch.search(f, x, value, -gn * gn, d, Math.min(1.0, 1.0 / gn), spares);
                }
                spares.give(d);
                if (step == null) {
                    reason = "line search found no decrease (machine precision)";
                    break;
                }
                V s = spares.step(step.x(), -1, x);
                V y = spares.step(step.gradient(), -1, g);
                double sy = s.dot(y);
                x.set(step.x());
                spares.give(step.x());
                spares.give(g);
                g = step.gradient();
                value = step.value();
                gn = g.norm();
                if (sy > 1e-12 * s.norm() * y.norm()) {
                    pairs.addLast(new Pair<>(s, y, 1.0 / sy));
                    if (pairs.size() > memory) {
                        Pair<V> oldest = pairs.removeFirst();
                        spares.give(oldest.s);
                        spares.give(oldest.y);
                    }
                } else {
                    spares.give(s);
                    spares.give(y);
                }
                it++;
                if (it % every == 0) {
                    monitor.report(it, value, gn, x);
                    reported = it;
                }
                monitor.step(it);
            }
            if (reported != it) {
                monitor.report(it, value, gn, x);
            }
            boolean converged = gn <= stop.gradTol();
            if (converged) {
                reason = "gradient tolerance";
            }
            return new OptimResult(it, value, gn, converged, reason);
        } finally {
            g.close();
            clear(pairs, spares);
            spares.close();
        }
    }

    private static <V extends Vec<V>> void clear(Deque<Pair<V>> pairs, Spares<V> spares) {
        for (Pair<V> p : pairs) {
            spares.give(p.s);
            spares.give(p.y);
        }
        pairs.clear();
    }

    /** −H_k g by the two-loop recursion. */
    private static <V extends Vec<V>> V direction(V g, Deque<Pair<V>> pairs, Spares<V> spares) {
        V q = spares.copyOf(g);
        int m = pairs.size();
        double[] alphas = new double[m];
        int i = m - 1;
        for (Iterator<Pair<V>> it = pairs.descendingIterator(); it.hasNext(); i--) {
            Pair<V> p = it.next();
            alphas[i] = p.rho * p.s.dot(q);
            q.addScaled(-alphas[i], p.y);
        }
        if (m > 0) {
            Pair<V> last = pairs.peekLast();
            double yy = last.y.dot(last.y);
            q.scale(1.0 / (last.rho * yy));
        }
        i = 0;
        for (Pair<V> p : pairs) {
            double beta = p.rho * p.y.dot(q);
            q.addScaled(alphas[i] - beta, p.s);
            i++;
        }
        q.scale(-1);
        return q;
    }
}
