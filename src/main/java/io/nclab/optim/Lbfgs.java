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

    private record Pair<V extends Vec<V>>(V s, V y, double rho) implements AutoCloseable {
        @Override
        public void close() {
            s.close();
            y.close();
        }
    }

    @Override
    public <V extends Vec<V>> OptimResult minimize(Smooth<V> f, V x, StopRule stop, Monitor<V> monitor) {
        int every = Math.max(1, monitor.every());
        Deque<Pair<V>> pairs = new ArrayDeque<>();
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
                V d = direction(g, pairs);
                double slope = g.dot(d);
                if (!(slope < 0)) {
                    d.close();
                    clear(pairs);
                    d = g.linear(-1, 0, g);
                    slope = -gn * gn;
                }
                double alpha0 = 1.0;
                if (pairs.isEmpty()) {
                    alpha0 = Math.min(1.0, (it == 0 ? firstStep : 1.0) / Math.max(gn, 1e-300));
                }
                StrongWolfe.Step<V> step = lineSearch.search(f, x, value, slope, d, alpha0);
                d.close();
                if (step == null) {
                    reason = "line search found no decrease (machine precision)";
                    break;
                }
                V s = step.x().linear(1, -1, x);
                V y = step.gradient().linear(1, -1, g);
                double sy = s.dot(y);
                x.set(step.x());
                step.x().close();
                g.close();
                g = step.gradient();
                value = step.value();
                gn = g.norm();
                if (sy > 1e-12 * s.norm() * y.norm()) {
                    pairs.addLast(new Pair<>(s, y, 1.0 / sy));
                    if (pairs.size() > memory) {
                        pairs.removeFirst().close();
                    }
                } else {
                    s.close();
                    y.close();
                }
                it++;
                if (it % every == 0) {
                    monitor.report(it, value, gn, x);
                    reported = it;
                }
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
            clear(pairs);
        }
    }

    private static <V extends Vec<V>> void clear(Deque<Pair<V>> pairs) {
        for (Pair<V> p : pairs) {
            p.close();
        }
        pairs.clear();
    }

    /** −H_k g by the two-loop recursion. */
    private static <V extends Vec<V>> V direction(V g, Deque<Pair<V>> pairs) {
        V q = g.copy();
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
