package io.nclab.data;

import io.nclab.UserError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The seeded ways of cutting a training set: per-class subsampling, a stratified validation hold-out,
 * class imbalance and random labels. Each takes its own random stream from (seed, purpose).
 */
public final class Splits {
    private Splits() {}

    /** The imbalance profiles: step (the second half of the classes is {@code ratio} times rarer) or exponential. */
    public enum ImbalanceProfile {
        STEP, EXP;

        public static ImbalanceProfile parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UserError("unknown imbalance profile '" + s + "'; accepted: step|exp");
            }
        }
    }

    /** Indices of each class in {@code data}, in order. */
    static List<List<Integer>> byClass(ImageData data) {
        List<List<Integer>> out = new ArrayList<>();
        for (int k = 0; k < data.classes(); k++) {
            out.add(new ArrayList<>());
        }
        int[] labels = data.labels();
        for (int i = 0; i < labels.length; i++) {
            out.get(labels[i]).add(i);
        }
        return out;
    }

    /** n samples of every class, drawn at random; sorted, so the order depends on the seed only through the choice. */
    public static ImageData perClass(ImageData data, int n, long seed) {
        if (n <= 0) {
            throw new UserError("--per-class must be positive, got " + n);
        }
        List<List<Integer>> classes = byClass(data);
        int[] keep = new int[n * data.classes()];
        int at = 0;
        for (int k = 0; k < classes.size(); k++) {
            List<Integer> idx = classes.get(k);
            if (idx.size() < n) {
                throw new UserError("--per-class " + n + " but class " + k + " has only " + idx.size()
                        + " training samples");
            }
            int[] perm = Rng.of(seed, "per-class", k).permutation(idx.size());
            for (int j = 0; j < n; j++) {
                keep[at++] = idx.get(perm[j]);
            }
        }
        Arrays.sort(keep);
        return data.subset(keep);
    }

    /** A training set and the validation set held out of it. */
    public record TrainVal(ImageData train, ImageData validation) {}

    /**
     * The validation hold-out, then per-class subsampling: {@code perClass} training samples of every class
     * (0: all) and validation samples in the proportion {@code fraction : 1 − fraction} to them.
     */
    public static TrainVal split(ImageData data, int perClass, double fraction, long seed) {
        requireCuttable(data.classCounts(), perClass, fraction);
        TrainVal full = holdOut(data, fraction, seed);
        if (perClass == 0) {
            return full;
        }
        ImageData train = perClass(full.train(), perClass, seed);
        if (fraction == 0) {
            return new TrainVal(train, full.validation());
        }
        int nv = (int) Math.max(1, Math.round(perClass * fraction / (1 - fraction)));
        int smallest = java.util.Arrays.stream(full.validation().classCounts()).min().orElse(0);
        return new TrainVal(train, perClass(full.validation(), Math.min(nv, smallest), seed + 1));
    }

    /**
     * The checks of {@link #split} on the training data's class counts alone (a sweep makes them for every run
     * before the first starts): --val-fraction in [0, 1) leaving every class a training sample, --per-class
     * positive or 0 (all), and no larger than what the hold-out leaves of any class.
     */
    public static void requireCuttable(int[] classCounts, int perClass, double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new UserError("--val-fraction must be in [0, 1), got " + fraction);
        }
        if (perClass < 0) {
            throw new UserError("--per-class must be a positive count, or 0 for every sample, got " + perClass);
        }
        for (int k = 0; k < classCounts.length; k++) {
            int n = classCounts[k];
            int nv = heldOut(n, fraction);
            if (nv >= n && n > 0) {
                throw new UserError("--val-fraction " + fraction + " leaves no training sample of class " + k
                        + " (it has " + n + ")");
            }
            if (perClass > n - nv) {
                throw new UserError("--per-class " + perClass + " but class " + k + " has only " + (n - nv)
                        + " training samples" + (fraction > 0 ? " once --val-fraction " + fraction
                                + " has held out its share" : ""));
            }
        }
    }

    /** The samples of a class of {@code n} that the validation hold-out takes: round(fraction · n), at least one. */
    private static int heldOut(int n, double fraction) {
        return fraction == 0 || n == 0 ? 0 : Math.max(1, (int) Math.round(fraction * n));
    }

    /** Holds out round(fraction · n_k) samples of every class k (at least one while fraction > 0). */
    public static TrainVal holdOut(ImageData data, double fraction, long seed) {
        requireCuttable(data.classCounts(), 0, fraction);
        List<Integer> train = new ArrayList<>();
        List<Integer> val = new ArrayList<>();
        List<List<Integer>> classes = byClass(data);
        for (int k = 0; k < classes.size(); k++) {
            List<Integer> idx = classes.get(k);
            int nv = heldOut(idx.size(), fraction);
            int[] perm = Rng.of(seed, "validation", k).permutation(idx.size());
            for (int j = 0; j < idx.size(); j++) {
                (j < nv ? val : train).add(idx.get(perm[j]));
            }
        }
        return new TrainVal(data.subset(sorted(train)), data.subset(sorted(val)));
    }

    /**
     * Keeps n_k = ⌈n_max · ρ_k⌉ samples of class k, ρ_k = ratio^(−k/(K−1)) (exponential) or ρ_k = 1/ratio for
     * the second half of the classes (step), as in the long-tailed CIFAR benchmarks.
     */
    public static ImageData imbalance(ImageData data, double ratio, ImbalanceProfile profile, long seed) {
        if (!(ratio >= 1)) {
            throw new UserError("--imbalance must be a ratio >= 1, got " + ratio);
        }
        if (ratio == 1) {
            return data;
        }
        List<List<Integer>> classes = byClass(data);
        int nMax = classes.stream().mapToInt(List::size).max().orElse(0);
        int kk = data.classes();
        List<Integer> keep = new ArrayList<>();
        for (int k = 0; k < kk; k++) {
            double rho = profile == ImbalanceProfile.EXP
                    ? Math.pow(ratio, -(double) k / Math.max(1, kk - 1))
                    : (k < kk / 2 ? 1.0 : 1.0 / ratio);
            List<Integer> idx = classes.get(k);
            int nk = Math.min(idx.size(), Math.max(1, (int) Math.ceil(nMax * rho)));
            int[] perm = Rng.of(seed, "imbalance", k).permutation(idx.size());
            for (int j = 0; j < nk; j++) {
                keep.add(idx.get(perm[j]));
            }
        }
        return data.subset(sorted(keep));
    }

    /** Replaces a fraction of the labels by uniformly random ones (Zhang et al.'s random-label experiment). */
    public static ImageData randomLabels(ImageData data, double fraction, long seed) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new UserError("--random-labels must be a fraction in [0, 1], got " + fraction);
        }
        if (fraction == 0) {
            return data;
        }
        Rng rng = Rng.of(seed, "random-labels", 0);
        int[] labels = data.labels().clone();
        for (int i = 0; i < labels.length; i++) {
            if (rng.nextDouble() < fraction) {
                labels[i] = rng.nextInt(data.classes());
            }
        }
        return data.withLabels(labels);
    }

    private static int[] sorted(List<Integer> idx) {
        int[] a = idx.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(a);
        return a;
    }
}
