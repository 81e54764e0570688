package io.nclab.curvature;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nclab.Workers;
import io.nclab.loss.LogitHessians;
import io.nclab.loss.Loss;
import io.nclab.nd.Nd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Convexity of a loss in logit space, numerically: the smallest eigenvalue of ∇²_z L(z, y_k) at
 * sampled logits, each sample's Hessian in the loss's own closed form ({@link Loss#hessians}: a diagonal plus a part
 * of rank at most 3), its extreme eigenvalues by a dense decomposition for small K and by bisection on the inertia
 * of that form, O(K) a step, from {@link DiagonalPlusLowRank#BISECTION_FROM} classes on.
 *
 * <p>CE and label smoothing have ∇²L = diag(p) − ppᵀ ⪰ 0 everywhere (the losses paper's Appendix D).
 * Focal loss is convex only where p_k is large enough; the paper shows p_k &gt; 0.21 suffices. Samples
 * are drawn so that p_k covers (0, 1) evenly: the other logits are Gaussian at a random scale, and z_k
 * is set to give a uniformly drawn p_k. Where the Hessian fails to be PSD, the largest such p_k is
 * refined by bisection along the ray that moves z_k alone (p_k is monotone along it): above the
 * reported threshold every sample was PSD.
 */
public final class LossConvexity {
    private LossConvexity() {}

    /** p_k bins of the map: [lo, hi), how many samples fell in, how many were not PSD, the smallest λ. */
    public record Bin(double lo, double hi, int samples, int notPsd, double minEigenvalue) {}

    /**
     * @param loss the loss's spec
     * @param classes K
     * @param samples how many logit vectors were tried
     * @param minEigenvalue the smallest eigenvalue over all samples
     * @param psdEverywhere whether every sample's Hessian was PSD (within tolerance)
     * @param threshold the largest p_k at which a non-PSD Hessian was found (refined by bisection); NaN
     *     when none was
     * @param pk p_k of each sample
     * @param eigenvalues the smallest Hessian eigenvalue of each sample
     * @param bins the map of PSD failure against p_k
     */
    public record Report(String loss, int classes, int samples, double minEigenvalue, boolean psdEverywhere,
            double threshold, double[] pk, double[] eigenvalues, List<Bin> bins) {}

    /** Relative tolerance: an eigenvalue below −tol·max(1, ‖∇²L‖) is negative. */
    static final double TOLERANCE = 1e-12;

    /**
     * The bin b of p with b/bins ≤ p &lt; (b+1)/bins (the last bin also takes p = 1, and anything above), the
     * bounds computed as the map reports them; −1 for p below 0 or NaN.
     */
    static int binOf(double p, int bins) {
        if (!(p >= 0)) {
            return -1;
        }
        int b = (int) Math.min(bins - 1, Math.floor(p * bins));
        while (b > 0 && p < b / (double) bins) {
            b--;
        }
        while (b < bins - 1 && p >= (b + 1) / (double) bins) {
            b++;
        }
        return b;
    }

    public static Report analyse(Loss loss, int classes, int samples, int bins, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[][] z = new double[samples][classes];
        for (int i = 0; i < samples; i++) {
            double scale = Math.pow(10, rnd.nextDouble(-1, 1));
            double others = Double.NEGATIVE_INFINITY;
            for (int j = 1; j < classes; j++) {
                z[i][j] = scale * rnd.nextGaussian();
                others = Math.max(others, z[i][j]);
            }
            double sum = 0;
            for (int j = 1; j < classes; j++) {
                sum += Math.exp(z[i][j] - others);
            }
            double logOthers = others + Math.log(sum);
            double q = rnd.nextDouble(1e-4, 1 - 1e-4);
            z[i][0] = logOthers + Math.log(q / (1 - q));
        }
        double[][] eig = minEigenvalues(loss, z);
        double[] lambda = eig[0];
        double[] pk = eig[1];
        double min = Double.POSITIVE_INFINITY;
        List<Integer> failing = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            min = Math.min(min, lambda[i]);
            if (negative(lambda[i], eig[2][i])) {
                failing.add(i);
            }
        }
        double threshold = Double.NaN;
        if (!failing.isEmpty()) {
            failing.sort(Comparator.comparingDouble(i -> -pk[i]));
            List<double[]> rays = new ArrayList<>();
            for (int i : failing.subList(0, Math.min(16, failing.size()))) {
                rays.add(z[i]);
            }
            threshold = refine(loss, rays);
        }
        // each sample's bin found once: [b/bins, (b+1)/bins), the last bin closed (a loop over the bins per sample
        // cost samples x bins)
        int[] count = new int[bins];
        int[] bad = new int[bins];
        double[] binMin = new double[bins];
        java.util.Arrays.fill(binMin, Double.NaN);
        for (int i = 0; i < samples; i++) {
            int b = binOf(pk[i], bins);
            if (b < 0) {
                continue;
            }
            count[b]++;
            if (negative(lambda[i], eig[2][i])) {
                bad[b]++;
            }
            binMin[b] = Double.isNaN(binMin[b]) ? lambda[i] : Math.min(binMin[b], lambda[i]);
        }
        List<Bin> map = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            map.add(new Bin(b / (double) bins, (b + 1) / (double) bins, count[b], bad[b], binMin[b]));
        }
        return new Report(loss.spec(), classes, samples, min, failing.isEmpty(), threshold, pk, lambda, map);
    }

    private static boolean negative(double lambda, double norm) {
        return lambda < -TOLERANCE * Math.max(1, norm);
    }

    /**
     * Bisection on z_k along each ray (the other logits fixed) between the sample (not PSD) and z_k + 60
     * (p_k ≈ 1); returns the largest p_k found at which the Hessian is still not PSD.
     */
    private static double refine(Loss loss, List<double[]> rays) {
        int n = rays.size();
        double[] lo = new double[n];
        double[] hi = new double[n];
        for (int i = 0; i < n; i++) {
            lo[i] = rays.get(i)[0];
            hi[i] = lo[i] + 60;
        }
        double[][] top = minEigenvalues(loss, shifted(rays, hi));
        double best = Double.NaN;
        for (int iter = 0; iter < 60; iter++) {
            double[] mid = new double[n];
            for (int i = 0; i < n; i++) {
                mid[i] = 0.5 * (lo[i] + hi[i]);
            }
            double[][] e = minEigenvalues(loss, shifted(rays, mid));
            for (int i = 0; i < n; i++) {
                if (negative(e[0][i], e[2][i])) {
                    lo[i] = mid[i];
                } else {
                    hi[i] = mid[i];
                }
            }
        }
        double[][] at = minEigenvalues(loss, shifted(rays, lo));
        for (int i = 0; i < n; i++) {
            if (!negative(top[0][i], top[2][i])) {
                best = Double.isNaN(best) ? at[1][i] : Math.max(best, at[1][i]);
            } else {
                best = 1.0; // still not PSD at p_k ≈ 1
            }
        }
        return best;
    }

    private static double[][] shifted(List<double[]> rays, double[] zk) {
        double[][] out = new double[rays.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = rays.get(i).clone();
            out[i][0] = zk[i];
        }
        return out;
    }

    /** L(z[i], y_0) for logit vectors z[i] whose true class is 0. */
    public static double[] values(Loss loss, double[][] z) {
        try (NDManager m = Nd.newManager()) {
            return Nd.toDoubles(loss.values(Nd.columns(m, z), Nd.oneHotColumns(m, new int[z.length], z[0].length)));
        }
    }

    /**
     * About how long {@link #analyse} takes for {@code loss} on the 2-core development machine, for the note on long
     * work: the samples, and where the loss is not convex everywhere (a focal loss with γ &gt; 0; CE, LS and MSE are) the
     * threshold's refinement, 16 rays of 62 evaluations. Each evaluation is a dense decomposition below
     * {@link DiagonalPlusLowRank#BISECTION_FROM} classes (K³ at 3e9 a second: K = 100, 5,000 samples in 3.1 s), else
     * the bisection (K at 6e5 a second: focal at K = 1,000 and the default 20,000 samples 33–36 s, at K = 100,000 and 200
     * samples 209 s, most of it the refinement).
     */
    public static double estimatedSeconds(Loss loss, int classes, int samples) {
        boolean refines = loss instanceof io.nclab.loss.FocalLoss f && f.gamma() > 0;
        double k = classes;
        double evaluations = samples + (refines ? 16 * 62 : 0);
        return classes < DiagonalPlusLowRank.BISECTION_FROM ? evaluations * k * k * k / 3e9 : evaluations * k / 6e5;
    }

    /** Logits per chunk of samples (K × samples; tests lower it to make several chunks). */
    static long chunkElements = 1_000_000L;

    /**
     * For logit vectors z[i] (true class 0): {smallest Hessian eigenvalue, p_0, largest |eigenvalue|}
     * per sample: each Hessian in its loss's diagonal-plus-low-rank form, its two extreme eigenvalues
     * ({@link DiagonalPlusLowRank#extremes}), the samples split between the cores (each result its own sample's: the
     * same numbers whatever the split).
     */
    static double[][] minEigenvalues(Loss loss, double[][] z) {
        int n = z.length;
        int k = z[0].length;
        // the logits and the Hessians' parts (about 5 K×N arrays) are held a chunk at a time, about 40 MB
        int chunk = (int) Math.max(1, Math.min(n, chunkElements / k));
        if (chunk < n) {
            double[][] out = new double[3][n];
            for (int from = 0; from < n; from += chunk) {
                int to = Math.min(n, from + chunk);
                double[][] part = minEigenvalues(loss, Arrays.copyOfRange(z, from, to));
                for (int r = 0; r < 3; r++) {
                    System.arraycopy(part[r], 0, out[r], from, to - from);
                }
            }
            return out;
        }
        LogitHessians hess;
        double[] p0;
        try (NDManager m = Nd.newManager()) {
            NDArray logits = Nd.columns(m, z);
            NDArray targets = Nd.oneHotColumns(m, new int[n], k);
            p0 = Nd.toDoubles(logits.softmax(0).get(0));
            hess = loss.hessians(logits, targets);
        }
        double[][] out = new double[3][n];
        // on as many threads as the command's --threads gave the natives (every core by default)
        java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(Nd.threads());
        try {
            Workers.await(pool.submit(() -> java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
                double[] ends = DiagonalPlusLowRank.extremes(hess, i);
                out[0][i] = ends[0];
                out[1][i] = p0[i];
                out[2][i] = Math.max(Math.abs(ends[0]), Math.abs(ends[1]));
            })), "the convexity map");
        } finally {
            pool.shutdown();
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new java.util.concurrent.CancellationException("the convexity map stopped");
        }
        return out;
    }
}
