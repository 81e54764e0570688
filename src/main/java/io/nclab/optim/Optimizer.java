package io.nclab.optim;

import io.nclab.UserError;
import java.util.Locale;

/** A minimiser of a {@link Smooth} function that updates its starting point in place. */
public interface Optimizer {
    String name();

    <V extends Vec<V>> OptimResult minimize(Smooth<V> f, V x, StopRule stop, Monitor<V> monitor);

    /** gd | adam | lbfgs with the given learning rate (for L-BFGS: the first step's scale). */
    static Optimizer named(String name, double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new UserError("--lr must be a positive number, got " + lr);
        }
        switch (name.toLowerCase(Locale.ROOT)) {
            case "gd":
                return new GradientDescent(lr);
            case "adam":
                return new Adam(lr, 0.9, 0.999, 1e-8);
            case "lbfgs":
                return new Lbfgs(10, lr);
            default:
                throw new UserError("unknown optimizer '" + name + "'; accepted: gd, adam, lbfgs");
        }
    }
}
