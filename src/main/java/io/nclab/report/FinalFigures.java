package io.nclab.report;

import io.nclab.experiment.RunFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;

/**
 * The figures drawn from the files a training run's last probe leaves in its directory ({@link RunFiles}):
 * the MSE paper's Figure 4 cosine-margin distributions P_CM (the sorted margins of the training set, one
 * curve per feature dimension d, or per loss when d was not varied), and its Figure 7, the training features
 * of every run with d = 3, coloured by class, with the classifier rows as arrows.
 */
final class FinalFigures {
    private FinalFigures() {}

    /** The settings that hold the feature dimension: a sweep's grid name, a single run's config. */
    private static final List<String> FEATURE_DIM = List.of("feature_dim", "model_feature_dim");
    /** Points at which a sorted distribution is drawn (and averaged over seeds). */
    private static final int QUANTILES = 201;
    /** At most this many samples of a class in the feature picture (the paper shows 100). */
    private static final int PER_CLASS = 150;
    /** At most this many runs in the feature picture (one row each). */
    private static final int MAX_RUNS = 6;
    /** The side of a feature panel (pixels). */
    private static final int SQUARE = 440;
    /** The oblique view: matplotlib's default 3-D camera. */
    private static final double AZIMUTH = Math.toRadians(-60);
    private static final double ELEVATION = Math.toRadians(30);

    static void write(SweepData d, Path out, List<SweepFigures.Figure> figures) {
        margins(d, out, figures);
        features(d, out, figures);
    }

    // ---------------------------------------------------------------- Figure 4: P_CM

    private static void margins(SweepData d, Path out, List<SweepFigures.Figure> figures) {
        Map<String, double[]> curves = new LinkedHashMap<>();
        for (SweepData.Run r : d.runs()) {
            Path f = r.dir() == null ? null : r.dir().resolve(RunFiles.MARGINS);
            if (f != null && Files.isRegularFile(f)) {
                double[] m = RunFiles.readMargins(f);
                if (m.length > 0) {
                    curves.put(r.id(), quantiles(m));
                }
            }
        }
        if (curves.isEmpty()) {
            return;
        }
        String axis = FEATURE_DIM.stream().filter(d.varied()::contains).findFirst().orElse(null);
        Map<String, Object> head = new LinkedHashMap<>(d.headline());
        if (axis != null) {
            head.remove(axis);
        }
        List<Object> values = axis == null ? java.util.Collections.singletonList(null) : d.values(axis);
        List<JFreeChart> charts = new ArrayList<>();
        List<Charts.Band> perLoss = new ArrayList<>();
        for (String loss : d.losses()) {
            List<Charts.Band> bands = new ArrayList<>();
            for (Object v : values) {
                Map<String, Object> fixed = new LinkedHashMap<>(head);
                if (axis != null) {
                    fixed.put(axis, v);
                }
                List<double[]> runs = d.select(loss, fixed).stream().map(r -> curves.get(r.id()))
                        .filter(c -> c != null).toList();
                if (!runs.isEmpty()) {
                    bands.add(band(axis == null ? SweepFigures.label(loss) : "d = " + SweepFigures.format(v), runs));
                }
            }
            if (axis == null) {
                perLoss.addAll(bands);
            } else if (!bands.isEmpty()) {
                charts.add(marginChart("Cosine margins P_CM, " + SweepFigures.label(loss), bands));
            }
        }
        if (axis == null) {
            charts.add(marginChart("Cosine margins P_CM at the end of training", perLoss));
        }
        String at = head.isEmpty() ? "" : " (" + SweepFigures.describe(head) + ")";
        String per = axis == null ? "one line per loss" : "one line per feature dimension d, one panel per loss";
        figures.add(SweepFigures.save(out, "cosine-margins", (axis == null ? "Cosine-margin distribution of the"
                + " training set" : "Cosine-margin distribution per feature dimension d") + at,
                "The MSE paper's Figure 4 (P_CM): each training sample's cosine margin CM = cos∠(h − h_G, w_y − w_G) −"
                        + " max over other classes j of cos∠(h − h_G, w_j − w_G) at the last probe, sorted ascending,"
                        + " against the fraction of samples at or below it; " + per + SweepFigures.seedsNote(d)
                        + ". Samples at CM ≤ 0 (below the dashed line) lie on or across the decision boundary: the"
                        + " paper finds more of them as d falls below K − 1 with the MSE loss.", charts, 2));
    }

    /** The sorted values at {@link #QUANTILES} evenly spaced fractions of the samples, linear in between. */
    static double[] quantiles(double[] sorted) {
        double[] q = new double[QUANTILES];
        for (int j = 0; j < QUANTILES; j++) {
            double pos = j * (sorted.length - 1) / (double) (QUANTILES - 1);
            int i = Math.min((int) Math.floor(pos), Math.max(sorted.length - 2, 0));
            double f = sorted.length == 1 ? 0 : pos - i;
            q[j] = sorted.length == 1 ? sorted[0] : sorted[i] + f * (sorted[i + 1] - sorted[i]);
        }
        return q;
    }

    /** The mean quantile curve over runs (seeds) with their range as the band. */
    private static Charts.Band band(String name, List<double[]> runs) {
        double[] x = new double[QUANTILES];
        double[] mid = new double[QUANTILES];
        double[] lo = new double[QUANTILES];
        double[] hi = new double[QUANTILES];
        for (int j = 0; j < QUANTILES; j++) {
            x[j] = j / (double) (QUANTILES - 1);
            lo[j] = Double.POSITIVE_INFINITY;
            hi[j] = Double.NEGATIVE_INFINITY;
            for (double[] r : runs) {
                mid[j] += r[j] / runs.size();
                lo[j] = Math.min(lo[j], r[j]);
                hi[j] = Math.max(hi[j], r[j]);
            }
        }
        return new Charts.Band(name, x, mid, lo, hi);
    }

    private static JFreeChart marginChart(String title, List<Charts.Band> bands) {
        JFreeChart c = Charts.bandChart(title, "fraction of training samples (sorted by margin)", "cosine margin CM",
                bands);
        return Charts.horizontalMarker(c, 0, "CM = 0 (decision boundary)");
    }

    // ---------------------------------------------------------------- Figure 7: features at d = 3

    private static void features(SweepData d, Path out, List<SweepFigures.Figure> figures) {
        long firstSeed = d.runs().stream().mapToLong(SweepData.Run::seed).min().orElse(0);
        List<JFreeChart> charts = new ArrayList<>();
        int shown = 0;
        int found = 0;
        for (SweepData.Run r : d.runs()) {
            Path f = r.dir() == null ? null : r.dir().resolve(RunFiles.FEATURES);
            if (f == null || !Files.isRegularFile(f) || !Files.isRegularFile(r.dir().resolve(RunFiles.LABELS))) {
                continue;
            }
            found++;
            if (r.seed() != firstSeed || shown == MAX_RUNS) {
                continue;
            }
            RunFiles.Matrix h = RunFiles.read(f);
            if (h.columns() != 3) {
                continue;
            }
            Path w = r.dir().resolve(RunFiles.WEIGHTS);
            charts.addAll(featureRow(d, r, h, RunFiles.read(r.dir().resolve(RunFiles.LABELS)),
                    Files.isRegularFile(w) ? RunFiles.read(w) : null));
            shown++;
        }
        if (charts.isEmpty()) {
            return;
        }
        String which = shown < found ? " (" + shown + " of " + found + " runs: seed " + firstSeed + ")" : "";
        // square panels: equal spans on both axes then give equal scales, so angles read true
        List<Path> files = Charts.savePanels(out.resolve("features-d3"), charts, 4, SQUARE, SQUARE);
        figures.add(new SweepFigures.Figure("features-d3", "Training features at feature dimension d = 3" + which,
                "The MSE paper's Figure 7: the training features h ∈ R³ at the last probe (at most " + PER_CLASS
                        + " per class), coloured by class, with the classifier rows w_k as arrows in the class's colour"
                        + " (scaled together to the features' extent), seen obliquely (left; grey arrows: the axes"
                        + " h₁, h₂, h₃) and on the three coordinate planes.", files.get(0), files.get(1)));
    }

    /** One run's row: the oblique 3-D view and the three coordinate planes. */
    private static List<JFreeChart> featureRow(SweepData d, SweepData.Run r, RunFiles.Matrix h, RunFiles.Matrix y,
            RunFiles.Matrix w) {
        int classes = 0;
        for (double v : y.values()) {
            classes = Math.max(classes, (int) v + 1);
        }
        if (w != null) {
            classes = Math.max(classes, w.rows());
        }
        List<List<Integer>> members = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            members.add(new ArrayList<>());
        }
        for (int i = 0; i < h.rows(); i++) {
            members.get((int) y.values()[i]).add(i);
        }
        double reach = 0;
        for (int i = 0; i < h.rows(); i++) {
            reach = Math.max(reach, Math.sqrt(sq(h.get(i, 0)) + sq(h.get(i, 1)) + sq(h.get(i, 2))));
        }
        double wMax = 0;
        for (int k = 0; w != null && k < w.rows(); k++) {
            wMax = Math.max(wMax, Math.sqrt(sq(w.get(k, 0)) + sq(w.get(k, 1)) + sq(w.get(k, 2))));
        }
        double wScale = wMax > 0 ? 0.9 * reach / wMax : 0;

        String name = SweepFigures.label(r.loss());
        Map<String, Object> own = new LinkedHashMap<>();
        d.varied().forEach(k -> own.put(k, r.settings().get(k)));
        if (!own.isEmpty()) {
            name += ", " + SweepFigures.describe(own);
        }
        List<JFreeChart> row = new ArrayList<>();
        // axis index -1: the oblique view; else the plane of axes (a, b)
        int[][] views = {{-1, -1}, {0, 1}, {0, 2}, {1, 2}};
        for (int[] v : views) {
            boolean oblique = v[0] < 0;
            List<Charts.Series> series = new ArrayList<>();
            for (int k = 0; k < classes; k++) {
                List<Integer> idx = members.get(k);
                int step = Math.max(1, (int) Math.ceil(idx.size() / (double) PER_CLASS));
                int n = (idx.size() + step - 1) / step;
                double[] px = new double[n];
                double[] py = new double[n];
                for (int j = 0; j < n; j++) {
                    int i = idx.get(j * step);
                    double[] p = view(v, h.get(i, 0), h.get(i, 1), h.get(i, 2));
                    px[j] = p[0];
                    py[j] = p[1];
                }
                series.add(Charts.Series.points("class " + k, px, py));
            }
            String title = oblique ? name : "plane (h" + sub(v[0] + 1) + ", h" + sub(v[1] + 1) + ")";
            JFreeChart c = Charts.lineChart(title, oblique ? "oblique view (azimuth −60°, elevation 30°)"
                    : "h" + sub(v[0] + 1), oblique ? "" : "h" + sub(v[1] + 1), series);
            List<double[]> extent = new ArrayList<>();
            series.forEach(s -> {
                for (int j = 0; j < s.x().length; j++) {
                    extent.add(new double[] {s.x()[j], s.y()[j]});
                }
            });
            extent.add(new double[] {0, 0});
            if (oblique) {
                for (int a = 0; a < 3; a++) {
                    double[] tip = view(v, a == 0 ? reach : 0, a == 1 ? reach : 0, a == 2 ? reach : 0);
                    Charts.arrow(c, 0, 0, tip[0], tip[1], -1, "h" + sub(a + 1));
                    extent.add(tip);
                }
                XYPlot plot = c.getXYPlot();
                plot.getDomainAxis().setTickLabelsVisible(false);
                plot.getRangeAxis().setTickLabelsVisible(false);
                plot.setDomainGridlinesVisible(false);
                plot.setRangeGridlinesVisible(false);
            } else {
                c.removeLegend();
            }
            double[][] tips = new double[w == null ? 0 : w.rows()][];
            for (int k = 0; k < tips.length; k++) {
                tips[k] = view(v, wScale * w.get(k, 0), wScale * w.get(k, 1), wScale * w.get(k, 2));
                extent.add(tips[k]);
            }
            equalScale(c, extent);
            String[] labels = arrowLabels(tips, c.getXYPlot().getDomainAxis().getRange().getLength());
            for (int k = 0; k < tips.length; k++) {
                Charts.arrow(c, 0, 0, tips[k][0], tips[k][1], k, labels[k]);
            }
            row.add(c);
        }
        return row;
    }

    /**
     * The labels of the classifier rows' arrows in one view (whose axes span {@code span}), so that they do not print
     * over each other: an arrow shorter than a sixth of the longest (a row nearly perpendicular to the plane) goes
     * unlabelled, as its label would sit on the origin among the others; a label that would overlap one already
     * placed (a label is about 9% of the span wide and 5% high, running outwards from its tip) joins it instead
     * ("w₃ w₅", at the first arrow's tip).
     */
    static String[] arrowLabels(double[][] tips, double span) {
        double longest = 0;
        for (double[] t : tips) {
            longest = Math.max(longest, Math.hypot(t[0], t[1]));
        }
        String[] labels = new String[tips.length];
        List<Integer> placed = new ArrayList<>();
        for (int k = 0; k < tips.length; k++) {
            if (!(Math.hypot(tips[k][0], tips[k][1]) >= longest / 6)) {
                continue;
            }
            int joins = -1;
            for (int j : placed) {
                if (Math.abs(tips[j][0] - tips[k][0]) < 0.09 * span && Math.abs(tips[j][1] - tips[k][1]) < 0.05 * span) {
                    joins = j;
                    break;
                }
            }
            if (joins >= 0) {
                labels[joins] += " w" + sub(k);
            } else {
                labels[k] = "w" + sub(k);
                placed.add(k);
            }
        }
        return labels;
    }

    /** A point of R³ in a view: the oblique projection, or its two coordinates on a plane. */
    private static double[] view(int[] v, double x, double y, double z) {
        if (v[0] >= 0) {
            double[] p = {x, y, z};
            return new double[] {p[v[0]], p[v[1]]};
        }
        double u = -Math.sin(AZIMUTH) * x + Math.cos(AZIMUTH) * y;
        double t = -Math.sin(ELEVATION) * Math.cos(AZIMUTH) * x - Math.sin(ELEVATION) * Math.sin(AZIMUTH) * y
                + Math.cos(ELEVATION) * z;
        return new double[] {u, t};
    }

    /** Both axes over equal spans around the points (with a margin), so that angles and lengths read true. */
    private static void equalScale(JFreeChart c, List<double[]> points) {
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (double[] p : points) {
            if (Double.isFinite(p[0]) && Double.isFinite(p[1])) {
                x0 = Math.min(x0, p[0]);
                x1 = Math.max(x1, p[0]);
                y0 = Math.min(y0, p[1]);
                y1 = Math.max(y1, p[1]);
            }
        }
        double span = Math.max(Math.max(x1 - x0, y1 - y0), 1e-12) * 1.3; // room for the arrows' labels
        double cx = (x0 + x1) / 2;
        double cy = (y0 + y1) / 2;
        c.getXYPlot().getDomainAxis().setRange(cx - span / 2, cx + span / 2);
        c.getXYPlot().getRangeAxis().setRange(cy - span / 2, cy + span / 2);
    }

    private static double sq(double v) {
        return v * v;
    }

    /** A number in subscript digits: 12 → ₁₂. */
    private static String sub(int n) {
        StringBuilder s = new StringBuilder();
        for (char ch : Integer.toString(n).toCharArray()) {
            s.append((char) ('₀' + ch - '0'));
        }
        return s.toString();
    }
}
