package io.nclab.loss;

/**
 * Every sample's logit Hessian ∇²_z L(z_i, y_i) in its loss's closed form, as a diagonal plus a symmetric part of rank
 * at most 3: H_i = diag(d_i) + Σ_{a,b &lt; r_i} c_i[a][b] u_{i,a} u_{i,b}ᵀ. The losses of the family all have this shape
 * (diag(p) − ppᵀ for CE and LS, a′uuᵀ − a(diag(p) − ppᵀ) for focal, diag(ω) for MSE), which is what lets an extreme
 * eigenvalue be found in O(K) operations per step ({@code io.nclab.curvature.DiagonalPlusLowRank}) instead of the
 * O(K³) of a dense decomposition. Each term is of the size of the entries it makes, without a large cancellation
 * (see {@link SoftmaxLosses#softmaxJacobians}), so the dense matrix {@link #dense} keeps the digits of the exact
 * softmax forms.
 *
 * <p>Layout, sample-major: d_i at {@code diagonal[i·K ..]}, u_{i,a} at {@code vectors[a][i·K ..]}, c_i row-major at
 * {@code cores[i·9 ..]} (a 3×3 block whatever r_i is), r_i at {@code ranks[i]}.
 */
public record LogitHessians(int classes, int samples, double[] diagonal, double[][] vectors, double[] cores,
        int[] ranks) {

    /** The largest rank of the low-rank part. */
    public static final int MAX_RANK = 3;

    /** Room for {@code samples} Hessians of K×K, every part zero. */
    static LogitHessians zeros(int classes, int samples) {
        double[][] vectors = new double[MAX_RANK][];
        for (int a = 0; a < MAX_RANK; a++) {
            vectors[a] = new double[samples * classes];
        }
        return new LogitHessians(classes, samples, new double[samples * classes], vectors,
                new double[samples * MAX_RANK * MAX_RANK], new int[samples]);
    }

    /** Sample i's core entry c_i[a][b] (and c_i[b][a]) set to {@code value}. */
    void core(int i, int a, int b, double value) {
        cores[i * MAX_RANK * MAX_RANK + a * MAX_RANK + b] = value;
        cores[i * MAX_RANK * MAX_RANK + b * MAX_RANK + a] = value;
    }

    /** Sample i's diagonal entries H_xx (K values, in O(K·r²) operations). */
    public double[] diagonalEntries(int i) {
        int k = classes;
        int r = ranks[i];
        double[] out = new double[k];
        for (int x = 0; x < k; x++) {
            double s = diagonal[i * k + x];
            for (int a = 0; a < r; a++) {
                double ua = vectors[a][i * k + x];
                for (int b = 0; b < r; b++) {
                    s += ua * cores[i * MAX_RANK * MAX_RANK + a * MAX_RANK + b] * vectors[b][i * k + x];
                }
            }
            out[x] = s;
        }
        return out;
    }

    /**
     * The size of the terms that make sample i's entries, max_x |d_x| + Σ_ab |c_ab| max|u_a| max|u_b|: what their
     * rounding (and so any eigenvalue computed from them) is relative to. For the softmax losses' e_t and e_t − p it is
     * of the size of the entries themselves.
     */
    public double termScale(int i) {
        int k = classes;
        int r = ranks[i];
        double[] most = new double[r];
        double s = 0;
        for (int x = 0; x < k; x++) {
            s = Math.max(s, Math.abs(diagonal[i * k + x]));
            for (int a = 0; a < r; a++) {
                most[a] = Math.max(most[a], Math.abs(vectors[a][i * k + x]));
            }
        }
        for (int a = 0; a < r; a++) {
            for (int b = 0; b < r; b++) {
                s += Math.abs(cores[i * MAX_RANK * MAX_RANK + a * MAX_RANK + b]) * most[a] * most[b];
            }
        }
        return s;
    }

    /** Sample i's K×K Hessian, row-major. */
    public double[] dense(int i) {
        int k = classes;
        int r = ranks[i];
        double[] out = new double[k * k];
        for (int row = 0; row < k; row++) {
            for (int col = 0; col < k; col++) {
                double s = 0;
                for (int a = 0; a < r; a++) {
                    double ua = vectors[a][i * k + row];
                    for (int b = 0; b < r; b++) {
                        s += ua * cores[i * MAX_RANK * MAX_RANK + a * MAX_RANK + b] * vectors[b][i * k + col];
                    }
                }
                out[row * k + col] = row == col ? diagonal[i * k + row] + s : s;
            }
        }
        return out;
    }
}
