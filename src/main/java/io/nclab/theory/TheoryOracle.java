package io.nclab.theory;

import io.nclab.ufm.UfmProblem;

/** The theory's prediction for a UFM problem, whichever paper covers it; null where none does. */
public final class TheoryOracle {
    private TheoryOracle() {}

    public static TheoryPrediction predict(UfmProblem p) {
        return p.loss().contrastive() ? ContrastiveTheory.predict(p) : MseTheory.predict(p);
    }

    /** Why no prediction applies, for messages. */
    public static String whyNot(UfmProblem p) {
        if (p.loss().contrastive()) {
            if (!p.balanced()) {
                return "Theorem 1 covers balanced classes only";
            }
            if (p.dim() < p.classes() - 1) {
                return "Theorem 1 needs d >= K-1 for a simplex ETF";
            }
            return "Theorem 1 needs lambda_w, lambda_h > 0";
        }
        if (!p.bias() || p.balanced()) {
            return "Theorem 3.1 covers the squared error with alpha = 1 only";
        }
        return "Theorem 3.1 with bias covers balanced classes only";
    }
}
