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
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
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
            }
        }
        XYPlot plot = new XYPlot(data, axis(xLabel), axis(yLabel), renderer);
        plot.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD);
        return styled(new JFreeChart(title, TITLE, plot, true));
    }

    /** Puts the chart's x axis on a log scale (values ≤ 0 are left out by JFreeChart). */
    public static JFreeChart logX(JFreeChart chart) {
        XYPlot plot = chart.getXYPlot();
        plot.setDomainAxis(logAxis(plot.getDomainAxis().getLabel()));
        return chart;
    }

    /** A dashed vertical line at x with a label, e.g. a threshold from a paper. */
    public static JFreeChart verticalMarker(JFreeChart chart, double x, String label) {
        ValueMarker marker = new ValueMarker(x, Color.DARK_GRAY, new BasicStroke(1.2f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        marker.setLabel(label);
        marker.setLabelFont(TICK);
        marker.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        marker.setLabelTextAnchor(TextAnchor.TOP_RIGHT);
        chart.getXYPlot().addDomainMarker(marker);
        return chart;
    }

    /** Puts the chart's y axis on a log scale (values ≤ 0 are left out by JFreeChart). */
    public static JFreeChart logY(JFreeChart chart) {
        XYPlot plot = chart.getXYPlot();
        plot.setRangeAxis(logAxis(plot.getRangeAxis().getLabel()));
        return chart;
    }

    private static LogAxis logAxis(String label) {
        LogAxis log = new LogAxis(label);
        log.setLabelFont(LABEL);
        log.setTickLabelFont(TICK);
        log.setBase(10);
        return log;
    }

    /**
     * A heat map of z[i][j] at (x[i], y[j]) on a regular grid, coloured by viridis, with a colour bar
     * labelled {@code zLabel} on the right and {@code contours} equally spaced white level lines (their
     * density shows where the surface is steep). Non-finite values are drawn white. The colours are one
     * embedded image, so the SVG stays small.
     */
    public static JFreeChart heatMap(String title, String xLabel, String yLabel, String zLabel,
            double[] x, double[] y, double[][] z, int contours) {
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
        chart.addSubtitle(colourBar(scale, zLabel, lo, hi));
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
     * Arrows (dx[i][j], dy[i][j]) drawn from the grid points (x[i], y[j]), all scaled by one factor so
     * that the longest arrow spans {@code 0.9} grid cells: lengths stay proportional to the norms.
     */
    public static JFreeChart vectorField(String title, String xLabel, String yLabel, double[] x, double[] y,
            double[][] dx, double[][] dy) {
        double sx = step(x);
        double sy = step(y);
        double longest = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < y.length; j++) {
                longest = Math.max(longest, Math.hypot(dx[i][j] / sx, dy[i][j] / sy));
            }
        }
        double k = longest > 0 ? 0.9 / longest : 0;
        VectorSeries arrows = new VectorSeries(title);
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < y.length; j++) {
                arrows.add(x[i], y[j], k * dx[i][j], k * dy[i][j]);
            }
        }
        VectorSeriesCollection data = new VectorSeriesCollection();
        data.addSeries(arrows);
        VectorRenderer renderer = new VectorRenderer();
        renderer.setSeriesPaint(0, SERIES[0]);
        XYPlot plot = new XYPlot(data, axis(xLabel), axis(yLabel), renderer);
        plot.getDomainAxis().setRange(x[0] - sx, x[x.length - 1] + sx);
        plot.getRangeAxis().setRange(y[0] - sy, y[y.length - 1] + sy);
        return styled(new JFreeChart(title, TITLE, plot, false));
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
        int rows = (charts.size() + columns - 1) / columns;
        int width = columns * panelWidth;
        int height = rows * panelHeight;
        Path png = base.resolveSibling(base.getFileName() + ".png");
        Path svg = base.resolveSibling(base.getFileName() + ".svg");

        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        drawPanels(g, charts, columns, panelWidth, panelHeight, width, height);
        g.dispose();
        AtomicFiles.write(png, out -> ImageIO.write(image, "png", out));

        SVGGraphics2D s = new SVGGraphics2D(width, height);
        drawPanels(s, charts, columns, panelWidth, panelHeight, width, height);
        String doc = s.getSVGDocument();
        AtomicFiles.write(svg, out -> out.write(doc.getBytes(StandardCharsets.UTF_8)));
        List<Path> written = new ArrayList<>();
        written.add(png);
        written.add(svg);
        return written;
    }

    private static void drawPanels(Graphics2D g, List<JFreeChart> charts, int columns, int pw, int ph,
            int width, int height) {
        g.setPaint(Color.WHITE);
        g.fillRect(0, 0, width, height);
        for (int c = 0; c < charts.size(); c++) {
            int x = (c % columns) * pw;
            int y = (c / columns) * ph;
            charts.get(c).draw(g, new Rectangle2D.Double(x, y, pw, ph));
        }
    }

    private static NumberAxis axis(String label) {
        NumberAxis a = new NumberAxis(label);
        a.setAutoRangeIncludesZero(false);
        a.setLabelFont(LABEL);
        a.setTickLabelFont(TICK);
        return a;
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

    private static PaintScaleLegend colourBar(PaintScale scale, String label, double lo, double hi) {
        NumberAxis a = axis(label);
        a.setRange(lo, hi);
        PaintScaleLegend legend = new PaintScaleLegend(scale, a);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
        legend.setStripWidth(14);
        legend.setSubdivisionCount(128);
        legend.setMargin(new RectangleInsets(8, 6, 8, 4));
        legend.setBackgroundPaint(Color.WHITE);
        return legend;
    }

    /** Viridis between lo and hi, 256 steps. */
    static PaintScale viridis(double lo, double hi) {
        LookupPaintScale scale = new LookupPaintScale(lo, hi, Color.WHITE);
        int steps = 256;
        for (int i = 0; i < steps; i++) {
            double t = i / (double) (steps - 1);
            scale.add(lo + t * (hi - lo), interpolate(VIRIDIS, t));
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
