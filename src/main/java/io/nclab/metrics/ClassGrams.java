package io.nclab.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.nclab.UserError;
import io.nclab.io.Json;
import io.nclab.io.Npz;
import java.nio.file.Path;
import java.util.Map;

/**
 * The streaming route to {@link NumericalRank}: each class's d×d Gram matrix H_k H_kᵀ = Σ_{y_i = k}
 * h_i h_iᵀ, accumulated in float64 batch by batch, mergeable and saved to {@code .npz}. It holds
 * K·d² doubles (80 MB for K = 10, d = 1024), so it is for when the features do not fit in memory;
 * {@link NumericalRank#measure} uses the smaller n_k×n_k Gram when it can.
 */
public final class ClassGrams {
    private final int classes;
    private final int dim;
    private final long[] counts;
    /** K blocks of d×d, row-major. */
    private final double[] grams;

    public ClassGrams(int classes, int dim) {
        if (classes < 2 || dim < 1) {
            throw new UserError("class Gram matrices need K >= 2 and d >= 1, got K = " + classes + ", d = " + dim);
        }
        long size = (long) classes * dim * dim;
        if (size > Integer.MAX_VALUE - 8) {
            throw new UserError("K·d² = " + size + " is too many doubles for per-class Gram matrices;"
                    + " measure the numerical rank on a subsample in memory instead");
        }
        this.classes = classes;
        this.dim = dim;
        this.counts = new long[classes];
        this.grams = new double[(int) size];
    }

    /** Adds a batch: features B×d (float32/float64, any device), labels in 0..K−1. */
    public void add(NDArray features, int[] labels) {
        Batch batch = Batch.of(features, labels, classes, dim, java.util.Arrays.stream(counts).sum());
        int dd = dim * dim;
        try (NDManager scope = batch.scope()) {
            for (int k = 0; k < classes; k++) {
                if (batch.counts[k] == 0) {
                    continue;
                }
                double[] g = NumericalRank.featureGram(batch, scope, batch.start()[k], batch.start()[k + 1], dim);
                for (int i = 0; i < dd; i++) {
                    grams[k * dd + i] += g[i];
                }
                counts[k] += batch.counts[k];
            }
        }
    }

    /** Adds a batch whose labels are an integer NDArray. */
    public void add(NDArray features, NDArray labels) {
        add(features, Batch.labels(labels));
    }

    public void merge(ClassGrams other) {
        if (other.classes != classes || other.dim != dim) {
            throw new UserError("cannot merge class Gram matrices for K = " + other.classes + ", d = " + other.dim
                    + " into K = " + classes + ", d = " + dim);
        }
        for (int i = 0; i < grams.length; i++) {
            grams[i] += other.grams[i];
        }
        for (int k = 0; k < classes; k++) {
            counts[k] += other.counts[k];
        }
    }

    /** (1/K) Σ_k ‖H_k‖_*²/‖H_k‖_F² from the accumulated Gram matrices; NaN where a class's features are all 0. */
    public double numericalRank() {
        int dd = dim * dim;
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            if (counts[k] == 0) {
                throw new UserError("class " + k + " has no samples (" + classes + " classes); every class needs"
                        + " at least one");
            }
            double[] g = java.util.Arrays.copyOfRange(grams, k * dd, (k + 1) * dd);
            sum += NumericalRank.ratio(g, dim, (int) Math.max(counts[k], dim)); // NaN for a class of all-zero features
        }
        return sum / classes;
    }

    static final String KIND = "nclab.class_grams";

    /** Saves to {@code .npz}: {@code counts} (K), {@code grams} (K×d×d). */
    public void save(Path file) {
        new Npz().putText("nclab.json", Json.line(Map.of("kind", KIND, "version", 1)))
                .put("counts", counts, classes).put("grams", grams, classes, dim, dim).save(file);
    }

    public static ClassGrams load(Path file) {
        Npz npz = Npz.load(file);
        FeatureStats.requireKind(npz, KIND, file);
        long[] shape = npz.shape("grams");
        if (shape.length != 3 || shape[1] != shape[2]) {
            throw new UserError(file + ": malformed class Gram matrices");
        }
        ClassGrams g = new ClassGrams((int) shape[0], (int) shape[1]);
        long[] counts = npz.longs("counts");
        if (counts.length != g.classes || java.util.Arrays.stream(counts).anyMatch(c -> c < 0)) {
            throw new UserError(file + ": malformed class Gram matrices: " + counts.length + " counts for "
                    + g.classes + " classes" + (counts.length == g.classes ? ", one negative" : ""));
        }
        System.arraycopy(npz.doubles("grams"), 0, g.grams, 0, g.grams.length);
        System.arraycopy(counts, 0, g.counts, 0, g.classes);
        return g;
    }
}
