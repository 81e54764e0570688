package io.nclab.optim;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Vectors of one structure kept for reuse within one minimisation. Fresh native memory is expensive where
 * the vectors are large (the UFM's H at N = 100,000: 100 MB, whose pages the kernel faults in at first
 * touch), so L-BFGS and its line search take their directions, trial points and curvature pairs from
 * here and give them back. At most {@code capacity} are kept; closing the pool closes them.
 *
 * @param <V> the vector type
 */
final class Spares<V extends Vec<V>> implements AutoCloseable {
    private final Deque<V> free = new ArrayDeque<>();
    private final int capacity;

    Spares(int capacity) {
        this.capacity = capacity;
    }

    /** A new vector equal to {@code x}: a kept one overwritten, or a copy. */
    V copyOf(V x) {
        V v = free.poll();
        if (v == null) {
            return x.copy();
        }
        v.set(x);
        return v;
    }

    /** x + c·y as a new vector (the same arithmetic as {@link Vec#linear}(1, c, y)). */
    V step(V x, double c, V y) {
        V v = copyOf(x);
        v.addScaled(c, y);
        return v;
    }

    /** Hands {@code v} back (the caller no longer uses it). */
    void give(V v) {
        if (free.size() < capacity) {
            free.push(v);
        } else {
            v.close();
        }
    }

    @Override
    public void close() {
        for (V v : free) {
            v.close();
        }
        free.clear();
    }
}
