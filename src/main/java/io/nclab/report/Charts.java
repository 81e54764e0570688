package io.nclab.report;

import io.nclab.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.jfree.chart.annotations.XYLineAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.VectorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.Align;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.VectorSeries;
import org.jfree.data.xy.VectorSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * The one place that draws nclab's figures (JFreeChart, JFreeSVG): line and scatter charts, heat maps
 * with a colour bar, vector fields, and saving a chart or a grid of panels as PNG and SVG together.
 * Everything runs headless.
 */
public final class Charts {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {}

    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    /** Colours for successive series: Matplotlib's "tab10", which readers of papers know. */
    private static final Color[] SERIES = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)
    };

    /** Viridis anchors, dark blue (low) to yellow (high). */
    private static final Color[] VIRIDIS = {
        new Color(0x440154), new Color(0x482878), new Color(0x3e4a89), new Color(0x31688e),
        new Color(0x26828e), new Color(0x1f9e89), new Color(0x35b779), new Color(0x6ece58),
        new Color(0xb5de2b), new Color(0xfde725)
    };

    /** One series of a line or scatter chart. */
    public record Series(String name, double[] x, double[] y, boolean points) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series " + name + ": " + x.length + " x but " + y.length + " y");
            }
        }

        public static Series line(String name, double[] x, double[] y) {
            return new Series(name, x, y, false);
        }

        public static Series points(String name, double[] x, double[] y) {
            return new Series(name, x, y, true);
        }
    }

    /**
     * The series as a figure draws them when they hold many thousands of points: each point series keeps one
     * point (its first) per cell of a {@code cols × rows} grid over the range the point series share (log10 x
     * when {@code logX}, as on a log axis, where x ≤ 0 is not drawn), so that an SVG, one element per marker,
     * stays small; line series are kept whole. With cells about a marker's size the picture is the same but
     * for the depth of overlapping translucent markers; the figure's CSV keeps every point.
     */
    public static List<Series> thinPoints(List<Series> series, boolean logX, int cols, int rows) {
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; s.points() && i < s.x().length; i++) {
                double x = logX ? Math.log10(s.x()[i]) : s.x()[i];
                if (Double.isFinite(x) && Double.isFinite(s.y()[i])) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, s.y()[i]);
                    y1 = Math.max(y1, s.y()[i]);
                }
            }
        }
        List<Series> out = new ArrayList<>();
        for (Series s : series) {
            if (!s.points()) {
                out.add(s);
                continue;
            }
            java.util.Set<Long> taken = new java.util.HashSet<>();
            double[] kx = new double[s.x().length];
            double[] ky = new double[s.x().length];
            int n = 0;
            for (int i = 0; i < s.x().length; i++) {
                double x = logX ? Math.log10(s.x()[i]) : s.x()[i];
                double y = s.y()[i];
                if (!Double.isFinite(x) || !Double.isFinite(y)) {
                    continue;
                }
                long cx = x1 > x0 ? Math.min(cols - 1, (long) ((x - x0) / (x1 - x0) * cols)) : 0;
                long cy = y1 > y0 ? Math.min(rows - 1, (long) ((y - y0) / (y1 - y0) * rows)) : 0;
                if (taken.add(cx * rows + cy)) {
                    kx[n] = s.x()[i];
                    ky[n++] = y;
                }
            }
            out.add(Series.points(s.name(), java.util.Arrays.copyOf(kx, n), java.util.Arrays.copyOf(ky, n)));
        }
        return out;
    }

    /** Lines and point clouds against shared axes, with a legend naming each series. */
    public static JFreeChart lineChart(String title, String xLabel, String yLabel, List<Series> series) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        for (int s = 0; s < series.size(); s++) {
            Series in = series.get(s);
            XYSeries xy = new XYSeries(in.name(), false, true);
            for (int i = 0; i < in.x().length; i++) {
                if (Double.isFinite(in.x()[i]) && Double.isFinite(in.y()[i])) {
                    xy.add(in.x()[i], in.y()[i]);
                } else if (Double.isFinite(in.x()[i]) && !in.points()) {
                    xy.add(in.x()[i], null); // a point with no value breaks the line: nothing is drawn across it
                }
            }
            data.addSeries(xy);
            Color c = SERIES[s % SERIES.length];
            renderer.setSeriesLinesVisible(s, !in.points());
            renderer.setSeriesShapesVisible(s, in.points());
            if (in.points()) {
                renderer.setSeriesShape(s, new Rectangle2D.Double(-1.5, -1.5, 3, 3));
                renderer.setSeriesPaint(s, new Color(c.getRed(), c.getGreen(), c.getBlue(), 110));
            } else {
                renderer.setSeriesPaint(s, c);
                renderer.setSeriesStroke(s, new BasicStroke(2.2f));
                // as in bandChart: a sparsely logged line shows its points, and so does one with a lone value
                // between two gaps (no line reaches it)
                if (finitePoints(in) <= SPARSE_POINTS || hasLonePoint(in)) {
                    renderer.setSeriesShapesVisible(s, true);
                    renderer.setSeriesShape(s, new java.awt.geom.Ellipse2D.Double(-3.5, -3.5, 7, 7));
                }
            }
        }
        XYPlot plot = new XYPlot(data, axis(xLabel), axis(yLabel), renderer);
        plot.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD);
        return styled(new JFreeChart(title, TITLE, plot, true));
    }

    private static int finitePoints(Series in) {
        int n = 0;
        for (int i = 0; i < in.x().length; i++) {
            n += Double.isFinite(in.x()[i]) && Double.isFinite(in.y()[i]) ? 1 : 0;
        }
        return n;
    }

    /** Whether a value has no finite neighbour on either side (a line draws nothing of it). */
    private static boolean hasLonePoint(Series in) {
        int n = in.x().length;
        for (int i = 0; i < n; i++) {
            boolean here = Double.isFinite(in.y()[i]);
            boolean before = i > 0 && Double.isFinite(in.y()[i - 1]);
            boolean after = i + 1 < n && Double.isFinite(in.y()[i + 1]);
            if (here && !before && !after && n > 1) {
                return true;
            }
        }
        return false;
    }

    /** One line with a shaded band around it (e.g. the mean over seeds and their range). */
    public record Band(String name, double[] x, double[] mid, double[] lo, double[] hi) {
        public Band {
            if (x.length != mid.length || x.length != lo.length || x.length != hi.length) {
                throw new IllegalArgumentException("band " + name + ": lengths differ");
            }
        }
    }

    /**
     * Lines with translucent bands (each series' own colour), for a mean and its spread over seeds; a
     * band of zero width is just the line. Points with a non-finite value are left out.
     */
    /** Curves with at most this many points are drawn with a marker at each. */
    static final int SPARSE_POINTS = 12;

    public static JFreeChart bandChart(String title, String xLabel, String yLabel, List<Band> bands) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        DeviationRenderer renderer = new DeviationRenderer(true, false);
        renderer.setAlpha(0.18f);
        int s = 0;
        for (int band = 0; band < bands.size(); band++) {
            Band b = bands.get(band);
            // a point with no value (a metric undefined at that step) cuts the curve: each stretch of values is its
            // own series in the band's colour, named once in the legend, so that no line or band bridges the gap
            List<YIntervalSeries> parts = new ArrayList<>();
            YIntervalSeries part = null;
            int points = 0;
            for (int i = 0; i < b.x().length; i++) {
                if (Double.isFinite(b.x()[i]) && Double.isFinite(b.mid()[i]) && Double.isFinite(b.lo()[i])
                        && Double.isFinite(b.hi()[i])) {
                    if (part == null) {
                        part = new YIntervalSeries(parts.isEmpty() ? b.name() : b.name() + " (part " + (parts.size()
                                + 1) + ")", false, true);
                        parts.add(part);
                    }
                    part.add(b.x()[i], b.mid()[i], b.lo()[i], b.hi()[i]);
                    points++;
                } else if (Double.isFinite(b.x()[i])) {
                    part = null;
                }
            }
            if (parts.isEmpty()) {
                parts.add(new YIntervalSeries(b.name(), false, true)); // named in the legend all the same
            }
            Color c = SERIES[band % SERIES.length];
            for (int p = 0; p < parts.size(); p++, s++) {
                data.addSeries(parts.get(p));
                renderer.setSeriesPaint(s, c);
                renderer.setSeriesFillPaint(s, c);
                renderer.setSeriesStroke(s, new BasicStroke(2.2f));
                renderer.setSeriesVisibleInLegend(s, p == 0);
                // a sparsely logged curve (a few probes, a UFM trajectory every 50 iterations) shows where its points
                // are, so that a straight line between two of them is not read as measured; so does a lone point
                if (points <= SPARSE_POINTS || parts.get(p).getItemCount() == 1) {
                    renderer.setSeriesShapesVisible(s, true);
                    renderer.setSeriesShape(s, new java.awt.geom.Ellipse2D.Double(-3.5, -3.5, 7, 7));
                }
            }
        }
        NumberAxis x = axis(xLabel);
        if (bands.stream().allMatch(b -> java.util.Arrays.stream(b.x()).allMatch(v -> v == Math.rint(v)))) {
            x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        XYPlot plot = new XYPlot(data, x, axis(yLabel), renderer);
        return styled(new JFreeChart(title, TITLE, plot, true));
    }

    /** Draws one series of a line chart dashed (a reference level such as a theoretical optimum). */
    public static JFreeChart dashed(JFreeChart chart, int series) {
        var renderer = chart.getXYPlot().getRenderer();
        renderer.setSeriesStroke(series, new BasicStroke(1.8f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 10f, new float[] {7f, 5f}, 0f));
        // a reference line, not measured points
        if (renderer instanceof XYLineAndShapeRenderer lines) {
            lines.setSeriesShapesVisible(series, false);
        }
        return chart;
    }

    /**
     * A table of coloured cells, z[i][j] for the category xs[i] across and ys[j] up, each cell labelled with
     * its value to {@code decimals} decimals, or up to two more where cells would otherwise read the same
     * ({@link #cellLabels}). {@code centred}: a blue-white-red scale symmetric about
     * zero (for differences), else viridis. Non-finite cells stay white and unlabelled.
     */
    public static JFreeChart cellMap(String title, String xLabel, String[] xs, String yLabel, String[] ys,
            String zLabel, double[][] z, int decimals, boolean centred) {
        double[] r = range(z);
        return cellMap(title, xLabel, xs, yLabel, ys, zLabel, z, decimals, centred, r[0], r[1]);
    }

    /**
     * The values to {@code decimals} decimals, or to the fewest of up to two more that tell apart every two values
     * that two more would (0.004 and 0.001 read "0.00" side by side otherwise); never a negative zero ("-0.00" of
     * -0.001 reads "0.00", and a value that rounds to zero at any precision shown is shown unsigned).
     */
    static String[] cellLabels(double[] values, int decimals) {
        String[] finest = fixed(values, decimals + 2);
        long distinct = java.util.Arrays.stream(finest).distinct().count();
        for (int d = decimals; d < decimals + 2; d++) {
            String[] labels = fixed(values, d);
            if (java.util.Arrays.stream(labels).distinct().count() == distinct) {
                return labels;
            }
        }
        return finest;
    }

    private static String[] fixed(double[] values, int decimals) {
        String[] out = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            String s = String.format(java.util.Locale.ROOT, "%." + decimals + "f", values[i]);
            out[i] = s.matches("-0(\\.0*)?") ? s.substring(1) : s;
        }
        return out;
    }

    /** The smallest and largest finite values of z (NaN, NaN if none). */
    public static double[] range(double[][] z) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] row : z) {
            for (double v : row) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        return lo <= hi ? new double[] {lo, hi} : new double[] {Double.NaN, Double.NaN};
    }

    /** As {@link #cellMap(String, String, String[], String, String[], String, double[][], int, boolean)}, with
     * the colour scale spanning [lo, hi] (shared by panels that are to be compared). */
    public static JFreeChart cellMap(String title, String xLabel, String[] xs, String yLabel, String[] ys,
            String zLabel, double[][] z, int decimals, boolean centred, double lo, double hi) {
        return cellMap(title, xLabel, xs, yLabel, ys, zLabel, z, decimals, centred, lo, hi, true);
    }

    /**
     * As above; {@code redHigh} false turns the centred scale round (red below zero, blue above), so that
     * difference maps of a quantity where lower is better (NC1) still show red for better.
     */
    public static JFreeChart cellMap(String title, String xLabel, String[] xs, String yLabel, String[] ys,
            String zLabel, double[][] z, int decimals, boolean centred, double lo, double hi, boolean redHigh) {
        int n = 0;
        for (double[] row : z) {
            for (double v : row) {
                n += Double.isFinite(v) ? 1 : 0;
            }
        }
        if (n == 0 || !Double.isFinite(lo) || !Double.isFinite(hi)) {
            lo = 0;
            hi = 1;
        }
        if (centred) {
            double m = Math.max(Math.max(Math.abs(lo), Math.abs(hi)), 1e-12);
            lo = -m;
            hi = m;
        } else if (!(hi > lo)) {
            hi = lo + Math.max(1e-12, Math.abs(lo) * 1e-3);
        }
        PaintScale scale = centred ? diverging(lo, hi, redHigh) : viridis(lo, hi);
        double[][] cells = new double[3][n];
        int k = 0;
        for (int i = 0; i < xs.length; i++) {
            for (int j = 0; j < ys.length; j++) {
                if (Double.isFinite(z[i][j])) {
                    cells[0][k] = i;
                    cells[1][k] = j;
                    cells[2][k++] = z[i][j];
                }
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries(zLabel, cells);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(scale);
        SymbolAxis xAxis = new SymbolAxis(xLabel, xs);
        SymbolAxis yAxis = new SymbolAxis(yLabel, ys);
        for (SymbolAxis a : new SymbolAxis[] {xAxis, yAxis}) {
            a.setLabelFont(LABEL);
            a.setTickLabelFont(TICK);
            a.setGridBandsVisible(false);
        }
        XYPlot plot = new XYPlot(data, xAxis, yAxis, renderer);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        xAxis.setRange(-0.5, xs.length - 0.5);
        yAxis.setRange(-0.5, ys.length - 0.5);
        Font cellFont = new Font(Font.SANS_SERIF, Font.BOLD, xs.length * ys.length > 30 ? 10 : 13);
        String[] labels = cellLabels(cells[2], decimals);
        for (int c = 0; c < n; c++) {
            double v = cells[2][c];
            XYTextAnnotation a = new XYTextAnnotation(labels[c], cells[0][c], cells[1][c]);
            a.setFont(cellFont);
            double t = (v - lo) / (hi - lo);
            a.setPaint(centred ? (Math.abs(t - 0.5) > 0.3 ? Color.WHITE : Color.BLACK) : (t > 0.6 ? Color.BLACK : Color.WHITE));
            plot.addAnnotation(a);
        }
        JFreeChart chart = styled(new JFreeChart(title, TITLE, plot, false));
        chart.addSubtitle(colourBar(plot, scale, zLabel, lo, hi));
        return chart;
    }

    /** Blue (low) through white (zero) to red (high), symmetric, 256 steps; the other way round unless redHigh. */
    static PaintScale diverging(double lo, double hi, boolean redHigh) {
        Color[] colours = {new Color(0x2166ac), new Color(0x92c5de), new Color(0xf7f7f7), new Color(0xf4a582),
            new Color(0xb2182b)};
        if (!redHigh) {
            java.util.Collections.reverse(java.util.Arrays.asList(colours));
        }
        return lookup(colours, lo, hi);
    }

    /** Puts the chart's x axis on a log scale (values ≤ 0 are left out by JFreeChart). */
    public static JFreeChart logX(JFreeChart chart) {
        XYPlot plot = chart.getXYPlot();
        plot.setDomainAxis(logAxis(plot.getDomainAxis().getLabel()));
        return chart;
    }

    /**
     * A dashed vertical line at x, e.g. a threshold from a paper, named in the chart's legend (call it once the
     * series are in: the legend is fixed here).
     */
    public static JFreeChart verticalMarker(JFreeChart chart, double x, String label) {
        XYPlot plot = chart.getXYPlot();
        plot.addDomainMarker(marker(chart, x, label), org.jfree.chart.ui.Layer.BACKGROUND);
        org.jfree.data.Range data = plot.getDataRange(plot.getRangeAxis());
        if (plot.getDomainAxis() instanceof NumberAxis && data != null) {
            keepInView(plot, x, data.getCentralValue());
        }
        return chart;
    }

    /**
     * A dashed horizontal line at y, e.g. a decision boundary, named in the chart's legend (call it once the
     * series are in: the legend is fixed here).
     */
    public static JFreeChart horizontalMarker(JFreeChart chart, double y, String label) {
        XYPlot plot = chart.getXYPlot();
        plot.addRangeMarker(marker(chart, y, label), org.jfree.chart.ui.Layer.BACKGROUND);
        org.jfree.data.Range data = plot.getDataRange(plot.getDomainAxis());
        if (plot.getRangeAxis() instanceof NumberAxis && data != null) {
            keepInView(plot, data.getCentralValue(), y);
        }
        return chart;
    }

    /**
     * Keeps a marker's line on the chart: an invisible point on it, inside the other axis's data, which the axes'
     * automatic ranges then take in (a chart of cosine margins all above 0.05 had left out its CM = 0 line, named in
     * the legend all the same).
     */
    private static void keepInView(XYPlot plot, double x, double y) {
        XYSeries point = new XYSeries("marker", false, true);
        point.add(x, y);
        int index = plot.getDatasetCount();
        plot.setDataset(index, new XYSeriesCollection(point));
        XYLineAndShapeRenderer nothing = new XYLineAndShapeRenderer(false, false);
        nothing.setDefaultSeriesVisibleInLegend(false);
        plot.setRenderer(index, nothing);
    }

    /**
     * The line itself carries no text: a label drawn in the plot, on a box or not, covers the curves that run
     * along the line, which is where such a figure is read (the cosine margins just above CM = 0). Its label
     * is a legend entry drawn with the same dashes instead, and the line lies under the curves.
     */
    private static ValueMarker marker(JFreeChart chart, double at, String label) {
        BasicStroke dashes = new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {6f, 4f}, 0f);
        ValueMarker marker = new ValueMarker(at, Color.DARK_GRAY, dashes);
        XYPlot plot = chart.getXYPlot();
        org.jfree.chart.LegendItemCollection items = new org.jfree.chart.LegendItemCollection();
        items.addAll(plot.getLegendItems());
        org.jfree.chart.LegendItem item = new org.jfree.chart.LegendItem(label, null, null, null,
                new java.awt.geom.Line2D.Double(-12, 0, 12, 0), dashes, Color.DARK_GRAY);
        item.setLabelFont(LABEL);
        items.add(item);
        plot.setFixedLegendItems(items);
        return marker;
    }

    /**
     * An arrow from (x0, y0) to (x1, y1) in data coordinates, in the colour of series {@code series} (so
     * that it matches that series' points), with a label at its tip; a grey one for a negative index.
     * The head is drawn in data units, so it looks right on axes of equal scale.
     */
    public static JFreeChart arrow(JFreeChart chart, double x0, double y0, double x1, double y1, int series,
            String label) {
        XYPlot plot = chart.getXYPlot();
        Color c = series < 0 ? Color.GRAY : SERIES[series % SERIES.length].darker();
        BasicStroke stroke = new BasicStroke(series < 0 ? 1f : 2f);
        plot.addAnnotation(new XYLineAnnotation(x0, y0, x1, y1, stroke, c));
        double len = Math.hypot(x1 - x0, y1 - y0);
        if (len > 0) {
            double head = 0.12 * len;
            double angle = Math.atan2(y1 - y0, x1 - x0);
            for (double side : new double[] {-0.45, 0.45}) {
                plot.addAnnotation(new XYLineAnnotation(x1, y1, x1 - head * Math.cos(angle + side),
                        y1 - head * Math.sin(angle + side), stroke, c));
            }
        }
        if (label != null) {
            XYTextAnnotation t = new XYTextAnnotation(label, x1 + 0.04 * (x1 - x0), y1 + 0.04 * (y1 - y0));
            // the label runs on outwards from the tip, not back over the arrow (or off the plot, centred at its edge)
            double dx = x1 - x0;
            double dy = y1 - y0;
            t.setTextAnchor(Math.abs(dx) >= 0.5 * Math.abs(dy)
                    ? (dx >= 0 ? org.jfree.chart.ui.TextAnchor.CENTER_LEFT : org.jfree.chart.ui.TextAnchor.CENTER_RIGHT)
                    : (dy >= 0 ? org.jfree.chart.ui.TextAnchor.BOTTOM_CENTER : org.jfree.chart.ui.TextAnchor.TOP_CENTER));
            t.setFont(series < 0 ? TICK : LABEL);
            t.setPaint(c);
            plot.addAnnotation(t);
        }
        return chart;
    }

    /**
     * Puts the chart's y axis on a log scale. Values ≤ 0 cannot be drawn there: they are left out, and a line under
     * the title says how many.
     */
    public static JFreeChart logY(JFreeChart chart) {
        XYPlot plot = chart.getXYPlot();
        plot.setRangeAxis(logAxis(plot.getRangeAxis().getLabel()));
        long left = plotValues(plot, false, false).filter(y -> Double.isFinite(y) && y <= 0).count();
        if (left > 0) {
            org.jfree.chart.title.TextTitle note = new org.jfree.chart.title.TextTitle(String.format(
                    java.util.Locale.ROOT, "%,d value%s ≤ 0 left out of the log scale", left, left == 1 ? "" : "s"),
                    TICK);
            note.setPaint(Color.DARK_GRAY);
            chart.addSubtitle(0, note);
        }
        return chart;
    }

    /**
     * Every x value ({@code domain}) or y value the plot's datasets hold, with a band's lower and upper ends too where
     * {@code bounds}.
     */
    private static java.util.stream.DoubleStream plotValues(XYPlot plot, boolean domain, boolean bounds) {
        java.util.stream.DoubleStream.Builder out = java.util.stream.DoubleStream.builder();
        for (int d = 0; d < plot.getDatasetCount(); d++) {
            org.jfree.data.xy.XYDataset data = plot.getDataset(d);
            for (int s = 0; data != null && s < data.getSeriesCount(); s++) {
                for (int i = 0; i < data.getItemCount(s); i++) {
                    out.add(domain ? data.getXValue(s, i) : data.getYValue(s, i));
                    if (!domain && bounds && data instanceof org.jfree.data.xy.IntervalXYDataset in) {
                        out.add(in.getStartYValue(s, i));
                        out.add(in.getEndYValue(s, i));
                    }
                }
            }
        }
        return out.build();
    }

    /**
     * A base-10 log axis with ticks at 1, 2 and 5 × 10^k (or whole decades when it spans many), labelled
     * as plain numbers (0.2, 0.5, 1e-3): never at fractional powers such as 10^-0.3.
     */
    private static LogAxis logAxis(String label) {
        LogAxis log = new DecadeLogAxis(label);
        log.setLabelFont(LABEL);
        log.setTickLabelFont(TICK);
        log.setBase(10);
        return log;
    }

    /** {@link LogAxis} with ticks at round values. */
    static final class DecadeLogAxis extends LogAxis {
        private static final long serialVersionUID = 1L;

        DecadeLogAxis(String label) {
            super(label);
        }

        /**
         * The range of the positive values drawn against this axis, with a margin of 4% of it (in decades) on each
         * side, or a fifth of a decade around a single value: JFreeChart's own range reached down to 1e-100 for a
         * value ≤ 0 (which a log scale cannot show), squashing every curve to a line at the top, and cut the end
         * markers in half.
         */
        @Override
        protected void autoAdjustRange() {
            double[] r = positiveRange();
            if (r == null) {
                super.autoAdjustRange();
                return;
            }
            double a = Math.log10(r[0]);
            double b = Math.log10(r[1]);
            double margin = b - a < 1e-9 ? 0.1 : 0.04 * (b - a);
            setRange(new org.jfree.data.Range(Math.pow(10, a - margin), Math.pow(10, b + margin)), false, false);
        }

        /** The smallest and largest finite positive values the plot draws against this axis, or null. */
        private double[] positiveRange() {
            if (!(getPlot() instanceof XYPlot plot)) {
                return null;
            }
            java.util.DoubleSummaryStatistics v = plotValues(plot, plot.getDomainAxisIndex(this) >= 0, true)
                    .filter(x -> Double.isFinite(x) && x > 0).summaryStatistics();
            return v.getCount() > 0 ? new double[] {v.getMin(), v.getMax()} : null;
        }

        @Override
        @SuppressWarnings("rawtypes")
        protected java.util.List refreshTicksVertical(java.awt.Graphics2D g2, java.awt.geom.Rectangle2D dataArea,
                org.jfree.chart.ui.RectangleEdge edge) {
            return roundTicks(edge == org.jfree.chart.ui.RectangleEdge.LEFT ? org.jfree.chart.ui.TextAnchor.CENTER_RIGHT
                    : org.jfree.chart.ui.TextAnchor.CENTER_LEFT, dataArea.getHeight() / VERTICAL_LABEL_PX);
        }

        @Override
        @SuppressWarnings("rawtypes")
        protected java.util.List refreshTicksHorizontal(java.awt.Graphics2D g2, java.awt.geom.Rectangle2D dataArea,
                org.jfree.chart.ui.RectangleEdge edge) {
            return roundTicks(edge == org.jfree.chart.ui.RectangleEdge.BOTTOM ? org.jfree.chart.ui.TextAnchor.TOP_CENTER
                    : org.jfree.chart.ui.TextAnchor.BOTTOM_CENTER, dataArea.getWidth() / HORIZONTAL_LABEL_PX);
        }

        /** The room one tick label takes along a vertical axis (its line height and a gap), in pixels. */
        private static final double VERTICAL_LABEL_PX = 22;
        /** The room one tick label ("2e-5") takes along a horizontal axis, in pixels. */
        private static final double HORIZONTAL_LABEL_PX = 50;
        /** Never more labels than this on one axis, however long. */
        private static final int MAX_LABELS = 10;

        /**
         * Round values m × 10^k, roundest first: 1; then 2 and 5; 3; 1.5, 4, 6–9; then 1.2–1.8, 2.5, 3.5, 4.5.
         */
        private static final double[][] ROUNDNESS = {{1}, {2, 5}, {3}, {1.5, 4, 6, 7, 8, 9},
            {1.2, 1.4, 1.6, 1.8, 2.5, 3.5, 4.5}};

        /**
         * The values to label on the axis range [lo, hi] with room for {@code fits} labels: round values, the
         * roundest first, each taken where it lies at least one label's room (and a tenth of the axis) from those
         * already taken. A decade then gets a label wherever there is room for one per decade, and a short range
         * (3.3 to 24, 0.85 to 1.45) gets the less round values near its ends (4, 1.4) that keep the curve's ends
         * readable. Fewer than three (0.33 to 0.39 holds none) leave the axis to evenly spaced labels.
         */
        static java.util.List<Double> roundValues(double lo, double hi, double fits) {
            java.util.List<Double> taken = new ArrayList<>();
            if (!(lo > 0) || !(hi > lo)) {
                return taken;
            }
            double a = Math.log10(lo);
            double b = Math.log10(hi);
            double gap = (b - a) / Math.min(MAX_LABELS, Math.max(2, fits)) * (1 - 1e-9);
            int k0 = (int) Math.floor(a);
            int k1 = (int) Math.ceil(b);
            for (double[] rank : ROUNDNESS) {
                for (int k = k0; k <= k1; k++) {
                    for (double m : rank) {
                        double v = m * Math.pow(10, k);
                        double at = Math.log10(v);
                        if (at < a - 1e-9 || at > b + 1e-9) {
                            continue;
                        }
                        if (taken.stream().allMatch(t -> Math.abs(Math.log10(t) - at) >= gap)) {
                            taken.add(v);
                        }
                    }
                }
            }
            java.util.Collections.sort(taken);
            return taken;
        }

        private java.util.List<org.jfree.chart.axis.NumberTick> roundTicks(org.jfree.chart.ui.TextAnchor anchor,
                double fits) {
            double lo = getRange().getLowerBound();
            double hi = getRange().getUpperBound();
            java.util.List<org.jfree.chart.axis.NumberTick> ticks = new ArrayList<>();
            java.util.List<Double> round = roundValues(lo, hi, fits);
            boolean linear = round.size() < 3 && lo > 0 && hi > lo;
            for (double v : linear ? linearTicks(lo, hi) : round) {
                ticks.add(new org.jfree.chart.axis.NumberTick(org.jfree.chart.axis.TickType.MAJOR, v,
                        linear ? format(v, linearStep(lo, hi)) : format(v), anchor, anchor, 0.0));
            }
            return ticks;
        }

        /** A step of 1, 2, 2.5 or 5 × 10^k that cuts [lo, hi] into about five. */
        static double linearStep(double lo, double hi) {
            double raw = (hi - lo) / 5;
            double p = Math.pow(10, Math.floor(Math.log10(raw)));
            for (double m : new double[] {1, 2, 2.5, 5}) {
                if (m * p >= raw) {
                    return m * p;
                }
            }
            return 10 * p;
        }

        /** The multiples of {@link #linearStep} in [lo, hi]. */
        static java.util.List<Double> linearTicks(double lo, double hi) {
            double step = linearStep(lo, hi);
            java.util.List<Double> out = new ArrayList<>();
            for (long i = (long) Math.ceil(lo / step - 1e-9); i * step <= hi * (1 + 1e-9); i++) {
                out.add(i * step);
            }
            return out;
        }

        /**
         * v (positive) with as many digits as the tick spacing {@code step} needs: 0.335 beside 0.34, and beyond plain
         * numbers a mantissa as precise, 1.2345e6 beside 1.2346e6 (never 1.23e6 twice).
         */
        static String format(double v, double step) {
            if (v >= 1e-3 && v < 1e5) {
                return new java.math.BigDecimal(v).setScale(decimals(step), java.math.RoundingMode.HALF_EVEN)
                        .stripTrailingZeros().toPlainString();
            }
            int k = (int) Math.floor(Math.log10(v) + 1e-9);
            java.math.BigDecimal m = new java.math.BigDecimal(v / Math.pow(10, k)).setScale(decimals(step
                    / Math.pow(10, k)), java.math.RoundingMode.HALF_EVEN);
            if (m.compareTo(java.math.BigDecimal.TEN) >= 0) { // 9.9996 to 10.000: the next decade's 1
                m = m.movePointLeft(1);
                k++;
            }
            return m.stripTrailingZeros().toPlainString() + "e" + k;
        }

        /** The decimals a spacing of {@code step} needs: those of its leading digit, one more for 2.5 × 10^k. */
        private static int decimals(double step) {
            double lead = step / Math.pow(10, Math.floor(Math.log10(step) + 1e-9));
            return Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9) + (Math.abs(lead - 2.5) < 1e-9 ? 1 : 0));
        }

        static String format(double v) {
            if (v >= 1e-3 && v < 1e5) {
                return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
            }
            int k = (int) Math.floor(Math.log10(v) + 1e-9);
            // the mantissa to three digits (ticks fall at 1.5 or 1.2 × 10^k too), written 2e-4 or 1.5e-4
            String m = new java.math.BigDecimal(v / Math.pow(10, k)).round(new java.math.MathContext(3))
                    .stripTrailingZeros().toPlainString();
            return m.equals("10") ? "1e" + (k + 1) : m + "e" + k;
        }
    }

    /**
     * A heat map of z[i][j] at (x[i], y[j]) on a regular grid, coloured by viridis, with a colour bar
     * labelled {@code zLabel} on the right and {@code contours} equally spaced white level lines (their
     * density shows where the surface is steep). Non-finite values are drawn white. The colours are one
     * embedded image, so the SVG stays small.
     */
    public static JFreeChart heatMap(String title, String xLabel, String yLabel, String zLabel,
            double[] x, double[] y, double[][] z, int contours) {
        double[] r = range(z);
        double lo = r[0];
        double hi = r[1];
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        PaintScale scale = viridis(lo, hi);
        BufferedImage image = new BufferedImage(x.length, y.length, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < y.length; j++) {
                Color c = Double.isFinite(z[i][j]) ? (Color) scale.getPaint(z[i][j]) : Color.WHITE;
                image.setRGB(i, y.length - 1 - j, c.getRGB());
            }
        }
        XYPlot plot = new XYPlot(new XYSeriesCollection(), axis(xLabel), axis(yLabel),
                new XYLineAndShapeRenderer());
        plot.getDomainAxis().setRange(x[0] - step(x) / 2, x[x.length - 1] + step(x) / 2);
        plot.getRangeAxis().setRange(y[0] - step(y) / 2, y[y.length - 1] + step(y) / 2);
        plot.setBackgroundImage(image);
        plot.setBackgroundImageAlignment(Align.FIT);
        plot.setBackgroundImageAlpha(1f);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        BasicStroke thin = new BasicStroke(0.8f);
        Color line = new Color(255, 255, 255, 170);
        for (int c = 1; c <= contours; c++) {
            double level = lo + (hi - lo) * c / (contours + 1);
            for (double[] seg : contourSegments(x, y, z, level)) {
                plot.addAnnotation(new XYLineAnnotation(seg[0], seg[1], seg[2], seg[3], thin, line));
            }
        }
        JFreeChart chart = styled(new JFreeChart(title, TITLE, plot, false));
        plot.setBackgroundPaint(null);
        chart.addSubtitle(colourBar(plot, scale, zLabel, lo, hi));
        return chart;
    }

    /** The level set z = level as line segments {x1, y1, x2, y2}, by marching squares. */
    static List<double[]> contourSegments(double[] x, double[] y, double[][] z, double level) {
        List<double[]> segments = new ArrayList<>();
        int[][] corner = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
        for (int i = 0; i + 1 < x.length; i++) {
            for (int j = 0; j + 1 < y.length; j++) {
                List<double[]> crossings = new ArrayList<>(4);
                for (int e = 0; e < 4; e++) {
                    int[] a = corner[e];
                    int[] b = corner[(e + 1) % 4];
                    double za = z[i + a[0]][j + a[1]] - level;
                    double zb = z[i + b[0]][j + b[1]] - level;
                    if (Double.isFinite(za) && Double.isFinite(zb) && (za < 0) != (zb < 0)) {
                        double t = za / (za - zb);
                        double xa = x[i + a[0]];
                        double ya = y[j + a[1]];
                        crossings.add(new double[] {
                            xa + t * (x[i + b[0]] - xa), ya + t * (y[j + b[1]] - ya)});
                    }
                }
                for (int c = 0; c + 1 < crossings.size(); c += 2) {
                    double[] p = crossings.get(c);
                    double[] q = crossings.get(c + 1);
                    segments.add(new double[] {p[0], p[1], q[0], q[1]});
                }
            }
        }
        return segments;
    }

    /**
     * Arrows (dx[i][j], dy[i][j]) drawn from the grid points (x[i], y[j]) as matplotlib's {@code quiver} draws
     * them by default: in screen units, dx across and dy up, all with one scale, so that the drawn length
     * is proportional to the vector's norm √(dx² + dy²) whatever the axes' units per pixel (in data units an
     * arrow along an axis drawn with more pixels per unit would look longer). The scale is set when the
     * chart is drawn, from the plot's size: the longest arrow spans 0.9 of the smaller side of a grid cell
     * on the page.
     */
    public static JFreeChart vectorField(String title, String xLabel, String yLabel, double[] x, double[] y,
            double[][] dx, double[][] dy) {
        double sx = step(x);
        double sy = step(y);
        double longest = 0;
        VectorSeries arrows = new VectorSeries(title);
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < y.length; j++) {
                longest = Math.max(longest, Math.hypot(dx[i][j], dy[i][j]));
                arrows.add(x[i], y[j], dx[i][j], dy[i][j]);
            }
        }
        VectorSeriesCollection data = new VectorSeriesCollection();
        data.addSeries(arrows);
        ScreenArrows renderer = new ScreenArrows(sx, sy, longest);
        renderer.setSeriesPaint(0, SERIES[0]);
        XYPlot plot = new XYPlot(data, axis(xLabel), axis(yLabel), renderer);
        plot.getDomainAxis().setRange(x[0] - sx, x[x.length - 1] + sx);
        plot.getRangeAxis().setRange(y[0] - sy, y[y.length - 1] + sy);
        return styled(new JFreeChart(title, TITLE, plot, false));
    }

    /** {@link #vectorField}'s arrows: a line and an open head, in pixels, one pixels-per-norm scale for all. */
    static final class ScreenArrows extends VectorRenderer {
        private static final long serialVersionUID = 1L;
        private final double cellX;
        private final double cellY;
        private final double longest;

        ScreenArrows(double cellX, double cellY, double longest) {
            this.cellX = cellX;
            this.cellY = cellY;
            this.longest = longest;
        }

        /** Pixels per unit of norm in this data area: the longest arrow spans 0.9 of the smaller cell side. */
        double pixelsPerNorm(Rectangle2D area, XYPlot plot) {
            double cx = Math.abs(plot.getDomainAxis().lengthToJava2D(cellX, area, plot.getDomainAxisEdge()));
            double cy = Math.abs(plot.getRangeAxis().lengthToJava2D(cellY, area, plot.getRangeAxisEdge()));
            return longest > 0 ? 0.9 * Math.min(cx, cy) / longest : 0;
        }

        @Override
        public void drawItem(Graphics2D g2, org.jfree.chart.renderer.xy.XYItemRendererState state,
                Rectangle2D dataArea, org.jfree.chart.plot.PlotRenderingInfo info, XYPlot plot,
                org.jfree.chart.axis.ValueAxis domainAxis, org.jfree.chart.axis.ValueAxis rangeAxis,
                org.jfree.data.xy.XYDataset dataset, int series, int item,
                org.jfree.chart.plot.CrosshairState crosshairState, int pass) {
            org.jfree.data.xy.VectorXYDataset v = (org.jfree.data.xy.VectorXYDataset) dataset;
            double x0 = domainAxis.valueToJava2D(v.getXValue(series, item), dataArea, plot.getDomainAxisEdge());
            double y0 = rangeAxis.valueToJava2D(v.getYValue(series, item), dataArea, plot.getRangeAxisEdge());
            double k = pixelsPerNorm(dataArea, plot);
            double ux = k * v.getVectorXValue(series, item);
            double uy = -k * v.getVectorYValue(series, item); // screen y grows downwards
            double len = Math.hypot(ux, uy);
            if (!(len > 0) || !Double.isFinite(len)) {
                return;
            }
            g2.setPaint(getItemPaint(series, item));
            g2.setStroke(new BasicStroke(1.2f));
            g2.draw(new java.awt.geom.Line2D.Double(x0, y0, x0 + ux, y0 + uy));
            double head = Math.min(6, 0.35 * len);
            double angle = Math.atan2(uy, ux);
            java.awt.geom.Path2D.Double tip = new java.awt.geom.Path2D.Double();
            tip.moveTo(x0 + ux - head * Math.cos(angle - 0.4), y0 + uy - head * Math.sin(angle - 0.4));
            tip.lineTo(x0 + ux, y0 + uy);
            tip.lineTo(x0 + ux - head * Math.cos(angle + 0.4), y0 + uy - head * Math.sin(angle + 0.4));
            g2.draw(tip);
        }
    }

    /** Writes {@code base.png} and {@code base.svg} of one chart; returns both paths. */
    public static List<Path> save(Path base, JFreeChart chart, int width, int height) {
        return savePanels(base, List.of(chart), 1, width, height);
    }

    /**
     * Draws the charts as a grid of panels, {@code columns} wide, each {@code panelWidth × panelHeight},
     * into {@code base.png} and {@code base.svg}; returns both paths.
     */
    public static List<Path> savePanels(Path base, List<JFreeChart> charts, int columns, int panelWidth,
            int panelHeight) {
        return savePanels(base, charts, columns, panelWidth, panelHeight, null);
    }

    /**
     * The same with a heading above the panels (a figure's title, so that a PNG or SVG read on its own says
     * what it shows: which runs, at which fixed settings); none when {@code heading} is null.
     */
    public static List<Path> savePanels(Path base, List<JFreeChart> charts, int columns, int panelWidth,
            int panelHeight, String heading) {
        int rows = (charts.size() + columns - 1) / columns;
        int width = columns * panelWidth;
        List<String> lines = headingLines(heading, width);
        int top = lines.isEmpty() ? 0 : HEADING_PAD + HEADING_LINE * lines.size();
        int height = rows * panelHeight + top;
        Path png = base.resolveSibling(base.getFileName() + ".png");
        Path svg = base.resolveSibling(base.getFileName() + ".svg");

        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        drawPanels(g, charts, columns, panelWidth, panelHeight, width, height, lines);
        g.dispose();
        AtomicFiles.write(png, out -> ImageIO.write(image, "png", out));

        SVGGraphics2D s = new SVGGraphics2D(width, height);
        drawPanels(s, charts, columns, panelWidth, panelHeight, width, height, lines);
        String doc = s.getSVGDocument();
        AtomicFiles.write(svg, out -> out.write(doc.getBytes(StandardCharsets.UTF_8)));
        List<Path> written = new ArrayList<>();
        written.add(png);
        written.add(svg);
        return written;
    }

    private static final int HEADING_LINE = 22;
    private static final int HEADING_PAD = 12;
    private static final int HEADING_MAX_LINES = 3;
    private static final Font HEADING = new Font(Font.SANS_SERIF, Font.BOLD, 17);

    /**
     * The text with each "key = value" (a setting and its value, "α = 1" of a loss) joined by non-breaking
     * spaces, so that a title or caption never breaks a line inside it ("(epochs =" above "2)").
     */
    static String keepSettingsTogether(String text) {
        return text.replace(" = ", "\u00a0=\u00a0");
    }

    /**
     * A heading broken at spaces into lines that fit the figure's width (at most three, the last shortened
     * with "…" only if even three do not hold it), never inside a "key = value"; none for a null heading.
     */
    static List<String> headingLines(String heading, int width) {
        List<String> lines = new ArrayList<>();
        if (heading == null) {
            return lines;
        }
        Graphics2D probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        java.awt.FontMetrics fm = probe.getFontMetrics(HEADING);
        probe.dispose();
        int room = width - 20;
        StringBuilder line = new StringBuilder();
        for (String word : keepSettingsTogether(heading).split(" ")) {
            String tried = line.length() == 0 ? word : line + " " + word;
            if (fm.stringWidth(tried) <= room || line.length() == 0) {
                line = new StringBuilder(tried);
            } else {
                lines.add(line.toString());
                line = new StringBuilder(word);
            }
        }
        lines.add(line.toString());
        if (lines.size() > HEADING_MAX_LINES) {
            String last = String.join(" ", lines.subList(HEADING_MAX_LINES - 1, lines.size()));
            lines = new ArrayList<>(lines.subList(0, HEADING_MAX_LINES - 1));
            lines.add(last);
        }
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i);
            while (fm.stringWidth(text) > room && text.length() > 4) {
                text = text.substring(0, text.length() - 4) + "…";
            }
            lines.set(i, text.replace('\u00a0', ' '));
        }
        return lines;
    }

    private static void drawPanels(Graphics2D g, List<JFreeChart> charts, int columns, int pw, int ph,
            int width, int height, List<String> heading) {
        g.setPaint(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int top = 0;
        if (!heading.isEmpty()) {
            top = HEADING_PAD + HEADING_LINE * heading.size();
            g.setPaint(Color.BLACK);
            g.setFont(HEADING);
            java.awt.FontMetrics fm = g.getFontMetrics();
            for (int i = 0; i < heading.size(); i++) {
                String text = heading.get(i);
                g.drawString(text, Math.max(10, (width - fm.stringWidth(text)) / 2), 24 + HEADING_LINE * i);
            }
        }
        for (int c = 0; c < charts.size(); c++) {
            int x = (c % columns) * pw;
            int y = top + (c / columns) * ph;
            charts.get(c).draw(g, new Rectangle2D.Double(x, y, pw, ph));
        }
    }

    private static NumberAxis axis(String label) {
        NumberAxis a = new ReadableAxis(label);
        a.setAutoRangeIncludesZero(false);
        a.setLabelFont(LABEL);
        a.setTickLabelFont(TICK);
        return a;
    }

    /**
     * A linear axis with ticks at 1, 2, 2.5 or 5 × 10^k at any scale, labelled as the log axes are (0.25, 1.5e5,
     * -5e-9), whose range never shrinks to a point: values that are all the same (one probe, a metric constant to the
     * last digit) get ±5% around them (±1 around 0), where JFreeChart's own range of 1e-8 gave ten labels reading
     * "8.04E1" alike.
     */
    static final class ReadableAxis extends NumberAxis {
        private static final long serialVersionUID = 1L;

        /** At most this many tick spacings along the axis: JFreeChart's own choice packs them a label apart. */
        private static final int MAX_TICKS = 10;

        ReadableAxis(String label) {
            super(label);
            setStandardTickUnits(TICK_UNITS);
        }

        @Override
        protected void selectAutoTickUnit(Graphics2D g2, Rectangle2D dataArea, RectangleEdge edge) {
            super.selectAutoTickUnit(g2, dataArea, edge);
            org.jfree.chart.axis.NumberTickUnit unit = getTickUnit();
            for (int i = 0; i < 100 && getRange().getLength() / unit.getSize() > MAX_TICKS; i++) {
                if (!(getStandardTickUnits().getLargerTickUnit(unit) instanceof org.jfree.chart.axis.NumberTickUnit
                        larger) || larger.getSize() <= unit.getSize()) {
                    break;
                }
                unit = larger;
            }
            setTickUnit(unit, false, false);
        }

        @Override
        protected void autoAdjustRange() {
            super.autoAdjustRange();
            if (!(getPlot() instanceof org.jfree.chart.plot.ValueAxisPlot plot)) {
                return;
            }
            org.jfree.data.Range data = plot.getDataRange(this);
            if (data == null) {
                return;
            }
            double size = Math.max(Math.abs(data.getLowerBound()), Math.abs(data.getUpperBound()));
            if (Double.isFinite(size) && data.getLength() <= 1e-9 * size || size == 0) {
                double half = size > 0 ? 0.05 * size : 1;
                setRange(new org.jfree.data.Range(data.getCentralValue() - half, data.getCentralValue() + half), false,
                        false);
            }
        }
    }

    /** Tick spacings m × 10^k (m = 1, 2, 2.5, 5) from 1e-100 to 5e100, each labelled by {@link #tickLabel}. */
    private static final org.jfree.chart.axis.TickUnits TICK_UNITS = new org.jfree.chart.axis.TickUnits();

    static {
        for (int k = -100; k <= 100; k++) {
            for (double m : new double[] {1, 2, 2.5, 5}) {
                double step = Double.parseDouble(m + "e" + k);
                TICK_UNITS.add(new org.jfree.chart.axis.NumberTickUnit(step, new java.text.NumberFormat() {
                    private static final long serialVersionUID = 1L;

                    @Override
                    public StringBuffer format(double v, StringBuffer to, java.text.FieldPosition at) {
                        return to.append(tickLabel(v, step));
                    }

                    @Override
                    public StringBuffer format(long v, StringBuffer to, java.text.FieldPosition at) {
                        return to.append(tickLabel(v, step));
                    }

                    @Override
                    public Number parse(String text, java.text.ParsePosition at) {
                        return null;
                    }
                }));
            }
        }
    }

    /** A linear axis' tick label: as many digits as the spacing needs, written as the log axes write theirs, 0 as 0. */
    static String tickLabel(double v, double step) {
        if (Math.abs(v) < step * 1e-6) {
            return "0"; // a multiple of the step that rounding left at 1e-17
        }
        String s = DecadeLogAxis.format(Math.abs(v), step);
        return v < 0 ? "-" + s : s;
    }

    private static JFreeChart styled(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(new RectangleInsets(6, 6, 6, 10));
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        plot.setOutlinePaint(Color.DARK_GRAY);
        if (chart.getLegend() != null) {
            chart.getLegend().setFrame(BlockBorder.NONE);
            chart.getLegend().setItemFont(LABEL);
        }
        return chart;
    }

    /**
     * The colour bar of {@code plot}, on the right, as tall as the plot's data area: the bottom axis's height is
     * measured once and fixed, and the bar leaves that much (with the plot's insets and axis offset) below it,
     * where it had reached down beside the axis's labels.
     */
    private static PaintScaleLegend colourBar(XYPlot plot, PaintScale scale, String label, double lo, double hi) {
        java.awt.Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        org.jfree.chart.axis.AxisSpace space;
        try {
            space = plot.getDomainAxis().reserveSpace(g, plot, new java.awt.geom.Rectangle2D.Double(0, 0, 800, 600),
                    RectangleEdge.BOTTOM, null);
        } finally {
            g.dispose();
        }
        org.jfree.chart.axis.AxisSpace fixed = new org.jfree.chart.axis.AxisSpace();
        fixed.setBottom(Math.ceil(space.getBottom()));
        plot.setFixedDomainAxisSpace(fixed);
        RectangleInsets in = plot.getInsets();
        RectangleInsets offset = plot.getAxisOffset();
        NumberAxis a = axis(label);
        a.setRange(lo, hi);
        PaintScaleLegend legend = new PaintScaleLegend(scale, a);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
        legend.setStripWidth(14);
        legend.setSubdivisionCount(128);
        legend.setMargin(new RectangleInsets(in.getTop() + offset.getTop(), 6,
                in.getBottom() + fixed.getBottom() + offset.getBottom(), 4));
        legend.setBackgroundPaint(Color.WHITE);
        return legend;
    }

    /** Viridis between lo and hi, 256 steps. */
    static PaintScale viridis(double lo, double hi) {
        return lookup(VIRIDIS, lo, hi);
    }

    /** A 256-step scale from lo to hi through the anchors, evenly spaced. */
    private static PaintScale lookup(Color[] anchors, double lo, double hi) {
        LookupPaintScale scale = new LookupPaintScale(lo, hi, Color.WHITE);
        int steps = 256;
        for (int i = 0; i < steps; i++) {
            double t = i / (double) (steps - 1);
            scale.add(lo + t * (hi - lo), interpolate(anchors, t));
        }
        return scale;
    }

    private static Color interpolate(Color[] anchors, double t) {
        double pos = t * (anchors.length - 1);
        int i = Math.min((int) Math.floor(pos), anchors.length - 2);
        double f = pos - i;
        Color a = anchors[i];
        Color b = anchors[i + 1];
        return new Color(
                (int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
    }

    private static double step(double[] grid) {
        return grid.length > 1 ? (grid[grid.length - 1] - grid[0]) / (grid.length - 1) : 1;
    }
}
