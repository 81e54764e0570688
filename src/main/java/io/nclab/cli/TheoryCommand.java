package io.nclab.cli;

import io.nclab.UserError;
import io.nclab.io.Json;
import io.nclab.loss.Loss;
import io.nclab.theory.ContrastiveProperty;
import io.nclab.theory.TheoryOracle;
import io.nclab.theory.TheoryPrediction;
import io.nclab.ufm.UfmProblem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nclab theory}: the closed-form global optimum of a UFM problem. */
@Command(name = "theory", mixinStandardHelpOptions = true,
        description = "The theory's global optimum of a UFM problem (Theorem 1 of the losses paper for CE, focal"
                + " and LS; Theorem 3.1 of the MSE paper for MSE), and the contrastive-property check.")
public final class TheoryCommand implements Callable<Integer> {

    @Mixin
    ProblemOptions problem;

    @Option(names = "--check-contrastive", description = "Also check Definition 1 (contrastive property) for the loss numerically.")
    boolean checkContrastive;

    @Option(names = "--json", description = "Print one JSON object as the last line.")
    boolean json;

    /** Seconds per class of the scalar problem on the 2-core development machine (K = 100,000: 9 s). */
    static final double SECONDS_PER_CLASS = 9e-5;

    /** Seconds per class of --check-contrastive there (K = 10,000: 36 s; K = 30,000: 178 s, busy). */
    static final double CHECK_SECONDS_PER_CLASS = 4e-3;

    @Override
    public Integer call() {
        UfmProblem p = problem.problem();
        // (only where Theorem 1 applies: elsewhere nothing is solved, and the note promised minutes for nothing)
        if (io.nclab.theory.ContrastiveTheory.applies(p)) {
            // the scalar problem evaluates the loss at 4,001 points of K logits each: about 9 s per 100,000 classes here
            LongWork.noteIfLong(p.classes() * SECONDS_PER_CLASS, String.format(java.util.Locale.ROOT, "K = %,d: the scalar problem"
                    + " evaluates the loss at 4,001 points of K logits each", p.classes()));
        }
        if (checkContrastive) {
            LongWork.noteIfLong(p.classes() * CHECK_SECONDS_PER_CLASS, String.format(java.util.Locale.ROOT, "K = %,d:"
                    + " --check-contrastive evaluates 20,000 random logit vectors and a 20,001-point grid, K logits each",
                    p.classes()));
        }
        TheoryPrediction t = TheoryOracle.predict(p);
        Map<String, Object> out = fields(p, t);
        if (checkContrastive) {
            out.put("contrastive_check", contrastive(p.loss(), p.classes()));
        }
        if (json) {
            System.out.println(Json.result(out));
        } else {
            if (t == null) {
                System.out.println("No closed form applies: " + TheoryOracle.whyNot(p) + ".");
            } else {
                System.out.printf("regime       %s%n", t.regime());
                System.out.printf("objective    %.15g%n", t.objective());
                if (Double.isFinite(t.t())) {
                    System.out.printf("t*           %.15g%n", t.t());
                }
                System.out.printf("b*           %s%n", formatList(t.b()));
                System.out.printf("||w_k||      %s%n", Double.isFinite(t.wRowNorm()) ? String.format("%.12g", t.wRowNorm()) : "(rows differ)");
                System.out.printf("||W||_F      %.12g%n", t.wNorm());
                System.out.printf("||H||_F      %.12g%n", t.hNorm());
                if (Double.isFinite(t.wRowNorm())) {
                    System.out.printf("||h_ki||     %.12g  (every feature)%n", t.hNorm() / Math.sqrt(p.samples()));
                }
            }
            if (checkContrastive) {
                printContrastive(out.get("contrastive_check"));
            }
        }
        return 0;
    }

    /** The JSON fields of a prediction (nulls where no theory applies). */
    static Map<String, Object> fields(UfmProblem p, TheoryPrediction t) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("objective", t == null ? null : t.objective());
        out.put("t", t == null ? null : t.t());
        out.put("b", t == null ? null : t.b());
        out.put("w_row_norm", t == null ? null : t.wRowNorm());
        out.put("w_norm", t == null ? null : t.wNorm());
        out.put("h_norm", t == null ? null : t.hNorm());
        out.put("h_feature_norm", t == null || !Double.isFinite(t.wRowNorm()) ? null
                : t.hNorm() / Math.sqrt(p.samples()));
        out.put("regime", t == null ? "none: " + TheoryOracle.whyNot(p) : t.regime());
        return out;
    }

    private static Map<String, Object> contrastive(Loss loss, int classes) {
        if (classes < 2) {
            throw new UserError("--classes must be at least 2");
        }
        ContrastiveProperty.Report r = ContrastiveProperty.check(loss, classes, 20000, 0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("holds", r.holds());
        m.put("lower_bound_holds", r.boundHolds());
        m.put("worst_relative_gap", r.worstGap());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < r.cs().length; i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("c", r.cs()[i]);
            row.put("t_star", r.minimisers()[i]);
            row.put("unique", r.unique()[i]);
            row.put("non_positive", r.nonPositive()[i]);
            rows.add(row);
        }
        m.put("minimisers", rows);
        return m;
    }

    /** The contrastive check as a short table: the verdicts, then t* for each c tried. */
    @SuppressWarnings("unchecked")
    private static void printContrastive(Object check) {
        Map<String, Object> m = (Map<String, Object>) check;
        System.out.printf("contrastive  Definition 1 %s (phi a lower bound: %s; worst relative gap %.3g)%n",
                (Boolean) m.get("holds") ? "holds" : "does NOT hold", (Boolean) m.get("lower_bound_holds") ? "yes" : "NO",
                (Double) m.get("worst_relative_gap"));
        if (!(Boolean) m.get("lower_bound_holds")) {
            // the table's minimisers of phi(t) + c t are Definition 1's second condition, moot once the first fails
            System.out.println("  (phi is not a lower bound of the loss, so Definition 1 fails at its first condition;"
                    + " the minimisers of phi(t) + c t are in --json)");
            return;
        }
        System.out.printf("  %-12s %-16s %-7s %s%n", "c", "t*", "unique", "t* <= 0");
        for (Map<String, Object> row : (List<Map<String, Object>>) m.get("minimisers")) {
            System.out.printf("  %-12.6g %-16.7g %-7s %s%n", (Double) row.get("c"), (Double) row.get("t_star"),
                    row.get("unique"), row.get("non_positive"));
        }
    }

    /** The K entries in full up to {@link #LISTED} of them; beyond, the first few, the last and the range (--json has all). */
    static String formatList(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        int shown = v.length <= LISTED ? v.length : 3;
        for (int i = 0; i < shown; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format("%.8g", v[i]));
        }
        if (shown < v.length) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double x : v) {
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
            sb.append(String.format(", ... , %.8g]  (%,d entries %s; --json lists all)", v[v.length - 1], v.length,
                    lo == hi ? "all equal" : String.format("from %.8g to %.8g", lo, hi)));
            return sb.toString();
        }
        return sb.append(']').toString();
    }

    /** Lists longer than this are summarised in the text report (at K = 100,000 b* was a 1.1 MB line). */
    static final int LISTED = 20;
}
