package io.nclab.model;

import io.nclab.UserError;

/**
 * A K×d simplex equiangular tight frame: unit rows w_k with ⟨w_j, w_k⟩ = −1/(K−1) for j ≠ k, i.e.
 * W Wᵀ = K/(K−1) (I − 11ᵀ/K) (the losses paper's Definition of NC2). Built as √(K/(K−1)) times an
 * orthonormal basis of the centred subspace 1^⊥ of R^K (the Helmert basis), padded with zero columns to
 * d ≥ K − 1.
 */
public final class SimplexEtf {
    private SimplexEtf() {}

    public static float[] rowMajor(int classes, int dim) {
        if (classes < 2) {
            throw new UserError("a simplex ETF needs at least 2 classes, got " + classes);
        }
        if (dim < classes - 1) {
            throw new UserError("--fixed-etf needs --feature-dim d >= K - 1 = " + (classes - 1)
                    + " (a simplex ETF of " + classes + " classes does not fit in d = " + dim + ")");
        }
        double scale = Math.sqrt(classes / (classes - 1.0));
        float[] w = new float[classes * dim];
        for (int j = 1; j < classes; j++) {
            double norm = Math.sqrt((double) j * (j + 1));
            for (int k = 0; k < j; k++) {
                w[k * dim + (j - 1)] = (float) (scale / norm);
            }
            w[j * dim + (j - 1)] = (float) (-scale * j / norm);
        }
        return w;
    }
}
