package io.nclab.metrics;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every Neural Collapse metric of one set of features h_i ∈ R^d with labels y_i ∈ {0..K−1}, and of a
 * classifier (W ∈ R^{K×d}, b ∈ R^K) when there is one. The definitions are pinned, so that numbers
 * compare across papers:
 *
 * <ul>
 *   <li>μ_k the class means, μ_G the mean of all N features, M the K×d matrix of rows μ_k − μ_G;
 *       Σ_W = (1/N) Σ_i (h_i − μ_{y_i})(h_i − μ_{y_i})ᵀ, Σ_B = (1/K) Σ_k (μ_k − μ_G)(μ_k − μ_G)ᵀ;
 *       T = (I_K − 11ᵀ/K)/√(K−1), the simplex ETF of unit Frobenius norm.</li>
 *   <li>{@code nc1} = tr(Σ_W Σ_B†)/K, Σ_B† restricted to the eigen-directions of Σ_B above
 *       max(d, K)·ε·λ_max (the losses paper §4, the MSE paper's eq. 6); never negative.</li>
 *   <li>{@code nc1_quotient} = tr Σ_W / tr Σ_B.</li>
 *   <li>{@code cdnv} = mean over k &lt; l of (σ_k² + σ_l²)/(2‖μ_k − μ_l‖^p), σ_k² the mean of
 *       ‖h − μ_k‖² over class k, p = 2 unless {@link Options#cdnvExponent} says otherwise; undefined (NaN)
 *       when a pair's ‖μ_k − μ_l‖² is within round-off (the rule that makes the class means coincide).</li>
 *   <li>{@code nc2} = ‖WWᵀ/‖WWᵀ‖_F − T‖_F (W as learned, not centred; the MSE paper's eq. 7),
 *       {@code nc2_means} the same for MMᵀ, {@code nc3} = ‖WMᵀ/‖WMᵀ‖_F − T‖_F (eq. 8).</li>
 *   <li>{@code nc4}: the fraction of samples where argmax_k (Wh + b)_k differs from the nearest class
 *       centre argmin_k ‖h − μ_k‖; {@code ncc_accuracy} and {@code accuracy} the accuracies of those
 *       two rules.</li>
 *   <li>{@code w_equinorm}, {@code mean_equinorm}: std/mean of ‖w_k‖ and of ‖μ_k − μ_G‖;
 *       {@code mean_equiangularity}: the std of cos(M_k, M_l) over k ≠ l;
 *       {@code mean_max_angle_deviation}: max over k ≠ l of |cos(M_k, M_l) + 1/(K−1)|. Every "std"
 *       here is the population standard deviation (divided by the count; Papyan et al.'s code uses
 *       the n−1 form, larger by √(n/(n−1))).</li>
 *   <li>{@code numerical_rank} = (1/K) Σ_k ‖H_k‖_*²/‖H_k‖_F², H_k class k's features, not centred
 *       (the MSE paper, §4); numerical_rank to 1e-5 relative or better (1e-14 measured on random and trained MLP
 *       features, 3e-7 on an MSE run's collapsed ones) and numerical_rank − 1 to a tenth or better, by each class's
 *       error estimate (see {@link NumericalRank}); NaN (undefined) where a class's features are all zero.</li>
 *   <li>The cosine margin of sample i of class k (the MSE paper, §4): cos(h_i − μ_G, w_k − w̄) −
 *       max_{j≠k} cos(h_i − μ_G, w_j − w̄), w̄ the mean row of W, the cosine of a sample at μ_G 0, and every
 *       margin undefined (NaN, no distribution) where a row w_k − w̄ is zero up to round-off (W = 0, equal rows);
 *       {@code cosine_margin_mean}, {@code cosine_margin_min}, {@code cosine_margin_negative_fraction}
 *       (margin ≤ 0, a margin within 1e-12 of 0 counting as a tie), and on request the sorted distribution {@link #cosineMargins()}.</li>
 *   <li>{@code bias_relation} = ‖Wμ_G + b‖ (b = 0 when there is none).</li>
 * </ul>
 *
 * Metrics that need W are absent from {@link #values()} (and NaN here) without a classifier;
 * {@code numerical_rank} is absent when it was not computed.
 */
public record CollapseMetrics(
        int classes,
        long samples,
        boolean hasClassifier,
        double nc1,
        double nc1Quotient,
        double cdnv,
        double nc2,
        double nc2Means,
        double nc3,
        double nc4,
        double nccAccuracy,
        double accuracy,
        double wEquinorm,
        double meanEquinorm,
        double meanEquiangularity,
        double meanMaxAngleDeviation,
        double numericalRank,
        double cosineMarginMean,
        double cosineMarginMin,
        double cosineMarginNegativeFraction,
        double biasRelation,
        double[] cosineMargins,
        boolean numericalRankMeasured) {

    /** The metric names, in the order {@link #values()} lists them. */
    public static final List<String> NAMES = List.of("nc1", "nc1_quotient", "cdnv", "nc2", "nc2_means", "nc3",
            "nc4", "ncc_accuracy", "accuracy", "w_equinorm", "mean_equinorm", "mean_equiangularity",
            "mean_max_angle_deviation", "numerical_rank", "cosine_margin_mean", "cosine_margin_min",
            "cosine_margin_negative_fraction", "bias_relation");

    /** The metrics that need the classifier W. */
    public static final Set<String> NEED_CLASSIFIER = Set.of("nc2", "nc3", "nc4", "accuracy", "w_equinorm",
            "cosine_margin_mean", "cosine_margin_min", "cosine_margin_negative_fraction", "bias_relation");

    /**
     * How to measure: the CDNV's distance exponent p, whether to keep every sample's cosine margin
     * (for the sorted distribution), whether to compute {@code numerical_rank} (per-class
     * singular values: the costly one).
     */
    public record Options(double cdnvExponent, boolean cosineMargins, boolean numericalRank) {
        public static final Options DEFAULT = new Options(2.0, false, true);

        public Options withCdnvExponent(double p) {
            return new Options(p, cosineMargins, numericalRank);
        }

        public Options withCosineMargins(boolean keep) {
            return new Options(cdnvExponent, keep, numericalRank);
        }

        public Options withNumericalRank(boolean compute) {
            return new Options(cdnvExponent, cosineMargins, compute);
        }
    }

    /** Every metric with default {@link Options}. */
    public static CollapseMetrics measure(NDArray features, int[] labels, int classes, NDArray weights, NDArray bias) {
        return measure(features, labels, classes, weights, bias, Options.DEFAULT);
    }

    /**
     * Both passes over features held in one N×d NDArray (float32 or float64, any device, any strides:
     * a transposed d×N view works), with labels in 0..K−1 and the classifier W (K×d) and b (K), either
     * of which may be null.
     */
    public static CollapseMetrics measure(NDArray features, int[] labels, int classes, NDArray weights,
            NDArray bias, Options options) {
        return measure(null, features, labels, classes, weights, bias, options);
    }

    /**
     * The same, with the first pass over these features and labels done already ({@code firstPass}: their class
     * counts and sums, as {@link FeatureStats#adding} makes them while a file is read), or done here where it is null.
     */
    public static CollapseMetrics measure(FeatureStats firstPass, NDArray features, int[] labels, int classes,
            NDArray weights, NDArray bias, Options options) {
        if (features.getShape().dimension() != 2) {
            throw new io.nclab.UserError("features must be a matrix (samples × dimension), got shape "
                    + features.getShape());
        }
        // numerical_rank's classes run on their own threads (CPU features) while the passes below run here: the
        // passes' many small operations leave the cores idle part of the time
        try (NumericalRank.Pending rank = options.numericalRank() ? NumericalRank.start(features, labels, classes)
                : null) {
            FeatureStats stats = firstPass;
            if (stats == null) {
                stats = new FeatureStats(classes, (int) features.getShape().get(1));
                stats.add(features, labels);
            } else if (stats.classes() != classes || stats.dim() != features.getShape().get(1)
                    || stats.samples() != labels.length) {
                throw new IllegalArgumentException("a first pass of " + stats.samples() + " samples, K = "
                        + stats.classes() + ", d = " + stats.dim() + " for " + labels.length + " samples, K = "
                        + classes + ", d = " + features.getShape().get(1));
            }
            SecondPass pass = stats.secondPass(weights, bias, options.cosineMargins());
            pass.add(features, labels);
            CollapseMetrics m = pass.metrics(options.cdnvExponent());
            return rank == null ? m : m.withNumericalRank(rank.value());
        }
    }

    /** The metrics keyed by their names ({@link #NAMES}), in that order, omitting the absent ones. */
    public Map<String, Double> values() {
        double[] v = {nc1, nc1Quotient, cdnv, nc2, nc2Means, nc3, nc4, nccAccuracy, accuracy, wEquinorm,
            meanEquinorm, meanEquiangularity, meanMaxAngleDeviation, numericalRank, cosineMarginMean,
            cosineMarginMin, cosineMarginNegativeFraction, biasRelation};
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) {
            String name = NAMES.get(i);
            if (!hasClassifier && NEED_CLASSIFIER.contains(name)) {
                continue;
            }
            // not measured (the option off): absent; measured but undefined (a class of all-zero features): NaN
            if (name.equals("numerical_rank") && !numericalRankMeasured) {
                continue;
            }
            out.put(name, v[i]);
        }
        return out;
    }

    /** The sorted cosine margins (ascending), empty unless they were asked for. */
    @Override
    public double[] cosineMargins() {
        return cosineMargins == null ? new double[0] : cosineMargins.clone();
    }

    public CollapseMetrics withNumericalRank(double rank) {
        return new CollapseMetrics(classes, samples, hasClassifier, nc1, nc1Quotient, cdnv, nc2, nc2Means, nc3,
                nc4, nccAccuracy, accuracy, wEquinorm, meanEquinorm, meanEquiangularity, meanMaxAngleDeviation,
                rank, cosineMarginMean, cosineMarginMin, cosineMarginNegativeFraction, biasRelation, cosineMargins,
                true);
    }

    /** Fills the record field by field; what is not set is NaN (absent). */
    static final class Builder {
        final int classes;
        final long samples;
        boolean hasClassifier;
        double nc1 = Double.NaN;
        double nc1Quotient = Double.NaN;
        double cdnv = Double.NaN;
        double nc2 = Double.NaN;
        double nc2Means = Double.NaN;
        double nc3 = Double.NaN;
        double nc4 = Double.NaN;
        double nccAccuracy = Double.NaN;
        double accuracy = Double.NaN;
        double wEquinorm = Double.NaN;
        double meanEquinorm = Double.NaN;
        double meanEquiangularity = Double.NaN;
        double meanMaxAngleDeviation = Double.NaN;
        double numericalRank = Double.NaN;
        double cosineMarginMean = Double.NaN;
        double cosineMarginMin = Double.NaN;
        double cosineMarginNegativeFraction = Double.NaN;
        double biasRelation = Double.NaN;
        double[] cosineMargins;

        Builder(int classes, long samples) {
            this.classes = classes;
            this.samples = samples;
        }

        CollapseMetrics build() {
            return new CollapseMetrics(classes, samples, hasClassifier, nc1, nc1Quotient, cdnv, nc2, nc2Means, nc3,
                    nc4, nccAccuracy, accuracy, wEquinorm, meanEquinorm, meanEquiangularity, meanMaxAngleDeviation,
                    numericalRank, cosineMarginMean, cosineMarginMin, cosineMarginNegativeFraction, biasRelation,
                    cosineMargins, false);
        }
    }
}
