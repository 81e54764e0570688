package io.nclab.ufm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nclab.nd.Nd;
import io.nclab.optim.Vec;
import java.util.SplittableRandom;

/**
 * A point (W, H, b) of the UFM, float64: W is K×d, H is d×N, b is K×1. Also used for gradients and
 * search directions. Owns its arrays through its own manager; close it when done.
 */
public final class UfmPoint implements Vec<UfmPoint> {
    private final NDManager parent;
    private final NDManager manager;
    private final NDArray w;
    private final NDArray h;
    private final NDArray b;

    /** Takes ownership of the three arrays (they move to a new sub-manager of {@code parent}). */
    public UfmPoint(NDManager parent, NDArray w, NDArray h, NDArray b) {
        this.parent = parent;
        this.manager = parent.newSubManager();
        this.w = w;
        this.h = h;
        this.b = b;
        manager.attachAll(w, h, b);
    }

    /** Seeded Gaussian initialisation: entries of W and H are scale·N(0,1), b = 0. */
    public static UfmPoint gaussian(NDManager parent, UfmProblem p, long seed, double scale) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int k = p.classes();
        int d = p.dim();
        int n = p.samples();
        double[] w = new double[k * d];
        for (int i = 0; i < w.length; i++) {
            w[i] = scale * gauss(rnd);
        }
        double[] h = new double[d * n];
        for (int i = 0; i < h.length; i++) {
            h[i] = scale * gauss(rnd);
        }
        return new UfmPoint(parent, parent.create(w, new Shape(k, d)), parent.create(h, new Shape(d, n)),
                parent.zeros(new Shape(k, 1), DataType.FLOAT64));
    }

    /** A standard normal deviate (Box–Muller on SplittableRandom: the same on every platform). */
    private static double gauss(SplittableRandom rnd) {
        double u = 1.0 - rnd.nextDouble();
        double v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    public static UfmPoint of(NDManager parent, double[][] w, double[][] h, double[] b) {
        return new UfmPoint(parent, Nd.matrix(parent, w), Nd.matrix(parent, h),
                parent.create(b, new Shape(b.length, 1)));
    }

    public NDArray w() {
        return w;
    }

    public NDArray h() {
        return h;
    }

    /** b as a K×1 column. */
    public NDArray b() {
        return b;
    }

    /** The manager that owns this point's arrays. */
    public NDManager manager() {
        return manager;
    }

    /** The manager new points derived from this one are made in. */
    public NDManager parent() {
        return parent;
    }

    @Override
    public NDArray[] arrays() {
        return new NDArray[] {w, h, b};
    }

    @Override
    public UfmPoint wrap(NDArray[] arrays) {
        return new UfmPoint(parent, arrays[0], arrays[1], arrays[2]);
    }

    public double wNorm() {
        return Math.sqrt(Nd.sumSquares(w));
    }

    public double hNorm() {
        return Math.sqrt(Nd.sumSquares(h));
    }

    public double bNorm() {
        return Math.sqrt(Nd.sumSquares(b));
    }

    @Override
    public void close() {
        manager.close();
    }
}
