package io.nclab.curvature;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nclab.loss.Loss;
import io.nclab.nd.Nd;
import io.nclab.ufm.UfmObjective;
import io.nclab.ufm.UfmPoint;
import io.nclab.ufm.UfmProblem;

/**
 * Hessian-vector products of the UFM objective f(W, H, b) at a fixed point, analytic: the loss's own
 * Hessian-vector product in logit space carried through the bilinear map Z = WH + b1ᵀ. With
 * G = (1/N) ∂L/∂Z at the point and, for a direction Δ = (ΔW, ΔH, Δb),
 *
 * <pre>
 *   ΔZ = ΔW H + W ΔH + Δb 1ᵀ,        R = (1/N) ∇²L[ΔZ]   (column by column)
 *   ∇²f[Δ]_W = R Hᵀ + G ΔHᵀ + λ_W ΔW
 *   ∇²f[Δ]_H = Wᵀ R + ΔWᵀ G + λ_H ΔH
 *   ∇²f[Δ]_b = R 1 + λ_b Δb                (0 without bias)
 * </pre>
 *
 * (the MSE paper's bilinear form (24) generalised to any loss). One product costs five K×d×N matrix
 * products against the gradient's three, plus one loss Hessian-vector product.
 *
 * <p>For the eigen-solvers the same map is offered on flat vectors: W row-major, then H row-major, then
 * b when the problem has a bias (the dimension is Kd + dN (+ K)).
 */
public final class UfmHessian implements AutoCloseable {
    private final UfmProblem problem;
    private final NDManager manager;
    private final NDArray targets;
    private final NDArray w;
    private final NDArray h;
    private final NDArray logits;
    private final NDArray g;
    private final double invN;
    private long products;

    /** Fixes the point x (its W, H, logits and loss gradient are kept; x itself may be closed after). */
    public UfmHessian(UfmObjective f, UfmPoint x) {
        this.problem = f.problem();
        this.manager = x.parent().newSubManager();
        this.invN = 1.0 / problem.samples();
        this.targets = f.targets();
        this.w = x.w().duplicate();
        this.h = x.h().duplicate();
        this.logits = f.logits(x);
        this.g = problem.loss().gradient(logits, targets);
        g.muli(invN);
        manager.attachAll(w, h, logits, g);
    }

    public UfmProblem problem() {
        return problem;
    }

    /** The number of products computed so far. */
    public long products() {
        return products;
    }

    /** ∇²f(x)[Δ] as a new point in {@code dir}'s parent manager. */
    public UfmPoint apply(UfmPoint dir) {
        products++;
        Loss loss = problem.loss();
        NDManager out = dir.parent();
        try (NDManager scope = NDManager.subManagerOf(w)) {
            scope.tempAttachAll(w, h, logits, g, targets, dir.w(), dir.h(), dir.b());
            NDArray dz = dir.w().matMul(h).add(w.matMul(dir.h()));
            if (problem.bias()) {
                dz.addi(dir.b());
            }
            NDArray r = loss.hessianVector(logits, targets, dz);
            r.muli(invN);
            NDArray hw = r.matMul(h.transpose()).add(g.matMul(dir.h().transpose())).add(dir.w().mul(problem.lambdaW()));
            NDArray hh = w.transpose().matMul(r).add(dir.w().transpose().matMul(g))
                    .add(dir.h().mul(problem.lambdaH()));
            NDArray hb = problem.bias()
                    ? r.sum(new int[] {1}, true).add(dir.b().mul(problem.lambdaB()))
                    : dir.b().zerosLike();
            hw.attach(out);
            hh.attach(out);
            hb.attach(out);
            return new UfmPoint(out, hw, hh, hb);
        }
    }

    /** The dimension of the flat vectors: Kd + dN, plus K with a bias. */
    public int dimension() {
        return dimension(problem);
    }

    /** The dimension of a problem's flat vectors: Kd + dN, plus K with a bias. */
    public static int dimension(UfmProblem problem) {
        int k = problem.classes();
        int d = problem.dim();
        return k * d + d * problem.samples() + (problem.bias() ? k : 0);
    }

    /** ∇²f(x) v on flat vectors. */
    public double[] apply(double[] v) {
        try (NDManager scope = NDManager.subManagerOf(w); UfmPoint dir = unflatten(scope, v);
                UfmPoint hv = apply(dir)) {
            return flatten(hv);
        }
    }

    public double[] flatten(UfmPoint p) {
        return flatten(problem, p);
    }

    public UfmPoint unflatten(NDManager parent, double[] v) {
        return unflatten(problem, parent, v);
    }

    /** A point's variables as one flat vector (b only with a bias). */
    public static double[] flatten(UfmProblem problem, UfmPoint p) {
        double[] wv = Nd.toDoubles(p.w());
        double[] hv = Nd.toDoubles(p.h());
        double[] out = new double[dimension(problem)];
        System.arraycopy(wv, 0, out, 0, wv.length);
        System.arraycopy(hv, 0, out, wv.length, hv.length);
        if (problem.bias()) {
            double[] bv = Nd.toDoubles(p.b());
            System.arraycopy(bv, 0, out, wv.length + hv.length, bv.length);
        }
        return out;
    }

    /** The point of a flat vector, in {@code parent} (b = 0 without a bias). */
    public static UfmPoint unflatten(UfmProblem problem, NDManager parent, double[] v) {
        int k = problem.classes();
        int d = problem.dim();
        int n = problem.samples();
        double[] wv = new double[k * d];
        double[] hv = new double[d * n];
        double[] bv = new double[k];
        System.arraycopy(v, 0, wv, 0, wv.length);
        System.arraycopy(v, wv.length, hv, 0, hv.length);
        if (problem.bias()) {
            System.arraycopy(v, wv.length + hv.length, bv, 0, k);
        }
        return new UfmPoint(parent, parent.create(wv, new Shape(k, d)), parent.create(hv, new Shape(d, n)),
                parent.create(bv, new Shape(k, 1)));
    }

    @Override
    public void close() {
        manager.close();
    }
}
