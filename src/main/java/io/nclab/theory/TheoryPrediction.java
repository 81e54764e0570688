package io.nclab.theory;

/**
 * The closed-form global optimum of a UFM problem.
 *
 * @param objective f*, the global minimum
 * @param t the contrastive family's scalar t* (Theorem 1's reduction); NaN for MSE
 * @param b b*, one entry per class
 * @param wRowNorm ‖w*_k‖, the same for every k; NaN where the rows need not have equal norms
 * @param wNorm ‖W*‖_F
 * @param hNorm ‖H*‖_F
 * @param regime a short name of the case that applies
 */
public record TheoryPrediction(
        double objective, double t, double[] b, double wRowNorm, double wNorm, double hNorm, String regime) {

    /** Whether the global minimiser is W = H = 0 (no features, so nothing to collapse). */
    public boolean minimiserAtOrigin() {
        return wNorm == 0 && hNorm == 0;
    }

    /** ‖b*‖. */
    public double bNorm() {
        double s = 0;
        for (double v : b) {
            s += v * v;
        }
        return Math.sqrt(s);
    }
}
