package io.nclab.optim;

import ai.djl.ndarray.NDArray;
import io.nclab.nd.Nd;

/**
 * A point of a real vector space made of one or more native arrays (the UFM's (W, H, b), a network's
 * parameters), with the inner product and in-place linear algebra the optimisers need. Closed when no
 * longer needed.
 *
 * @param <V> the implementing type
 */
public interface Vec<V extends Vec<V>> extends AutoCloseable {

    /** The arrays that make up this vector, in a fixed order. */
    NDArray[] arrays();

    /** A new vector of the same structure that takes ownership of {@code arrays}. */
    V wrap(NDArray[] arrays);

    /** ⟨this, y⟩. */
    default double dot(V y) {
        NDArray[] a = arrays();
        NDArray[] b = y.arrays();
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Nd.dot(a[i], b[i]);
        }
        return s;
    }

    default double norm() {
        return Math.sqrt(dot(self()));
    }

    /** this += c·y, in place (see {@link Nd#addScaled}). */
    default void addScaled(double c, V y) {
        NDArray[] a = arrays();
        NDArray[] b = y.arrays();
        for (int i = 0; i < a.length; i++) {
            Nd.addScaled(a[i], c, b[i]);
        }
    }

    /** this *= c. */
    default void scale(double c) {
        for (NDArray a : arrays()) {
            a.muli(c);
        }
    }

    /** A new vector a·this + c·y. */
    default V linear(double a, double c, V y) {
        NDArray[] x = arrays();
        NDArray[] z = y.arrays();
        NDArray[] out = new NDArray[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = a == 1 ? x[i].duplicate() : x[i].mul(a);
            if (c != 0) {
                Nd.addScaled(out[i], c, z[i]);
            }
        }
        return wrap(out);
    }

    /** this := y, in place. */
    default void set(V y) {
        NDArray[] a = arrays();
        NDArray[] b = y.arrays();
        for (int i = 0; i < a.length; i++) {
            Nd.copyInto(b[i], a[i]);
        }
    }

    default V copy() {
        NDArray[] a = arrays();
        NDArray[] out = new NDArray[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].duplicate();
        }
        return wrap(out);
    }

    @SuppressWarnings("unchecked")
    default V self() {
        return (V) this;
    }

    @Override
    void close();
}
