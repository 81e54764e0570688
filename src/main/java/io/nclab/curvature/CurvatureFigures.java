package io.nclab.curvature;

import io.nclab.io.Csv;
import io.nclab.loss.Loss;
import io.nclab.report.Charts;
import io.nclab.theory.ContrastiveProperty;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.awt.Font;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;

/** The curvature issue's figures: loss convexity against p_k, and the contrastive lower bound φ. */
public final class CurvatureFigures {
    private CurvatureFigures() {}

    /** The files {@code figure} ("convexity" or "contrastive-bound") writes under {@code dir}: .png, .svg, .csv. */
    public static List<Path> files(Path dir, String figure) {
        return List.of(dir.resolve(figure + ".png"), dir.resolve(figure + ".svg"), dir.resolve(figure + ".csv"));
    }

    /** {@code convexity.png/.svg/.csv}: the smallest eigenvalue of ∇²_z L against p_k, one series per loss. */
    public static List<Path> convexity(Path dir, List<LossConvexity.Report> reports) {
        if (reports.isEmpty()) {
            throw new IllegalArgumentException("the convexity figure needs at least one loss");
        }
        List<Charts.Series> series = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        for (int l = 0; l < reports.size(); l++) {
            LossConvexity.Report r = reports.get(l);
            String name = io.nclab.loss.LossSpec.label(r.loss()) + (Double.isNaN(r.threshold()) ? " (PSD everywhere"
                    : String.format(" (not PSD up to p_k = %.4f", r.threshold())) + hiddenUnder(reports, l) + ")";
            series.add(Charts.Series.points(name, r.pk(), r.eigenvalues()));
            for (int i = 0; i < r.pk().length; i++) {
                rows.add(List.of(r.loss(), Integer.toString(r.classes()), Csv.num(r.pk()[i]),
                        Csv.num(r.eigenvalues()[i])));
            }
        }
        int k = reports.get(0).classes();
        // ~2 × 2-pixel cells of the ~800 × 430-pixel plot
        List<Charts.Series> drawn = Charts.thinPoints(series, true, 400, 215);
        JFreeChart chart = Charts.lineChart("Convexity in logit space, K = " + k
                + ": smallest eigenvalue of the Hessian of L(z, y_k)", "p_k = softmax(z)_k  (log scale)", "λ_min(∇²_z L)", drawn);
        caption(chart, series, drawn, "convexity.csv");
        Charts.logX(chart);
        // the losses paper's region of convexity for focal loss (its appendix); the other losses have no such bound
        if (reports.stream().anyMatch(r -> r.loss().startsWith("focal"))) {
            Charts.verticalMarker(chart, 0.21, "p_k = 0.21, the losses paper's bound above which focal loss"
                    + " is convex");
        }
        List<Path> written = new ArrayList<>(Charts.save(dir.resolve("convexity"), chart, 900, 560));
        Path csv = dir.resolve("convexity.csv");
        Csv.write(csv, List.of("loss", "classes", "p_k", "min_eigenvalue"), rows);
        written.add(csv);
        return written;
    }

    /**
     * CE and LS have the same logit-space Hessian, diag(p) − ppᵀ (LS only moves the target), and the same
     * sampled logits, so the series drawn first lies exactly under the later one: its legend says so.
     */
    private static String hiddenUnder(List<LossConvexity.Report> reports, int i) {
        String mine = io.nclab.loss.LossSpec.parse(reports.get(i).loss()).name();
        if (!mine.equals("ce") && !mine.equals("ls")) {
            return "";
        }
        for (int j = reports.size() - 1; j > i; j--) {
            String later = io.nclab.loss.LossSpec.parse(reports.get(j).loss()).name();
            if (later.equals("ce") || later.equals("ls")) {
                return "; drawn under " + io.nclab.loss.LossSpec.label(reports.get(j).loss())
                        + ", the same Hessian diag(p) − ppᵀ";
            }
        }
        return "";
    }

    /** A line below the chart saying how many of the sampled points are drawn (the rest overlap them). */
    private static void caption(JFreeChart chart, List<Charts.Series> all, List<Charts.Series> drawn, String csv) {
        int total = 0;
        int kept = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).points()) {
                total += all.get(i).x().length;
                kept += drawn.get(i).x().length;
            }
        }
        if (kept < total) {
            TextTitle t = new TextTitle(String.format("%,d of %,d sampled points drawn, one per 2 × 2-pixel cell per"
                    + " series (the rest lie under them); %s has all", kept, total, csv),
                    new Font(Font.SANS_SERIF, Font.ITALIC, 11));
            t.setPosition(RectangleEdge.BOTTOM);
            chart.addSubtitle(t);
        }
    }

    /**
     * {@code contrastive-bound.png/.svg/.csv}: for each loss, L(z, y_k) at random logits against
     * t = Σ_{j≠k}(z_j − z_k), with the lower bound φ(t) of Definition 1 (the losses paper's (9)).
     */
    public static List<Path> contrastiveBound(Path dir, int classes, List<Loss> losses, int samples, long seed) {
        if (losses.isEmpty()) {
            throw new IllegalArgumentException("the contrastive-bound figure needs at least one loss");
        }
        List<JFreeChart> panels = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        for (Loss loss : losses) {
            SplittableRandom rnd = new SplittableRandom(seed);
            double[][] z = new double[samples][classes];
            double[] t = new double[samples];
            for (int i = 0; i < samples; i++) {
                double scale = Math.pow(10, rnd.nextDouble(-0.5, 0.9));
                for (int j = 0; j < classes; j++) {
                    z[i][j] = scale * rnd.nextGaussian();
                }
                for (int j = 1; j < classes; j++) {
                    t[i] += z[i][j] - z[i][0];
                }
            }
            double[] values = LossConvexity.values(loss, z);
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double x : t) {
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
            double[] curveT = new double[301];
            for (int i = 0; i < curveT.length; i++) {
                curveT[i] = lo + (hi - lo) * i / (curveT.length - 1);
            }
            double[] phi = ContrastiveProperty.phi(loss, classes, curveT);
            List<Charts.Series> series = List.of(Charts.Series.points("L(z, y_k) at random logits z", t, values),
                    Charts.Series.line("φ(t), the lower bound (9)", curveT, phi));
            // ~2 × 2-pixel cells of a ~430 × 300-pixel panel
            List<Charts.Series> drawn = Charts.thinPoints(series, false, 215, 150);
            JFreeChart panel = Charts.lineChart(io.nclab.loss.LossSpec.label(loss) + ", K = " + classes,
                    "t = Σ_{j≠k} (z_j − z_k)", "loss", drawn);
            caption(panel, series, drawn, "the CSV");
            panels.add(panel);
            double[] phiAt = ContrastiveProperty.phi(loss, classes, t);
            for (int i = 0; i < samples; i++) {
                rows.add(List.of(loss.spec(), Integer.toString(classes), Csv.num(t[i]), Csv.num(values[i]),
                        Csv.num(phiAt[i])));
            }
        }
        List<Path> written = new ArrayList<>(Charts.savePanels(dir.resolve("contrastive-bound"), panels,
                Math.min(3, panels.size()), 520, 430));
        Path csv = dir.resolve("contrastive-bound.csv");
        Csv.write(csv, List.of("loss", "classes", "t", "loss_value", "phi"), rows);
        written.add(csv);
        return written;
    }
}
