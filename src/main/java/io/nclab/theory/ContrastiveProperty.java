package io.nclab.theory;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nclab.loss.Loss;
import io.nclab.nd.Nd;
import java.util.SplittableRandom;

/**
 * A numerical check of the contrastive property (the losses paper's Definition 1) for a loss:
 *
 * <ul>
 *   <li>(9) L(z, y_k) ≥ φ(Σ_{j≠k}(z_j − z_k)), with equality only when all z_j (j ≠ k) are equal. The
 *       bound is taken as φ(t) = L(z⁽ᵗ⁾, y_k) for z⁽ᵗ⁾_k = 0 and z⁽ᵗ⁾_j = t/(K−1): the value at the
 *       equal-off-target point with the same contrast, which is where equality must hold.</li>
 *   <li>(10) t* = argmin_t φ(t) + c|t| is unique for every c &gt; 0, and t* ≤ 0.</li>
 * </ul>
 */
public final class ContrastiveProperty {
    private ContrastiveProperty() {}

    /**
     * The outcome of the check.
     *
     * @param samples random logit vectors tried for (9)
     * @param worstGap min over samples of L(z) − φ(t(z)), relative to max(1, |L|): ≥ −tolerance if (9) holds
     * @param boundHolds whether (9) held on every sample (within 1e-12 relative)
     * @param cs the values of c tried for (10)
     * @param minimisers t* for each c
     * @param unique whether each minimiser was unique (no second basin within 1e-9 of the minimum)
     * @param nonPositive whether each t* ≤ 0
     */
    public record Report(int samples, double worstGap, boolean boundHolds, double[] cs, double[] minimisers,
            boolean[] unique, boolean[] nonPositive) {
        public boolean holds() {
            if (!boundHolds) {
                return false;
            }
            for (int i = 0; i < cs.length; i++) {
                if (!unique[i] || !nonPositive[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /** φ(t) of Definition 1 for a loss with K classes, at many t at once. */
    public static double[] phi(Loss loss, int classes, double[] ts) {
        try (ContrastiveTheory.Path path = phiPath(loss, classes)) {
            return path.values(ts);
        }
    }

    /** φ's path: the sample's own logit 0, every other t/(K−1). */
    private static ContrastiveTheory.Path phiPath(Loss loss, int classes) {
        double[] dz = new double[classes];
        for (int j = 1; j < classes; j++) {
            dz[j] = 1.0 / (classes - 1);
        }
        return new ContrastiveTheory.Path(loss, dz);
    }

    /**
     * The minimiser of φ(t) + c|t| in [lo, hi] (the grid's bracket around its best point, which holds
     * {@code start}), by the scalar problem's Newton refinement on each side of the kink at 0: for t ≤ 0 the
     * function is φ(t) − c·t, for t ≥ 0 φ(t) + c·t.
     */
    private static double minimiser(ContrastiveTheory.Path path, double c, double lo, double hi, double start) {
        if (hi <= 0) {
            return ContrastiveTheory.refine(path, -c, lo, hi, start);
        }
        if (lo >= 0) {
            return ContrastiveTheory.refine(path, c, lo, hi, start);
        }
        double left = ContrastiveTheory.refine(path, -c, lo, 0, Math.min(start, 0));
        double right = ContrastiveTheory.refine(path, c, 0, hi, Math.max(start, 0));
        double[] f = path.values(new double[] {left, right});
        return f[0] - c * left <= f[1] + c * right ? left : right;
    }

    public static Report check(Loss loss, int classes, int samples, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] contrast = new double[samples];
        double[] values = new double[samples];
        // the samples' logits a piece at a time, as the scalar problem's grid (all K × samples at once held 18 GB at
        // K = 10,000 and overflowed a Java array past K = 107,374)
        int chunk = (int) Math.max(1, Math.min(samples, ContrastiveTheory.CHUNK_LOGITS / classes));
        try (NDManager m = Nd.newManager()) {
            for (int from = 0; from < samples; from += chunk) {
                int n = Math.min(chunk, samples - from);
                double[] z = new double[classes * n];
                for (int i = 0; i < n; i++) {
                    double scale = Math.pow(10, rnd.nextDouble(-1, 1.3));
                    double[] col = new double[classes];
                    for (int j = 0; j < classes; j++) {
                        col[j] = scale * (2 * rnd.nextDouble() - 1);
                    }
                    for (int j = 0; j < classes; j++) {
                        z[j * n + i] = col[j];
                        if (j != 0) {
                            contrast[from + i] += col[j] - col[0];
                        }
                    }
                }
                try (NDManager piece = m.newSubManager()) {
                    NDArray zz = piece.create(z, new Shape(classes, n));
                    double[] v = Nd.toDoubles(loss.values(zz, Nd.oneHotColumns(piece, new int[n], classes)));
                    System.arraycopy(v, 0, values, from, n);
                }
            }
        }
        double[] bound = phi(loss, classes, contrast);
        double worst = Double.POSITIVE_INFINITY;
        for (int i = 0; i < samples; i++) {
            worst = Math.min(worst, (values[i] - bound[i]) / Math.max(1, Math.abs(values[i])));
        }
        double[] cs = {1e-3, 1e-2, 0.1, 0.5, 1, 2};
        double[] minimisers = new double[cs.length];
        boolean[] unique = new boolean[cs.length];
        boolean[] nonPositive = new boolean[cs.length];
        double l0 = phi(loss, classes, new double[] {0})[0];
        for (int c = 0; c < cs.length; c++) {
            // φ ≥ 0, so the minimum of φ(t) + c|t| lies in |t| ≤ φ(0)/c.
            double reach = Math.max(l0 / cs[c], 1e-9);
            int grid = 20001;
            double[] ts = new double[grid];
            for (int i = 0; i < grid; i++) {
                ts[i] = -reach + 2 * reach * i / (grid - 1);
            }
            double[] ph = phi(loss, classes, ts);
            int best = 0;
            for (int i = 1; i < grid; i++) {
                if (ph[i] + cs[c] * Math.abs(ts[i]) < ph[best] + cs[c] * Math.abs(ts[best])) {
                    best = i;
                }
            }
            double fBest = ph[best] + cs[c] * Math.abs(ts[best]);
            boolean single = true;
            double tol = 1e-9 * Math.max(1, Math.abs(fBest));
            for (int i = 1; i + 1 < grid; i++) {
                double fi = ph[i] + cs[c] * Math.abs(ts[i]);
                boolean localMin = fi <= ph[i - 1] + cs[c] * Math.abs(ts[i - 1])
                        && fi <= ph[i + 1] + cs[c] * Math.abs(ts[i + 1]);
                if (localMin && Math.abs(i - best) > 2 && fi - fBest <= tol) {
                    single = false;
                }
            }
            try (ContrastiveTheory.Path path = phiPath(loss, classes)) {
                minimisers[c] = minimiser(path, cs[c], ts[Math.max(0, best - 1)], ts[Math.min(grid - 1, best + 1)],
                        ts[best]);
            }
            unique[c] = single;
            nonPositive[c] = ts[best] <= 2 * reach / (grid - 1);
        }
        return new Report(samples, worst, worst >= -1e-12, cs, minimisers, unique, nonPositive);
    }
}
