package io.nclab.ufm;

import io.nclab.UserError;
import io.nclab.loss.Loss;
import java.util.Arrays;

/**
 * The unconstrained feature model (the losses paper's problem (7); the MSE paper's problem (3)):
 *
 * <pre>
 *   f(W, H, b) = (1/N) Σ_{k,i} L(W h_{k,i} + b, y_k) + λ_W/2 ‖W‖²_F + λ_H/2 ‖H‖²_F + λ_b/2 ‖b‖²
 * </pre>
 *
 * with W ∈ R^{K×d}, H ∈ R^{d×N}, b ∈ R^K. Samples are ordered class by class: the first n_0 columns
 * of H belong to class 0, and so on.
 *
 * @param loss the loss L
 * @param classes K
 * @param dim the feature dimension d
 * @param classCounts n_k for each class (all equal: balanced)
 * @param lambdaW λ_W
 * @param lambdaH λ_H
 * @param lambdaB λ_b (ignored without bias)
 * @param bias whether b is a variable (without it b = 0)
 */
public record UfmProblem(
        Loss loss, int classes, int dim, int[] classCounts, double lambdaW, double lambdaH, double lambdaB,
        boolean bias) {

    public UfmProblem {
        if (classes < 2) {
            throw new UserError("--classes must be at least 2, got " + classes);
        }
        if (dim < 1) {
            throw new UserError("--dim must be at least 1, got " + dim);
        }
        if (classCounts.length != classes) {
            throw new UserError("--per-class-list has " + classCounts.length + " counts but --classes is " + classes);
        }
        for (int k = 0; k < classes; k++) {
            if (classCounts[k] < 1) {
                throw new UserError("class " + k + " needs at least one sample, got " + classCounts[k]);
            }
        }
        checkLambda("--lambda-w", lambdaW);
        checkLambda("--lambda-h", lambdaH);
        checkLambda("--lambda-b", lambdaB);
        long n = Arrays.stream(classCounts).asLongStream().sum();
        if (n > Integer.MAX_VALUE) {
            throw new UserError("N = " + n + " samples in all is more than nclab's UFM holds (2^31 - 1)");
        }
        classCounts = classCounts.clone();
    }

    private static void checkLambda(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new UserError(name + " must be a finite number >= 0, got " + v);
        }
    }

    /** A balanced problem: n samples in each of K classes. */
    public static UfmProblem balanced(Loss loss, int classes, int dim, int perClass, double lambdaW, double lambdaH,
            double lambdaB, boolean bias) {
        int[] counts = new int[Math.max(classes, 0)];
        Arrays.fill(counts, perClass);
        return new UfmProblem(loss, classes, dim, counts, lambdaW, lambdaH, lambdaB, bias);
    }

    /** The number of variables: Kd (W) + dN (H) + K (b, with a bias). */
    public long parameters() {
        long k = classes;
        long d = dim;
        return k * d + d * samples() + (bias ? k : 0);
    }

    /**
     * Refuses (one line) a problem beyond {@code maxParameters} variables or {@code maxLogits} logits K·N, what
     * {@code who} (e.g. "ufm solves", "saddle takes") can hold; {@code why} says what needs the memory.
     */
    public void requireAtMost(long maxParameters, long maxLogits, String who, String why) {
        long logits = (long) classes * samples();
        if (parameters() > maxParameters || logits > maxLogits) {
            throw new UserError(String.format(java.util.Locale.ROOT, "the problem is too large (K = %d, d = %d, N = %d:"
                    + " %,d parameters Kd + dN + K, %,d logits K*N): %s at most %,d parameters and %,d logits%s"
                    + " (--classes, --dim, --per-class)", classes, dim, samples(), parameters(), logits, who,
                    maxParameters, maxLogits, why.isEmpty() ? "" : ", " + why));
        }
    }

    /** N = Σ_k n_k. */
    public int samples() {
        return Arrays.stream(classCounts).sum();
    }

    public boolean balanced() {
        return Arrays.stream(classCounts).allMatch(c -> c == classCounts[0]);
    }

    /** n when balanced. */
    public int perClass() {
        if (!balanced()) {
            throw new IllegalStateException("imbalanced problem has no single per-class count");
        }
        return classCounts[0];
    }

    /** The label of each sample, class by class. */
    public int[] labels() {
        int[] y = new int[samples()];
        int i = 0;
        for (int k = 0; k < classes; k++) {
            for (int j = 0; j < classCounts[k]; j++) {
                y[i++] = k;
            }
        }
        return y;
    }

    @Override
    public int[] classCounts() {
        return classCounts.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UfmProblem p && p.loss.spec().equals(loss.spec()) && p.classes == classes
                && p.dim == dim && Arrays.equals(p.classCounts, classCounts) && p.lambdaW == lambdaW
                && p.lambdaH == lambdaH && p.lambdaB == lambdaB && p.bias == bias;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(classCounts) * 31 + loss.spec().hashCode();
    }

    @Override
    public String toString() {
        return "UfmProblem[loss=" + loss.spec() + ", K=" + classes + ", d=" + dim + ", n=" + Arrays.toString(classCounts)
                + ", lambdaW=" + lambdaW + ", lambdaH=" + lambdaH + ", lambdaB=" + lambdaB + ", bias=" + bias + "]";
    }
}
