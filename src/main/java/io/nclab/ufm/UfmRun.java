package io.nclab.ufm;

import io.nclab.UserError;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.nclab.metrics.CollapseMetrics;
import io.nclab.optim.Monitor;
import io.nclab.optim.OptimResult;
import io.nclab.optim.Optimizer;
import io.nclab.optim.StopRule;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One solve of the UFM from a seeded Gaussian start, reporting a row of progress (objective, gradient
 * norm and the collapse metrics of the current (W, H, b)) every {@code logEvery} iterations.
 */
public final class UfmRun {
    private UfmRun() {}

    /**
     * The collapse metrics of a UFM point from the NC engine: the features are the columns of H (a
     * transposed view, no copy), the classifier W and b (b only with bias).
     */
    public static Map<String, Double> collapse(UfmProblem p, UfmPoint x) {
        try (NDArray features = x.h().transpose(); NDArray bias = x.b().reshape(p.classes())) {
            return CollapseMetrics.measure(features, p.labels(), p.classes(), x.w(), p.bias() ? bias : null).values();
        }
    }

    /** Whether the loss and its gradient are finite at z = 0 (large loss parameters, e.g. mse's m = 1e300, are not). */
    private static boolean finiteAtZero(io.nclab.loss.Loss loss, int classes, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            ai.djl.ndarray.NDArray z = scope.zeros(new ai.djl.ndarray.types.Shape(classes, 1),
                    ai.djl.ndarray.types.DataType.FLOAT64);
            ai.djl.ndarray.NDArray y = io.nclab.nd.Nd.oneHotColumns(scope, new int[1], classes);
            for (double v : io.nclab.nd.Nd.toDoubles(loss.values(z, y))) {
                if (!Double.isFinite(v)) {
                    return false;
                }
            }
            for (double v : io.nclab.nd.Nd.toDoubles(loss.gradient(z, y))) {
                if (!Double.isFinite(v)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** One logged step. */
    public record Row(int iteration, double objective, double gradNorm, double seconds, Map<String, Double> metrics) {}

    /**
     * How the solve ended ({@code seconds} the solve's own time, {@code measureSeconds} the time spent measuring the
     * logged rows besides), with the final point's norms and metrics, and the objective at W = H = 0 with the final
     * bias (where it equals the final objective, the solver ended at the origin whatever the theory knows).
     */
    public record Outcome(OptimResult result, double seconds, double measureSeconds, double wNorm, double hNorm,
            double bNorm, Map<String, Double> metrics, double originValue) {
        /** Whether W and H are negligible: dropping them changes the objective by at most {@code gap} relative. */
        public boolean atOrigin(double gap) {
            return Math.abs(originValue - result.value()) <= gap * Math.abs(result.value());
        }
    }

    /**
     * Solves the problem of {@code settings}.
     *
     * @param metrics the collapse metrics of a point (they are measured only at logged steps)
     * @param rows receives each logged row as it is made
     * @param atEnd receives the final point before it is freed (may be null)
     */
    public static Outcome solve(UfmSettings settings, Function<UfmPoint, Map<String, Double>> metrics,
            Consumer<Row> rows, Consumer<UfmPoint> atEnd) {
        return solve(settings, metrics, rows, atEnd, null);
    }

    /**
     * Time without a logged row after which {@code progress} hears where the solve is (then once per such time): a large
     * problem's --log-every iterations can take minutes. Tests shorten it.
     */
    static long quietNanos = 60_000_000_000L;

    /**
     * {@link #solve(UfmSettings, Function, Consumer, Consumer)}, telling {@code progress} (if not null) the iteration
     * reached whenever {@link #quietNanos} pass without a logged row.
     */
    public static Outcome solve(UfmSettings settings, Function<UfmPoint, Map<String, Double>> metrics,
            Consumer<Row> rows, Consumer<UfmPoint> atEnd, Consumer<String> progress) {
        UfmProblem p = settings.problem();
        Optimizer optimizer = Optimizer.named(settings.optimizer(), settings.lr());
        try (NDManager manager = io.nclab.nd.Nd.newManager();
                UfmObjective f = new UfmObjective(p, manager);
                UfmPoint x = UfmPoint.gaussian(manager, p, settings.seed(), settings.initScale())) {
            long start = System.nanoTime();
            long[] excluded = {0};
            Map<String, Double> last = new LinkedHashMap<>();
            double[] startValue = {Double.NaN};
            long[] heard = {start};
            Monitor<UfmPoint> monitor = new Monitor<>() {
                @Override
                public int every() {
                    return settings.logEvery();
                }

                @Override
                public void step(int iteration) {
                    long now = System.nanoTime();
                    if (progress != null && now - heard[0] >= quietNanos) {
                        heard[0] = now;
                        progress.accept(String.format(java.util.Locale.ROOT, "iteration %,d of at most %,d (a row every"
                                + " %,d), %.0f s", iteration, settings.iterations(), settings.logEvery(),
                                (now - start) / 1e9));
                    }
                }

                @Override
                public void report(int iteration, double value, double gradNorm, UfmPoint point) {
                    if (!Double.isFinite(value) || !Double.isFinite(gradNorm)) {
                        if (iteration == 0) {
                            if (!finiteAtZero(p.loss(), p.classes(), manager)) {
                                throw new UserError("the loss " + p.loss().spec() + " is not finite even at zero logits:"
                                        + " its parameters are too large for float64");
                            }
                            throw new UserError("the starting point's objective or gradient is not finite (f = " + value
                                    + ", |grad| = " + gradNorm + "): lower --init-scale");
                        }
                        throw new UserError("the " + settings.optimizer() + " solve diverged by iteration " + iteration
                                + " (the objective is " + value + "): lower --lr");
                    }
                    if (iteration == 0) {
                        startValue[0] = value;
                    }
                    long t0 = System.nanoTime();
                    Map<String, Double> m = metrics.apply(point);
                    last.clear();
                    last.putAll(m);
                    long t1 = System.nanoTime();
                    excluded[0] += t1 - t0;
                    double secs = (t0 - start - (excluded[0] - (t1 - t0))) / 1e9;
                    rows.accept(new Row(iteration, value, gradNorm, secs, m));
                    heard[0] = System.nanoTime();
                }
            };
            OptimResult r = optimizer.minimize(f, x, new StopRule(settings.iterations(), settings.tolerance()), monitor);
            // A descent method that ends above where it started has failed, even where the objective stayed finite
            // (a step too large blows the point up: f = 1e152 after 50 steps of lr 100, with NC metrics of a
            // point that means nothing)
            if (r.value() > startValue[0] + 1e-12 * Math.abs(startValue[0])) {
                throw new UserError(String.format(java.util.Locale.ROOT, "the %s solve did not descend: its objective"
                        + " grew from %.6g to %.6g in %d iterations; lower --lr", settings.optimizer(), startValue[0],
                        r.value(), r.iterations()));
            }
            double seconds = (System.nanoTime() - start - excluded[0]) / 1e9;
            if (atEnd != null) {
                atEnd.accept(x);
            }
            double originValue;
            try (UfmPoint origin = new UfmPoint(manager, x.w().zerosLike(), x.h().zerosLike(), x.b().duplicate())) {
                originValue = f.value(origin);
            }
            return new Outcome(r, seconds, excluded[0] / 1e9, x.wNorm(), x.hNorm(), p.bias() ? x.bNorm() : 0.0,
                    new LinkedHashMap<>(last), originValue);
        }
    }
}
