package io.nclab.report;

import io.nclab.loss.LossSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;

/**
 * The figures of a sweep, each for what the sweep varied: the losses paper's Figures 1-4 (NC and accuracy
 * curves per loss with a band over seeds; width × epochs maps of test accuracy and NC1 and their difference
 * from CE; the seed spread), the MSE paper's comparisons (one figure per other varied setting, such as the
 * optimiser, the feature dimension or a fixed ETF classifier; α and M of the rescaled MSE), and for UFM
 * sweeps the objective against the theory's optimum and the collapse per iteration.
 */
public final class SweepFigures {
    private SweepFigures() {}

    /** A figure written as PNG and SVG. */
    public record Figure(String id, String title, String caption, Path png, Path svg) {}

    static final int W = 560; // a panel's width (and a one-panel figure's)
    private static final int H = 400;
    /** Axes the losses paper puts on its maps: width across, training length up. */
    private static final String[] MAP_X = {"width", "feature_dim", "dim"};
    private static final String[] MAP_Y = {"epochs", "iters", "per_class"};

    public static List<Figure> write(SweepData d, Path out) {
        List<Figure> figures = new ArrayList<>();
        if (d.runs().isEmpty()) {
            return figures;
        }
        if (d.isUfm()) {
            ufm(d, out, figures);
        } else {
            curves(d, out, figures);
        }
        maps(d, out, figures);
        comparisons(d, out, figures);
        FinalFigures.write(d, out, figures);
        return figures;
    }

    static String label(String loss) {
        return LossSpec.label(loss);
    }

    /** The headline configuration in words: "width = 2, epochs = 40" (or "" when nothing varied). */
    /** The UFM settings a figure's title names where every run shares them. */
    private static final List<String> UFM_SHARED = List.of("classes", "dim", "per_class", "lambda_w", "lambda_h",
            "lambda_b", "bias", "optimizer");

    /** The given settings that every run shares and the sweep does not vary, in that order. */
    static Map<String, Object> common(SweepData d, List<String> keys) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : keys) {
            if (d.varied().contains(k) || d.runs().isEmpty()) {
                continue;
            }
            Object v = d.runs().get(0).settings().get(k);
            if (v != null && d.runs().stream().allMatch(r -> java.util.Objects.equals(v, r.settings().get(k)))) {
                out.put(k, v instanceof List<?> l ? l.toString().replace(" ", "") : v);
            }
        }
        return out;
    }

    /** The papers' symbols for the UFM's settings, shorter in titles than their option names. */
    private static final Map<String, String> SYMBOLS = Map.of("classes", "K", "dim", "d", "lambda_w", "λ_W",
            "lambda_h", "λ_H", "lambda_b", "λ_b");

    /** What a setting is, in words, for titles: "feature dimension d", "number of classes K". */
    private static final Map<String, String> NAMES = Map.of("classes", "the number of classes K", "dim",
            "the feature dimension d", "feature_dim", "the feature dimension d", "per_class", "samples per class",
            "lambda_w", "the weight decay λ_W", "lambda_h", "the feature decay λ_H", "lambda_b", "the bias decay λ_b",
            "fixed_etf", "a fixed simplex-ETF against a learned classifier", "lr", "the learning rate");

    static String named(String setting) {
        return NAMES.getOrDefault(setting, setting.replace('_', ' '));
    }

    /**
     * For a figure that draws only the headline runs of a sweep that varied settings: which values it leaves
     * out and where they are, as a sentence (empty when nothing was varied).
     */
    static String leftOut(SweepData d) {
        if (d.varied().isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (String k : d.varied()) {
            List<Object> v = new ArrayList<>(d.values(k));
            v.remove(d.headline().get(k));
            parts.add(SYMBOLS.getOrDefault(k, k.replace('_', ' ')) + " = " + v.stream().map(SweepFigures::format)
                    .reduce((a, b) -> a + ", " + b).orElse(""));
        }
        return " Only the runs at " + describe(d.headline()) + " are drawn; the runs at the other values (" + String
                .join("; ", parts) + ") are in the tables below.";
    }

    static String describe(Map<String, Object> settings) {
        List<String> parts = new ArrayList<>();
        settings.forEach((k, v) -> parts.add(SYMBOLS.getOrDefault(k, k.replace('_', ' ')) + " = " + format(v)));
        return String.join(", ", parts);
    }

    /** A setting's value as a user types it (0.0005, 64, not 5.0E-4, 64.0); a dash for a setting with none. */
    static String format(Object v) {
        if (v == null) {
            return "–";
        }
        if (v instanceof Double x && Double.isFinite(x)) {
            return io.nclab.io.Csv.plain(x);
        }
        return String.valueOf(v);
    }

    private static String stepAxis(SweepData d) {
        return d.isUfm() ? "iteration" : "epoch";
    }

    static String seedsNote(SweepData d) {
        int n = d.seedCount();
        return n > 1 ? "; line: mean over " + n + " seeds, band: their range, at the steps that every run still going"
                + " logged (a run that stopped sooner counts with its last value)" : "";
    }

    static Figure save(Path out, String id, String title, String caption, List<JFreeChart> charts, int columns) {
        List<Path> files = Charts.savePanels(out.resolve(id), charts, Math.min(columns, charts.size()), W, H, title);
        return new Figure(id, title, caption, files.get(0), files.get(1));
    }

    /** Curves of a metric against the step, one band per group of runs. */
    private static JFreeChart curve(String title, String xLabel, String yLabel, Map<String, List<SweepData.Run>> groups,
            String metric, double scale, boolean log) {
        List<Charts.Band> bands = new ArrayList<>();
        groups.forEach((name, runs) -> bands.add(SweepData.band(name, runs, metric, scale)));
        JFreeChart c = Charts.bandChart(title, xLabel, yLabel, bands);
        return log ? Charts.logY(c) : c;
    }

    private static final String[][] NC = {
        {"nc1", "NC1: within-class variability", "NC1 = tr(Σ_W Σ_B⁺)/K"},
        {"nc2", "NC2: convergence to a simplex ETF", "NC2 (‖·‖_F distance)"},
        {"nc3", "NC3: self-duality of W and H", "NC3 (‖·‖_F distance)"},
        {"nc4", "NC4: agreement with nearest class centre", "NC4 (fraction disagreeing)"},
    };
    private static final String[][] ACCURACY = {
        {"train_accuracy", "Training accuracy", "training"}, {"val_accuracy", "Validation accuracy", "validation"},
        {"test_accuracy", "Test accuracy", "test"},
    };

    /** "a", "a and b", "a, b and c". */
    static String and(List<String> words) {
        int n = words.size();
        return n <= 1 ? String.join("", words) : String.join(", ", words.subList(0, n - 1)) + " and " + words.get(n - 1);
    }

    /** Figures 1 and 2 of the losses paper, at the headline configuration. */
    private static void curves(SweepData d, Path out, List<Figure> figures) {
        Map<String, Object> head = d.headline();
        Map<String, List<SweepData.Run>> byLoss = new LinkedHashMap<>();
        for (String loss : d.losses()) {
            byLoss.put(label(loss), d.select(loss, head));
        }
        String at = head.isEmpty() ? "" : " (" + describe(head) + ")";
        List<JFreeChart> nc = new ArrayList<>();
        for (String[] m : NC) {
            if (d.hasProbe(m[0])) {
                nc.add(curve(m[1], "epoch", m[2] + (m[0].equals("nc4") ? "" : ", log scale"), byLoss, m[0], 1,
                        !m[0].equals("nc4")));
            }
        }
        if (!nc.isEmpty()) {
            figures.add(save(out, "nc-curves", "Neural Collapse during training, per loss" + at,
                    "The losses paper's Figure 1: NC1 (variability collapse), NC2 (simplex ETF), NC3 (self-duality) on a"
                            + " log scale, and NC4, against epochs, one line per loss" + seedsNote(d) + "." + leftOut(d),
                    nc, 2));
        }
        List<JFreeChart> acc = new ArrayList<>();
        List<String> sets = new ArrayList<>();
        for (String[] m : ACCURACY) {
            if (d.hasProbe(m[0])) {
                acc.add(curve(m[1], "epoch", m[1].toLowerCase(Locale.ROOT) + " (%)", byLoss, m[0], 100, false));
                sets.add(m[2]);
            }
        }
        if (!acc.isEmpty()) {
            // named by the panels drawn: a run without a validation set (--val-fraction 0) has none
            String named = and(sets);
            String title = Character.toUpperCase(named.charAt(0)) + named.substring(1) + " accuracy, per loss" + at;
            figures.add(save(out, "accuracy-curves", title,
                    "The losses paper's Figure 2: accuracy on the " + named + " set" + (sets.size() > 1 ? "s" : "")
                            + " against epochs" + seedsNote(d) + "." + leftOut(d), acc, 3));
        }
    }

    /** UFM sweeps: the objective against the theory's optimum, the gap, and the collapse, per iteration. */
    private static void ufm(SweepData d, Path out, List<Figure> figures) {
        Map<String, Object> head = d.headline();
        Map<String, Object> shown = new LinkedHashMap<>(head);
        shown.putAll(common(d, UFM_SHARED));
        String at = shown.isEmpty() ? "" : " (" + describe(shown) + ")";
        List<JFreeChart> objective = new ArrayList<>();
        Map<String, List<SweepData.Run>> gaps = new LinkedHashMap<>();
        Map<String, List<SweepData.Run>> byLoss = new LinkedHashMap<>();
        for (String loss : d.losses()) {
            List<SweepData.Run> runs = d.select(loss, head);
            byLoss.put(label(loss), runs);
            double theory = SweepData.stats(runs, "theory_objective")[0];
            List<Charts.Series> s = new ArrayList<>();
            Charts.Band f = SweepData.band("objective f", runs, "objective", 1);
            s.add(Charts.Series.line("objective f", f.x(), f.mid()));
            if (Double.isFinite(theory) && f.x().length > 0) {
                s.add(Charts.Series.line("theory's optimum f*", new double[] {f.x()[0], f.x()[f.x().length - 1]},
                        new double[] {theory, theory}));
            }
            JFreeChart c = Charts.lineChart(label(loss), "iteration", "objective f(W, H, b)", s);
            objective.add(s.size() > 1 ? Charts.dashed(c, 1) : c);
            if (Double.isFinite(theory)) {
                gaps.put(label(loss), gapRuns(runs, theory));
            }
        }
        figures.add(save(out, "ufm-objective", "UFM objective against the theory's optimum, per loss" + at,
                "The UFM objective per iteration (solid) and the global optimum the theory predicts (dashed)"
                        + seedsNote(d) + "." + leftOut(d), objective, 2));
        List<JFreeChart> collapse = new ArrayList<>();
        if (!gaps.isEmpty()) {
            collapse.add(curve("Relative gap to the theory's optimum", "iteration", "|f − f*| / |f*|, log scale", gaps,
                    "relative_gap", 1, true));
        }
        for (String[] m : NC) {
            if (d.hasProbe(m[0]) && !m[0].equals("nc4")) {
                collapse.add(curve(m[1], "iteration", m[2] + ", log scale", byLoss, m[0], 1, true));
            }
        }
        figures.add(save(out, "ufm-collapse", "UFM: distance to the optimum and Neural Collapse per iteration" + at,
                "Relative gap |f − f*|/|f*| to the theory's optimum (for the losses it predicts) and NC1-NC3 against"
                        + " iterations, one line per loss, log scales; the summary above says whether every loss reached"
                        + " the optimum and collapsed. A solver can end a few rounding errors below f* (a negative gap in"
                        + " the tables), hence the absolute value; gaps below 1e-16, where float64 cannot tell f from f*,"
                        + " are drawn at 1e-16." + leftOut(d), collapse, 2));
    }

    /**
     * The runs with a probe "relative_gap" added: |f − f*|/|f*| (a solver may end a few ε below f*), at least 1e-16
     * for a log axis.
     */
    private static List<SweepData.Run> gapRuns(List<SweepData.Run> runs, double theory) {
        List<SweepData.Run> out = new ArrayList<>();
        for (SweepData.Run r : runs) {
            double[][] f = r.curve("objective");
            if (f == null) {
                continue;
            }
            double[][] gap = {f[0], new double[f[1].length]};
            for (int i = 0; i < f[1].length; i++) {
                gap[1][i] = Math.max(1e-16, Math.abs(f[1][i] - theory) / Math.max(Math.abs(theory),
                        Double.MIN_NORMAL));
            }
            Map<String, double[][]> probes = new LinkedHashMap<>(r.probes());
            probes.put("relative_gap", gap);
            out.add(new SweepData.Run(r.id(), r.loss(), r.seed(), r.settings(), r.results(), probes, r.commandLine(), r.dir()));
        }
        return out;
    }

    private static String pick(SweepData d, String[] preferred, String not) {
        for (String k : preferred) {
            if (d.varied().contains(k) && !k.equals(not)) {
                return k;
            }
        }
        for (String k : d.varied()) {
            if (!k.equals(not) && d.numeric(k)) {
                return k;
            }
        }
        return null;
    }

    /** Figures 3 and 4 of the losses paper: maps over two numeric settings, per loss and against CE. */
    private static void maps(SweepData d, Path out, List<Figure> figures) {
        String x = pick(d, MAP_X, null);
        String y = x == null ? null : pick(d, MAP_Y, x);
        if (x == null || y == null) {
            return;
        }
        Map<String, Object> rest = new LinkedHashMap<>(d.headline());
        rest.remove(x);
        rest.remove(y);
        String at = rest.isEmpty() ? "" : " (" + describe(rest) + ")";
        String accKey = d.isUfm() ? null : "test_accuracy";
        String ncKey = d.hasResult("final_nc1") ? "final_nc1" : d.hasResult("nc1") ? "nc1" : null;
        if (accKey != null && d.hasResult(accKey)) {
            figures.add(map(d, out, "map-test-accuracy", "Mean test accuracy over " + x + " and " + y + at, x, y, rest,
                    accKey, 100, false, true, "test accuracy (%)", 2,
                    "The losses paper's Figure 3: mean test accuracy (of the model with the best validation accuracy)"
                            + " for each " + x + " and " + y + ", per loss (top), and each loss minus CE (bottom)."));
        }
        if (ncKey != null) {
            figures.add(map(d, out, "map-nc1", "NC1 at the end of " + (d.isUfm() ? "the solve (1e-12: round-off)"
                    : "training") + " over " + x + " and " + y + at, x, y, rest,
                    ncKey, 1, true, false, "log10 NC1", 2,
                    "The losses paper's Figure 4: log10 of the final NC1 for each " + x + " and " + y + ", per loss (top),"
                            + " and each loss minus CE (bottom): smaller is more collapsed, so red marks a loss that"
                            + " collapsed more than CE, as red marks a higher test accuracy in Figure 3."));
        }
        if (accKey != null && d.seedCount() > 1 && d.hasResult(accKey)) {
            figures.add(spread(d, out, x, y, rest, accKey));
        }
    }

    /** NC1 below this, at the end of a UFM solve, is drawn as this (see {@link #grid}). */
    static final double UFM_ROUND_OFF = 1e-12;

    private static double[][] grid(SweepData d, String loss, String x, String y, Map<String, Object> rest, String key,
            double scale, boolean log10, int stat) {
        List<Object> xs = d.values(x);
        List<Object> ys = d.values(y);
        double[][] z = new double[xs.size()][ys.size()];
        for (int i = 0; i < xs.size(); i++) {
            for (int j = 0; j < ys.size(); j++) {
                Map<String, Object> fixed = new LinkedHashMap<>(rest);
                fixed.put(x, xs.get(i));
                fixed.put(y, ys.get(j));
                double v = SweepData.stats(d.select(loss, fixed), key)[stat] * scale;
                // log10 NC1 of a UFM solve: below 1e-12 it is float64 round-off of an exact collapse, and
                // ranking one round-off against another (−16 against −21) would read as a difference
                z[i][j] = log10 ? Math.log10(d.isUfm() ? Math.max(v, UFM_ROUND_OFF) : v) : v;
            }
        }
        return z;
    }

    private static String[] names(List<Object> values) {
        return values.stream().map(SweepFigures::format).toArray(String[]::new);
    }

    private static Figure map(SweepData d, Path out, String id, String title, String x, String y, Map<String, Object> rest,
            String key, double scale, boolean log10, boolean higherIsBetter, String zLabel, int decimals, String caption) {
        String[] xs = names(d.values(x));
        String[] ys = names(d.values(y));
        List<JFreeChart> charts = new ArrayList<>();
        Map<String, double[][]> grids = new LinkedHashMap<>();
        for (String loss : d.losses()) {
            grids.put(loss, grid(d, loss, x, y, rest, key, scale, log10, 0));
        }
        charts.addAll(sharedScale(grids, x, xs, y, ys, zLabel, decimals));
        double[][] ce = grids.get("ce");
        if (ce != null && d.losses().size() > 1) {
            Map<String, double[][]> diffs = new LinkedHashMap<>();
            for (String loss : d.losses()) {
                if (loss.equals("ce")) {
                    continue;
                }
                double[][] z = grids.get(loss);
                double[][] diff = new double[xs.length][ys.length];
                for (int i = 0; i < xs.length; i++) {
                    for (int j = 0; j < ys.length; j++) {
                        diff[i][j] = z[i][j] - ce[i][j];
                    }
                }
                diffs.put(loss, diff);
            }
            double[] r = sharedRange(diffs.values());
            double m = Math.max(Math.abs(r[0]), Math.abs(r[1]));
            // red: better than CE, whichever way "better" points
            diffs.forEach((loss, diff) -> charts.add(Charts.cellMap(label(loss) + " − CE", x, xs, y, ys,
                    "difference in " + zLabel + " (red: better)", diff, decimals, true, -m, m, higherIsBetter)));
        }
        return save(out, id, title, caption, charts, d.losses().size());
    }

    /** One cell map per loss, all on one colour scale: panels that are compared with each other. */
    private static List<JFreeChart> sharedScale(Map<String, double[][]> grids, String x, String[] xs, String y,
            String[] ys, String zLabel, int decimals) {
        double[] range = sharedRange(grids.values());
        List<JFreeChart> charts = new ArrayList<>();
        grids.forEach((loss, z) -> charts.add(Charts.cellMap(label(loss), x, xs, y, ys, zLabel, z, decimals, false,
                range[0], range[1])));
        return charts;
    }

    /** One colour range for panels that are compared with each other. */
    private static double[] sharedRange(java.util.Collection<double[][]> grids) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[][] z : grids) {
            double[] r = Charts.range(z);
            if (Double.isFinite(r[0])) {
                lo = Math.min(lo, r[0]);
                hi = Math.max(hi, r[1]);
            }
        }
        return lo <= hi ? new double[] {lo, hi} : new double[] {Double.NaN, Double.NaN};
    }

    private static Figure spread(SweepData d, Path out, String x, String y, Map<String, Object> rest, String key) {
        String[] xs = names(d.values(x));
        String[] ys = names(d.values(y));
        Map<String, double[][]> grids = new LinkedHashMap<>();
        for (String loss : d.losses()) {
            grids.put(loss, grid(d, loss, x, y, rest, key, 100, false, 3));
        }
        // one colour scale for every loss: the caption compares their spreads
        List<JFreeChart> charts = sharedScale(grids, x, xs, y, ys, "std of test accuracy (%)", 2);
        return save(out, "map-seed-spread", "Spread of test accuracy over seeds",
                "Standard deviation over " + d.seedCount() + " seeds of the test accuracy, per loss: differences between"
                        + " losses smaller than this are within the noise of the seed.", charts, d.losses().size());
    }

    /**
     * The MSE paper's comparisons: one figure per other varied setting (optimiser, feature dimension, fixed
     * ETF classifier, ...), curves per value at the headline of the rest; and α, M of the rescaled MSE.
     */
    private static void comparisons(SweepData d, Path out, List<Figure> figures) {
        String x = pick(d, MAP_X, null);
        String y = x == null ? null : pick(d, MAP_Y, x);
        String step = stepAxis(d);
        String[][] panels = d.isUfm()
                ? new String[][] {{"nc1", "NC1", "log"}, {"nc2", "NC2", "log"}, {"nc3", "NC3", "log"}, {"objective", "objective", "log"}}
                : new String[][] {{"nc1", "NC1", "log"}, {"nc3", "NC3", "log"}, {"train_accuracy", "training accuracy (%)", "%"},
                    {"test_accuracy", "test accuracy (%)", "%"}};
        boolean mapped = x != null && y != null; // maps() draws x against y only when both exist
        for (String axis : d.varied()) {
            if ((mapped && (axis.equals(x) || axis.equals(y))) || axis.equals("epochs") || axis.equals("iters")) {
                continue;
            }
            Map<String, Object> head = new LinkedHashMap<>(d.headline());
            head.remove(axis);
            Map<String, List<SweepData.Run>> groups = new LinkedHashMap<>();
            for (String loss : d.losses()) {
                for (Object v : d.values(axis)) {
                    Map<String, Object> fixed = new LinkedHashMap<>(head);
                    fixed.put(axis, v);
                    String name = (d.losses().size() > 1 ? label(loss) + ", " : "") + axis.replace('_', ' ') + " = " + format(v);
                    groups.put(name, d.select(loss, fixed));
                }
            }
            List<JFreeChart> charts = panelCharts(d, panels, step, groups);
            String paper = switch (axis) {
                case "optimizer" -> " (as in the MSE paper's Figure 3)";
                case "feature_dim", "dim" -> " (as in the MSE paper's Figure 4)";
                case "fixed_etf" -> " (as in the MSE paper's Figure 5)";
                default -> "";
            };
            // the title names what every run shares too (a UFM's K and n), as the UFM figures' titles do
            Map<String, Object> shown = new LinkedHashMap<>(head);
            if (d.isUfm()) {
                common(d, UFM_SHARED).forEach((k, v) -> {
                    if (!k.equals(axis)) {
                        shown.putIfAbsent(k, v);
                    }
                });
            }
            if (!charts.isEmpty()) {
                figures.add(save(out, "compare-" + axis, "Comparison over " + named(axis)
                        + (shown.isEmpty() ? "" : " (" + describe(shown) + ")"), "Curves for each value of "
                        + named(axis) + paper + seedsNote(d) + ".", charts, 2));
            }
        }
        List<String> mse = d.losses().stream().filter(l -> l.startsWith("mse")).toList();
        if (mse.size() > 1) {
            Map<String, List<SweepData.Run>> groups = new LinkedHashMap<>();
            mse.forEach(l -> groups.put(label(l), d.select(l, d.headline())));
            List<JFreeChart> charts = panelCharts(d, panels, step, groups);
            if (!charts.isEmpty()) {
                Map<String, Object> head = d.headline();
                figures.add(save(out, "mse-rescaling", "Rescaled MSE: the effect of α and M"
                        + (head.isEmpty() ? "" : " (" + describe(head) + ")"),
                        "The MSE paper's Figure 6: collapse and accuracy for each (α, M) of the rescaled MSE" + seedsNote(d)
                                + ".", charts, 2));
            }
        }
    }

    private static List<JFreeChart> panelCharts(SweepData d, String[][] panels, String step,
            Map<String, List<SweepData.Run>> groups) {
        List<JFreeChart> charts = new ArrayList<>();
        for (String[] p : panels) {
            if (d.hasProbe(p[0])) {
                boolean log = p[2].equals("log");
                charts.add(curve(p[1], step, p[1] + (log ? ", log scale" : ""), groups, p[0], p[2].equals("%") ? 100 : 1, log));
            }
        }
        return charts;
    }
}
