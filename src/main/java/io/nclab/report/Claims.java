package io.nclab.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The losses paper's two claims, tested on a sweep's numbers: (1) every loss of the family collapses
 * (Section 4.1; for the UFM: every loss reaches the theory's global optimum, where NC holds exactly); (2) the
 * test accuracies of the losses agree more closely for wider networks trained longer (Section 4.2).
 */
public final class Claims {
    private Claims() {}

    /**
     * A claim, whether this sweep bears it out, and the numbers that say so; {@code tested} is false where the
     * sweep never reached the regime the claim is about (then {@code holds} means nothing).
     */
    public record Claim(String statement, boolean holds, String evidence, boolean tested) {
        public Claim(String statement, boolean holds, String evidence) {
            this(statement, holds, evidence, true);
        }

        public String line() {
            return (!tested ? "UNTESTED  " : holds ? "HOLDS  " : "FAILS  ") + statement + ": " + evidence;
        }
    }

    /** UFM: the largest relative gap and NC1 at which a solve counts as at the optimum and collapsed. */
    public static final double UFM_GAP = 1e-6;
    public static final double UFM_NC1 = 1e-4;
    /**
     * Training: the factor by which NC1 must fall from the first probe after epoch 0 to the last for every loss, and the
     * training accuracy it must end at (the terminal phase). A few epochs on a CPU reach the terminal phase
     * but only the start of collapse, so the bar is a clear fall, not the papers' orders of magnitude.
     */
    public static final double NC1_DROP = 2;
    public static final double TERMINAL_ACCURACY = 0.99;

    public static List<Claim> of(SweepData d) {
        List<Claim> out = new ArrayList<>();
        if (d.runs().isEmpty()) {
            return out;
        }
        if (d.isUfm()) {
            out.add(ufmCollapse(d));
        } else {
            Claim c = trainCollapse(d);
            if (c != null) {
                out.add(c);
            }
            Claim a = agreement(d);
            if (a != null) {
                out.add(a);
            }
        }
        return out;
    }

    /**
     * The UFM claim over the runs the theory speaks for: the largest |relative gap| over runs with a prediction
     * (none for, e.g., CE with d &lt; K − 1 or imbalanced classes), and the largest NC1 over runs whose optimum
     * has features (none where the minimiser is W = H = 0, whose NC1 is undefined). A solve that stopped at its
     * iteration budget short of the optimum is not a counterexample (more iterations would decide it): it is left
     * out and named. Runs left out are counted.
     */
    /** The stop reason of a solve that ran out of iterations (the optimisers' word for it). */
    static final String ITERATION_BUDGET = "iteration budget";

    private static Claim ufmCollapse(SweepData d) {
        boolean holds = true;
        boolean tested = false;
        List<String> parts = new ArrayList<>();
        for (String loss : d.losses()) {
            List<SweepData.Run> runs = d.select(loss, Map.of());
            double gap = Double.NaN;
            double nc1 = Double.NaN;
            int predicted = 0;
            int collapsed = 0;
            List<String> unconverged = new ArrayList<>();
            for (SweepData.Run r : runs) {
                double g = r.result("relative_gap");
                if (!Double.isFinite(g)) {
                    continue; // the claim is about the theory's optimum: a run without one says nothing
                }
                double c0 = r.result("nc1");
                if (ITERATION_BUDGET.equals(r.results().get("stop_reason"))
                        && (Math.abs(g) > UFM_GAP || (Double.isFinite(c0) && c0 > UFM_NC1))) {
                    // a solve cut short by its budget, not at the optimum: it says nothing about the theory
                    unconverged.add(r.id());
                    continue;
                }
                predicted++;
                gap = Double.isNaN(gap) || Math.abs(g) > Math.abs(gap) ? g : gap;
                double c = r.result("nc1");
                if (Double.isFinite(c)) {
                    collapsed++;
                    nc1 = Double.isNaN(nc1) ? c : Math.max(nc1, c);
                }
            }
            StringBuilder part = new StringBuilder(SweepFigures.label(loss));
            String cut = unconverged.isEmpty() ? "" : unconverged.size() + " stopped at the iteration budget short of"
                    + " the optimum, left out (" + String.join(", ", unconverged.subList(0, Math.min(3,
                    unconverged.size()))) + (unconverged.size() > 3 ? ", ..." : "") + "; more --iters)";
            if (predicted == 0) {
                part.append(unconverged.isEmpty() ? " no theory prediction (" + runs.size()
                        + (runs.size() == 1 ? " run)" : " runs)") : " not judged: " + cut);
            } else {
                tested = true;
                holds &= Math.abs(gap) <= UFM_GAP && (collapsed == 0 || nc1 <= UFM_NC1);
                part.append(String.format(Locale.ROOT, " gap %.1e", gap));
                part.append(collapsed == 0 ? ", NC1 undefined (minimiser W = H = 0)"
                        : String.format(Locale.ROOT, ", NC1 %.1e", nc1));
                List<String> left = new ArrayList<>();
                int without = runs.size() - predicted - unconverged.size();
                if (without > 0) {
                    left.add(without + " without a prediction");
                }
                if (collapsed > 0 && collapsed < predicted) {
                    left.add((predicted - collapsed) + " at W = H = 0 (NC1 undefined)");
                }
                if (!unconverged.isEmpty()) {
                    left.add(cut);
                }
                if (!left.isEmpty()) {
                    part.append(" (of ").append(runs.size()).append(" runs: ").append(String.join(", ", left))
                            .append(")");
                }
            }
            parts.add(part.toString());
        }
        return new Claim("UFM: every loss reaches the theory's optimum and collapses (|relative gap| <= "
                + String.format(Locale.ROOT, "%.0e", UFM_GAP) + ", NC1 <= " + String.format(Locale.ROOT, "%.0e", UFM_NC1)
                + ", worst over the runs the theory predicts)", holds, String.join("; ", parts), tested);
    }

    private static Claim trainCollapse(SweepData d) {
        if (!d.hasProbe("nc1")) {
            return null;
        }
        Map<String, Object> head = d.headline();
        boolean holds = true;
        boolean terminal = false;
        List<String> parts = new ArrayList<>();
        for (String loss : d.losses()) {
            Charts.Band b = SweepData.band("", d.select(loss, head), "nc1", 1);
            double first = Double.NaN;
            double last = Double.NaN;
            for (int i = 0; i < b.mid().length; i++) {
                // From the first probe of a trained network: the untrained one (epoch 0) would make any
                // first epoch look like collapse.
                if (b.x()[i] >= 1 && Double.isFinite(b.mid()[i])) {
                    last = b.mid()[i];
                    if (Double.isNaN(first)) {
                        first = b.mid()[i];
                    }
                }
            }
            double acc = trainAccuracy(d, loss, head);
            holds &= last * NC1_DROP <= first && terminal(acc);
            terminal |= terminal(acc);
            parts.add(String.format(Locale.ROOT, "%s NC1 %.3g -> %.3g (x%.2g smaller), train acc %.1f%%",
                    SweepFigures.label(loss), first, last, first / last, 100 * acc));
        }
        // The claim is about the terminal phase: where no loss reached it, the runs were too short to test it.
        String evidence = (terminal ? "" : "no loss reached" + notTerminal("") + "; ") + String.join("; ", parts);
        return new Claim("Every loss collapses: training accuracy reaches " + (int) (100 * TERMINAL_ACCURACY)
                + "% and NC1 falls at least " + (int) NC1_DROP + "x from the first probe after epoch 0 to the last"
                + (head.isEmpty() ? "" : " (" + SweepFigures.describe(head) + ")"), holds, evidence, terminal);
    }

    /**
     * The terminal phase, which both training claims are about: the runs of a loss at a configuration end, on
     * average over seeds, at {@link #TERMINAL_ACCURACY} training accuracy or more (at their last probe).
     */
    private static double trainAccuracy(SweepData d, String loss, Map<String, Object> at) {
        return SweepData.stats(d.select(loss, at), "final_train_accuracy")[0];
    }

    private static boolean terminal(double trainAccuracy) {
        return trainAccuracy >= TERMINAL_ACCURACY;
    }

    /** Why a claim was not tested where runs are short of the terminal phase, after "no loss reached". */
    private static String notTerminal(String where) {
        return " " + (int) (100 * TERMINAL_ACCURACY) + "% training accuracy" + where + ", the terminal phase the claim"
                + " is about: train longer to test it";
    }

    /**
     * Claim 2: the spread (max − min) over losses of the mean test accuracy, at the smallest and at the largest
     * width and epochs. It is tested only where every loss is in the terminal phase at the largest (the paper's
     * claim is about networks trained into it), and judged only where the two spreads differ by more than one
     * standard error of that difference: a smaller difference is the sweep's noise, evidence neither way. The
     * error of a mean test accuracy p over s seeds on n test images is √(p(1 − p)/n + sd²/s): the binomial
     * error of measuring it on n images (the same images for every seed, so it does not shrink with s) and
     * the spread over seeds (none with one seed). A spread's variance is that of its two accuracies, the
     * difference's that of its two spreads.
     */
    private static Claim agreement(SweepData d) {
        if (d.losses().size() < 2 || !d.hasResult("test_accuracy")) {
            return null;
        }
        List<String> axes = new ArrayList<>();
        for (String k : new String[] {"width", "epochs"}) {
            if (d.varied().contains(k)) {
                axes.add(k);
            }
        }
        if (axes.isEmpty()) {
            return null;
        }
        Map<String, Object> small = new LinkedHashMap<>(d.headline());
        Map<String, Object> large = new LinkedHashMap<>(d.headline());
        for (String k : axes) {
            small.put(k, d.values(k).get(0));
        }
        String statement = "Test accuracies of the losses agree more closely for wider, longer-trained networks"
                + " (judged in the terminal phase, on a difference beyond one standard error)";
        Spread atSmall = spread(d, small);
        Spread atLarge = spread(d, large);
        if (atSmall == null || atLarge == null) {
            return new Claim(statement, false, "fewer than two losses have a test accuracy at "
                    + SweepFigures.describe(atSmall == null ? small : large), false);
        }
        String evidence = String.format(Locale.ROOT, "max - min over losses of mean test accuracy: %.2f points at %s"
                + " (%.2f%% to %.2f%%) vs %.2f points at %s (%.2f%% to %.2f%%)",
                100 * atLarge.width(), SweepFigures.describe(large), 100 * atLarge.min().mean(),
                100 * atLarge.max().mean(), 100 * atSmall.width(), SweepFigures.describe(small),
                100 * atSmall.min().mean(), 100 * atSmall.max().mean());
        List<String> shortOf = new ArrayList<>();
        for (String loss : d.losses()) {
            double acc = trainAccuracy(d, loss, large);
            if (!terminal(acc)) {
                shortOf.add(String.format(Locale.ROOT, "%s %.1f%%", SweepFigures.label(loss), 100 * acc));
            }
        }
        if (!shortOf.isEmpty()) {
            return new Claim(statement, false, (shortOf.size() == d.losses().size() ? "no loss" : "not every loss")
                    + " reached" + notTerminal(" at " + SweepFigures.describe(large) + " (" + String.join(", ", shortOf)
                    + ")") + "; " + evidence, false);
        }
        double se = Math.sqrt(atLarge.variance() + atSmall.variance());
        double diff = atSmall.width() - atLarge.width();
        List<Cell> cells = List.of(atSmall.min(), atSmall.max(), atLarge.min(), atLarge.max());
        if (!Double.isFinite(se)) {
            return new Claim(statement, false, evidence + "; with one seed and no test-set size (data.json in the run"
                    + " directories) the noise of the difference is unknown: more seeds to test it", false);
        }
        String noise = String.format(Locale.ROOT, "one standard error of the difference %.2f points, from %s",
                100 * se, Cell.sources(cells));
        if (Math.abs(diff) <= se) {
            return new Claim(statement, false, evidence + String.format(Locale.ROOT, "; the difference, %.2f points,"
                    + " is within the noise (%s): more seeds or a larger test set to test it", 100 * Math.abs(diff),
                    noise), false);
        }
        return new Claim(statement, diff > 0, evidence + String.format(Locale.ROOT, "; the difference, %.2f points,"
                + " is beyond the noise (%s)", 100 * Math.abs(diff), noise));
    }

    /**
     * A loss's mean test accuracy at a configuration over its runs (seeds), with the variance of that mean
     * (NaN where it cannot be told: one seed and no test-set size); {@code testImages} 0 where unknown.
     */
    private record Cell(double mean, double variance, int seeds, int testImages) {
        static Cell of(List<SweepData.Run> runs) {
            double[] s = SweepData.stats(runs, "test_accuracy");
            double p = s[0];
            int seeds = (int) s[4];
            // the smallest test set of the runs: the largest binomial error
            int n = runs.stream().mapToInt(SweepData.Run::testSetSize).filter(k -> k > 0).min().orElse(0);
            double binomial = n > 0 ? p * (1 - p) / n : seeds > 1 ? 0 : Double.NaN;
            double seed = seeds > 1 ? s[3] * s[3] / seeds : 0;
            return new Cell(p, binomial + seed, seeds, n);
        }

        /** Where the errors of these cells come from, in words. */
        static String sources(List<Cell> cells) {
            java.util.TreeSet<Integer> sizes = new java.util.TreeSet<>();
            int seeds = 0;
            for (Cell c : cells) {
                if (c.testImages() > 0) {
                    sizes.add(c.testImages());
                }
                seeds = Math.max(seeds, c.seeds());
            }
            String binomial = sizes.isEmpty() ? "" : "each accuracy's binomial error on " + (sizes.size() == 1
                    ? sizes.first() : sizes.first() + "-" + sizes.last()) + " test images";
            String spread = seeds > 1 ? (binomial.isEmpty() ? "each accuracy's" : "its") + " spread over " + seeds
                    + " seeds" + (sizes.isEmpty() ? " (test-set size unknown)" : "") : "";
            return binomial + (!binomial.isEmpty() && !spread.isEmpty() ? " and " : "") + spread;
        }
    }

    /** The losses with the smallest and largest mean test accuracy at a configuration. */
    private record Spread(Cell min, Cell max) {
        double width() {
            return max.mean() - min.mean();
        }

        double variance() {
            return min.variance() + max.variance();
        }
    }

    /** The spread of mean test accuracy over losses at {@code at}; null with fewer than two losses there. */
    private static Spread spread(SweepData d, Map<String, Object> at) {
        Cell lo = null;
        Cell hi = null;
        int losses = 0;
        for (String loss : d.losses()) {
            Cell c = Cell.of(d.select(loss, at));
            if (Double.isFinite(c.mean())) {
                losses++;
                lo = lo == null || c.mean() < lo.mean() ? c : lo;
                hi = hi == null || c.mean() > hi.mean() ? c : hi;
            }
        }
        return losses < 2 ? null : new Spread(lo, hi);
    }
}
