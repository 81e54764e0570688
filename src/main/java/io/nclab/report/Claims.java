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
            double acc = SweepData.stats(d.select(loss, head), "final_train_accuracy")[0];
            holds &= last * NC1_DROP <= first && acc >= TERMINAL_ACCURACY;
            terminal |= acc >= TERMINAL_ACCURACY;
            parts.add(String.format(Locale.ROOT, "%s NC1 %.3g -> %.3g (x%.2g smaller), train acc %.1f%%",
                    SweepFigures.label(loss), first, last, first / last, 100 * acc));
        }
        // The claim is about the terminal phase: where no loss reached it, the runs were too short to test it.
        String evidence = (terminal ? "" : "no loss reached " + (int) (100 * TERMINAL_ACCURACY) + "% training accuracy,"
                + " the terminal phase the claim is about: train longer to test it; ") + String.join("; ", parts);
        return new Claim("Every loss collapses: training accuracy reaches " + (int) (100 * TERMINAL_ACCURACY)
                + "% and NC1 falls at least " + (int) NC1_DROP + "x from the first probe after epoch 0 to the last"
                + (head.isEmpty() ? "" : " (" + SweepFigures.describe(head) + ")"), holds, evidence, terminal);
    }

    /** Claim 2: the spread of mean test accuracy over losses, smallest and largest configuration. */
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
        double[] lo = spread(d, small);
        double[] hi = spread(d, large);
        boolean holds = hi[0] < lo[0];
        String evidence = String.format(Locale.ROOT, "max - min over losses of mean test accuracy: %.2f points at %s"
                + " (%.2f%% to %.2f%%) vs %.2f points at %s (%.2f%% to %.2f%%)", 100 * hi[0], SweepFigures.describe(large),
                100 * hi[1], 100 * hi[2], 100 * lo[0], SweepFigures.describe(small), 100 * lo[1], 100 * lo[2]);
        return new Claim("Test accuracies of the losses agree more closely for wider, longer-trained networks",
                holds, evidence);
    }

    private static double[] spread(SweepData d, Map<String, Object> at) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (String loss : d.losses()) {
            double m = SweepData.stats(d.select(loss, at), "test_accuracy")[0];
            if (Double.isFinite(m)) {
                lo = Math.min(lo, m);
                hi = Math.max(hi, m);
            }
        }
        return new double[] {hi - lo, lo, hi};
    }
}
