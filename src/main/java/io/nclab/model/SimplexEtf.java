package io.nclab.model;

import io.nclab.UserError;

/**
 * A K×d simplex equiangular tight frame for a fixed classifier: unit rows w_k with
 * ⟨w_j, w_k⟩ = −1/(K−1) for j ≠ k, i.e. W Wᵀ = K/(K−1) (I − 11ᵀ/K) (the losses paper's definition of
 * NC2). Every simplex ETF is a rotation of every other, but the networks' penultimate features come
 * out of a ReLU (h ≥ 0), so the placement matters:
 * <ul>
 *   <li>d ≥ K: the centred identity, w_k = √(K/(K−1)) (e_k − 1/K) in the first K coordinates and zero
 *       elsewhere. Feature unit k speaks for class k (h = e_k is classified as k), and the collapsed
 *       solution μ_k = α e_k + β1 is non-negative with W μ_G ∝ W1 = 0, so NC is reachable by ReLU
 *       features with or without a bias. An ETF in general position (a random rotation) is not: its
 *       null direction has coordinates of both signs.</li>
 *   <li>d = K − 1: the same frame with its null direction 1/√K reflected onto the last axis of R^K,
 *       which then drops out (a Householder reflection). With h ≥ 0 each of the K classes is still the
 *       prediction somewhere for K ≥ 5 (h = e_k, and h = 1 for the last class); for K ≤ 4 no ETF in
 *       d = K − 1 can do that for all classes and the learned bias has to help.</li>
 * </ul>
 * The axis-aligned Helmert basis used before made w_0 all-positive and w_1 − w_0 non-positive, so with
 * h ≥ 0 class 0 won everywhere a bias did not overrule it.
 */
public final class SimplexEtf {
    private SimplexEtf() {}

    public static float[] rowMajor(int classes, int dim) {
        double[] w = rowMajorDouble(classes, dim);
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = (float) w[i];
        }
        return out;
    }

    static double[] rowMajorDouble(int classes, int dim) {
        check(classes, dim);
        return frame(classes, dim);
    }

    /** Refuses (one line) K and d for which no simplex ETF exists. */
    public static void check(int classes, int dim) {
        if (classes < 2) {
            throw new UserError("a simplex ETF needs at least 2 classes, got " + classes);
        }
        if (dim < classes - 1) {
            throw new UserError("--fixed-etf needs --feature-dim d >= K - 1 = " + (classes - 1)
                    + " (a simplex ETF of " + classes + " classes does not fit in d = " + dim + ")");
        }
    }

    private static double[] frame(int classes, int dim) {
        int k = classes;
        double scale = Math.sqrt(k / (k - 1.0));
        // the K×K centred identity C = I − 11ᵀ/K, whose rows are the frame before scaling
        double[][] c = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                c[i][j] = (i == j ? 1.0 : 0.0) - 1.0 / k;
            }
        }
        if (dim == k - 1) {
            // C R with R = I − 2vvᵀ/vᵀv, v = 1/√K − e_K: R maps 1/√K to e_K, and C 1 = 0 makes the last
            // column of C R zero. Since C v = −(e_K − 1/K), C R = C + (2/vᵀv) (e_K − 1/K) vᵀ.
            double[] v = new double[k];
            for (int j = 0; j < k; j++) {
                v[j] = 1.0 / Math.sqrt(k) - (j == k - 1 ? 1.0 : 0.0);
            }
            double vv = 0;
            for (double x : v) {
                vv += x * x;
            }
            double[][] rotated = new double[k][k];
            for (int i = 0; i < k; i++) {
                double u = (i == k - 1 ? 1.0 : 0.0) - 1.0 / k;
                for (int j = 0; j < k; j++) {
                    rotated[i][j] = c[i][j] + 2.0 / vv * u * v[j];
                }
            }
            c = rotated;
        }
        int used = Math.min(k, dim);
        double[] w = new double[k * dim];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < used; j++) {
                w[i * dim + j] = scale * c[i][j];
            }
        }
        return w;
    }
}
