package io.nclab.ufm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.nclab.nd.NativeBlas;
import io.nclab.nd.Nd;
import io.nclab.optim.Smooth;

/**
 * The UFM objective f(W, H, b) of {@link UfmProblem} with its analytic gradient, float64 and without
 * any autograd graph. With G = (1/N) ∂L/∂Z (K×N) at Z = WH + b1ᵀ:
 *
 * <pre>
 *   ∇_W f = G Hᵀ + λ_W W,   ∇_H f = Wᵀ G + λ_H H,   ∇_b f = G 1 + λ_b b   (0 without bias)
 * </pre>
 */
public final class UfmObjective implements Smooth<UfmPoint>, AutoCloseable {
    private final UfmProblem problem;
    private final NDManager manager;
    private final NDArray targets;
    private final double invN;

    public UfmObjective(UfmProblem problem, NDManager parent) {
        this.problem = problem;
        this.manager = parent.newSubManager();
        this.targets = Nd.oneHotColumns(manager, problem.labels(), problem.classes());
        this.invN = 1.0 / problem.samples();
    }

    public UfmProblem problem() {
        return problem;
    }

    /** The one-hot targets Y, K×N. */
    public NDArray targets() {
        return targets;
    }

    public NDManager manager() {
        return manager;
    }

    /** Z = WH + b1ᵀ (b omitted without bias), a new K×N array in x's manager. */
    public NDArray logits(UfmPoint x) {
        NDArray z = x.w().matMul(x.h());
        if (problem.bias()) {
            z.addi(x.b());
        }
        return z;
    }

    /** The loss term (1/N) Σ L(z_i, y_i) given the per-sample losses L(z_i, y_i). */
    private double lossTerm(NDArray values) {
        try (NDArray s = values.sum()) {
            return s.getDouble() * invN;
        }
    }

    /** λ_W/2 ‖W‖² + λ_H/2 ‖H‖² + λ_b/2 ‖b‖². */
    public double regulariser(UfmPoint x) {
        double r = 0.5 * problem.lambdaW() * Nd.sumSquares(x.w()) + 0.5 * problem.lambdaH() * Nd.sumSquares(x.h());
        if (problem.bias()) {
            r += 0.5 * problem.lambdaB() * Nd.sumSquares(x.b());
        }
        return r;
    }

    @Override
    public double value(UfmPoint x) {
        try (NDArray z = logits(x); NDArray v = problem.loss().values(z, targets)) {
            return lossTerm(v) + regulariser(x);
        }
    }

    /** The value and the gradient at one point, sharing the logits and what the loss's two share. */
    @Override
    public Evaluation<UfmPoint> evaluate(UfmPoint x) {
        try (NDArray z = logits(x); ai.djl.ndarray.NDList vg = problem.loss().valuesAndGradient(z, targets)) {
            return new Evaluation<>(lossTerm(vg.get(0)) + regulariser(x), gradientAt(x, vg.get(1)));
        }
    }

    @Override
    public UfmPoint gradient(UfmPoint x) {
        try (NDArray z = logits(x); NDArray g = problem.loss().gradient(z, targets)) {
            return gradientAt(x, g);
        }
    }

    /**
     * A gradient step fused with the gradient's computation, in place: with A = WᵀG and B = GHᵀ taken
     * at the old point, W ← (1 − ηλ_W)W − ηB, H ← (1 − ηλ_H)H − ηA, b ← (1 − ηλ_b)b − ηG1. This
     * touches the large d×N arrays about half as often as forming ∇f and then stepping. Where
     * {@link NativeBlas#gemm} applies (CPU, float64) and the norm is not asked for, H's step is one BLAS
     * call that writes −ηWᵀG into H itself: no d×N array is made at all.
     */
    @Override
    public double descend(UfmPoint x, double lr, boolean wantNorm) {
        try (NDArray z = logits(x); NDArray g = problem.loss().gradient(z, targets)) {
            g.muli(invN);
            try (NDArray ht = x.h().transpose();
                    NDArray gw = g.matMul(ht);
                    NDArray gb = problem.bias() ? g.sum(new int[] {1}, true) : null) {
                double norm = Double.NaN;
                // H first, with the old W (W is stepped below)
                if (wantNorm || !NativeBlas.gemm(-lr, x.w(), true, g, false, 1 - lr * problem.lambdaH(), x.h())) {
                    try (NDArray wt = x.w().transpose(); NDArray gh = wt.matMul(g)) {
                        if (wantNorm) {
                            norm = Math.sqrt(normSquared(gw, x.w(), problem.lambdaW())
                                    + normSquared(gh, x.h(), problem.lambdaH())
                                    + (gb == null ? 0 : normSquared(gb, x.b(), problem.lambdaB())));
                        }
                        step(x.h(), gh, lr, problem.lambdaH());
                    }
                }
                step(x.w(), gw, lr, problem.lambdaW());
                if (gb != null) {
                    step(x.b(), gb, lr, problem.lambdaB());
                }
                return norm;
            }
        }
    }

    /** ‖a + λ p‖², formed exactly (no expansion, which would cancel near a critical point). */
    private static double normSquared(NDArray a, NDArray p, double lambda) {
        try (NDArray t = p.mul(lambda)) {
            t.addi(a);
            return Nd.sumSquares(t);
        }
    }

    /** p ← (1 − ηλ) p − η a, in place (a is overwritten). */
    private static void step(NDArray p, NDArray a, double lr, double lambda) {
        p.muli(1 - lr * lambda);
        p.subi(a.muli(lr));
    }

    /**
     * The gradient at x given the loss's gradient G at its logits (scaled by 1/N here, in place); a new point in x's
     * parent manager.
     */
    private UfmPoint gradientAt(UfmPoint x, NDArray g) {
        NDManager out = x.parent();
        g.muli(invN);
        // G Hᵀ + λ_W W and Wᵀ G + λ_H H, the decay added in place (no d×N temporary)
        NDArray gw;
        try (NDArray ht = x.h().transpose()) {
            gw = g.matMul(ht);
        }
        Nd.addScaled(gw, problem.lambdaW(), x.w());
        NDArray gh;
        try (NDArray wt = x.w().transpose()) {
            gh = wt.matMul(g);
        }
        Nd.addScaled(gh, problem.lambdaH(), x.h());
        NDArray gb;
        if (problem.bias()) {
            gb = x.b().mul(problem.lambdaB());
            try (NDArray s = g.sum(new int[] {1}, true)) {
                gb.addi(s);
            }
        } else {
            gb = x.b().zerosLike();
        }
        return new UfmPoint(out, gw, gh, gb);
    }

    @Override
    public void close() {
        manager.close();
    }
}
