package io.nclab.theory;

import io.nclab.ufm.UfmProblem;
import java.util.Locale;

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
                // and no theorem makes every local minimum global there: an audit found L-BFGS stopping at a strict
                // local minimum (K = 5, d = 2: one classifier row zero, the other four at right angles) for seeds 0-4
                return "Theorem 1 needs d >= K-1 for a simplex ETF, and below it no theorem says that every local"
                        + " minimum is global: compare a few --seed values";
            }
            if (!(p.lambdaW() > 0 && p.lambdaH() > 0)) {
                return "Theorem 1 needs lambda_w, lambda_h > 0 (without both no minimiser exists)";
            }
            return String.format(Locale.ROOT, "the weight decays are too small for float64: K*sqrt(n*lambda_w"
                    + "*lambda_h) = %.3g is below %.0e, where the loss at the optimum nears underflow",
                    ContrastiveTheory.scalarWeight(p), ContrastiveTheory.MIN_WEIGHT);
        }
        if (!(p.lambdaW() > 0 && p.lambdaH() > 0)) {
            return "Theorem 3.1 needs lambda_w, lambda_h > 0 (without both no minimiser exists)";
        }
        if (!p.bias() || p.balanced()) {
            return "Theorem 3.1 covers the squared error with alpha = 1 only";
        }
        return "Theorem 3.1 with bias covers balanced classes only";
    }
}
