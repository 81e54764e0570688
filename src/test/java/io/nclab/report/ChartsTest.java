package io.nclab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The charts render headless into a readable PNG and an SVG; contours lie on the level set. */
class ChartsTest {

    /** Difference maps colour "better than CE" red: high differences for accuracy, low ones for NC1. */
    @Test
    void divergingScaleTurnsRoundWhereLowerIsBetter() {
        java.awt.Color high = (java.awt.Color) Charts.diverging(-1, 1, true).getPaint(0.95);
        java.awt.Color low = (java.awt.Color) Charts.diverging(-1, 1, false).getPaint(-0.95);
        for (java.awt.Color red : new java.awt.Color[] {high, low}) {
            assertTrue(red.getRed() > 150 && red.getBlue() < 100, red.toString());
        }
        java.awt.Color blue = (java.awt.Color) Charts.diverging(-1, 1, false).getPaint(0.95);
        assertTrue(blue.getBlue() > 150 && blue.getRed() < 100, blue.toString());
    }

    /** A heading wider than the figure wraps at spaces instead of losing its end. */
    @Test
    void longHeadingsWrap() {
        String heading = "Cosine-margin distribution of the training set (epochs 30, width 2, feature dimension d = 512,"
                + " every loss, both optimisers)";
        List<String> lines = Charts.headingLines(heading, 700);
        assertTrue(lines.size() >= 2 && lines.size() <= 3, lines.toString());
        assertEquals(heading, String.join(" ", lines));
        assertEquals(List.of("short"), Charts.headingLines("short", 700));
        assertTrue(Charts.headingLines(null, 700).isEmpty());
    }

    /**
     * A heading never breaks inside a "key = value": the audit's one-panel cosine-margin figure wrapped as
     * "(epochs =" above "2)".
     */
    @Test
    void headingsKeepASettingWithItsValue() {
        String heading = "Cosine-margin distribution of the training set (epochs = 2)";
        List<String> lines = Charts.headingLines(heading, SweepFigures.W);
        assertEquals(heading, String.join(" ", lines));
        assertEquals("(epochs = 2)", lines.get(lines.size() - 1), lines.toString());
        for (int width : new int[] {450, 500, 600, 700}) {
            String two = "Test accuracy per loss (width = 0.25, epochs = 10, feature dim d = 512, rescaled MSE (α = 1,"
                    + " M = 15))";
            List<String> wrapped = Charts.headingLines(two, width);
            assertEquals(two, String.join(" ", wrapped));
            for (String line : wrapped) {
                assertFalse(line.endsWith("=") || line.startsWith("="), width + ": " + wrapped);
                assertFalse(line.contains("\u00a0"), "drawn with plain spaces");
            }
        }
    }

    /** A line of two logged points shows them; a dashed reference line and a dense curve do not. */
    @Test
    void sparseLinesMarkTheirPointsButReferenceLinesDoNot() {
        double[] dense = new double[50];
        for (int i = 0; i < dense.length; i++) {
            dense[i] = i;
        }
        org.jfree.chart.JFreeChart c = Charts.dashed(Charts.lineChart("t", "iteration", "f", List.of(
                Charts.Series.line("objective f", new double[] {0, 37}, new double[] {2, 1}),
                Charts.Series.line("theory's optimum f*", new double[] {0, 37}, new double[] {1, 1}),
                Charts.Series.line("dense", dense, dense))), 1);
        var r = (org.jfree.chart.renderer.xy.XYLineAndShapeRenderer) c.getXYPlot().getRenderer();
        assertTrue(r.getSeriesShapesVisible(0));
        assertFalse(r.getSeriesShapesVisible(1));
        assertFalse(Boolean.TRUE.equals(r.getSeriesShapesVisible(2)));
    }

    /** A colour bar spans the plot's data area, top to bottom: it had reached down beside the x axis's labels. */
    @Test
    void colourBarsSpanThePlotNotTheAxis() {
        double[] x = {0, 1, 2, 3};
        double[] y = {0, 0.5, 1};
        double[][] z = new double[4][3];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                z[i][j] = i + j;
            }
        }
        String[] xs = {"a", "b", "c", "d"};
        String[] ys = {"p", "q", "r"};
        for (org.jfree.chart.JFreeChart chart : List.of(Charts.heatMap("heat", "x label", "y", "z", x, y, z, 2),
                Charts.cellMap("cells", "x label", xs, "y", ys, "z", z, 1, false, 0, 5))) {
            BufferedImage image = new BufferedImage(600, 450, BufferedImage.TYPE_INT_RGB);
            java.awt.Graphics2D g = image.createGraphics();
            org.jfree.chart.ChartRenderingInfo info = new org.jfree.chart.ChartRenderingInfo();
            chart.draw(g, new java.awt.geom.Rectangle2D.Double(0, 0, 600, 450), info);
            g.dispose();
            java.awt.geom.Rectangle2D data = info.getPlotInfo().getDataArea();
            // the bar: the column right of the data area with the most coloured (not grey) pixels, and their extent
            int best = -1;
            int top = -1;
            int bottom = -1;
            for (int px = (int) data.getMaxX() + 3; px < 600; px++) {
                int count = 0;
                int first = -1;
                int last = -1;
                for (int py = 0; py < 450; py++) {
                    if (coloured(image.getRGB(px, py))) {
                        count++;
                        first = first < 0 ? py : first;
                        last = py;
                    }
                }
                if (count > best) {
                    best = count;
                    top = first;
                    bottom = last;
                }
            }
            assertTrue(Math.abs(top - data.getMinY()) <= 3, chart.getTitle().getText() + ": bar top " + top
                    + ", data area top " + data.getMinY());
            assertTrue(Math.abs(bottom - data.getMaxY()) <= 3, chart.getTitle().getText() + ": bar bottom " + bottom
                    + ", data area bottom " + data.getMaxY());
        }
    }

    private static boolean coloured(int rgb) {
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        return Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 40;
    }

    @Test
    void panelsAreWrittenAsPngAndSvg(@TempDir Path dir) throws Exception {
        double[] x = {0, 1, 2, 3};
        double[] y = {0, 0.5, 1};
        double[][] z = new double[4][3];
        double[][] dx = new double[4][3];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                z[i][j] = x[i] * x[i] + y[j];
                dx[i][j] = -x[i];
            }
        }
        List<Path> files = Charts.savePanels(dir.resolve("fig"), List.of(
                Charts.heatMap("heat", "x", "y", "z", x, y, z, 3),
                Charts.vectorField("field", "x", "y", x, y, dx, dx),
                Charts.lineChart("lines", "x", "y", List.of(Charts.Series.line("a", x, x),
                        Charts.Series.points("b", x, x)))), 2, 300, 200);
        assertEquals(List.of(dir.resolve("fig.png"), dir.resolve("fig.svg")), files);
        BufferedImage png = ImageIO.read(dir.resolve("fig.png").toFile());
        assertEquals(600, png.getWidth());
        assertEquals(400, png.getHeight());
        String svg = Files.readString(dir.resolve("fig.svg"));
        assertTrue(svg.startsWith("<?xml") && svg.contains("<svg") && svg.contains("heat"));
    }

    @Test
    void contourSegmentsLieOnTheLevelSet() {
        double[] x = {0, 1, 2, 3, 4};
        double[] y = {0, 1, 2};
        double[][] z = new double[5][3];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 3; j++) {
                z[i][j] = 2 * x[i] + y[j];
            }
        }
        List<double[]> segs = Charts.contourSegments(x, y, z, 4.5);
        assertFalse(segs.isEmpty());
        for (double[] s : segs) {
            assertEquals(4.5, 2 * s[0] + s[1], 1e-12);
            assertEquals(4.5, 2 * s[2] + s[3], 1e-12);
        }
    }

    /** The tick labels a chart's y axis draws at its size. */
    static List<String> yTickLabels(org.jfree.chart.JFreeChart chart) {
        BufferedImage img = new BufferedImage(400, 300, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        java.awt.geom.Rectangle2D area = new java.awt.geom.Rectangle2D.Double(0, 0, 400, 300);
        chart.draw(g, area);
        org.jfree.chart.axis.ValueAxis axis = chart.getXYPlot().getRangeAxis();
        List<String> labels = new java.util.ArrayList<>();
        for (Object t : axis.refreshTicks(g, new org.jfree.chart.axis.AxisState(), area,
                org.jfree.chart.ui.RectangleEdge.LEFT)) {
            labels.add(((org.jfree.chart.axis.ValueTick) t).getText());
        }
        g.dispose();
        return labels;
    }

    @Test
    void aLogAxisOverANarrowRangeStillHasReadableTicks(@TempDir Path dir) throws Exception {
        double[] x = {1, 2, 3, 4, 5};
        double[] narrow = {0.39, 0.37, 0.35, 0.34, 0.33}; // an NC2 curve: 0.33 to 0.39, no round value inside
        org.jfree.chart.JFreeChart c = Charts.logY(Charts.bandChart("NC2", "epoch", "NC2", List.of(
                new Charts.Band("ce", x, narrow, narrow, narrow))));
        List<String> labels = yTickLabels(c);
        assertTrue(labels.size() >= 3, "labels: " + labels);
        assertEquals(labels.size(), new java.util.HashSet<>(labels).size(), "distinct: " + labels);
        for (String l : labels) {
            double v = Double.parseDouble(l);
            assertTrue(v > 0.3 && v < 0.42, labels.toString());
        }
        Charts.savePanels(dir.resolve("nc2"), List.of(c), 1, 400, 300);
        assertTrue(Files.size(dir.resolve("nc2.png")) > 0);
        // a wide range keeps its round values
        double[] wide = {3, 1, 0.3, 0.1, 0.03};
        assertTrue(yTickLabels(Charts.logY(Charts.bandChart("NC1", "epoch", "NC1", List.of(
                new Charts.Band("ce", x, wide, wide, wide))))).containsAll(List.of("0.1", "1")));
        assertEquals("0.325", Charts.DecadeLogAxis.format(0.325, 0.025));
        assertEquals("0.34", Charts.DecadeLogAxis.format(0.34000000001, 0.01));
        // beyond plain numbers: mantissa and exponent, the mantissa as precise as the tick (1.5 is not 2)
        assertEquals("2e-4", Charts.DecadeLogAxis.format(2e-4));
        assertEquals("1.5e-4", Charts.DecadeLogAxis.format(1.5e-4));
        assertEquals("1e-5", Charts.DecadeLogAxis.format(1e-5));
        assertEquals("1e-5", Charts.DecadeLogAxis.format(9.9999999e-6));
        assertEquals("2.5e5", Charts.DecadeLogAxis.format(2.5e5));
    }

    /**
     * A curve of one value (a run with one probe, a metric constant to the last digit) gets a readable linear axis:
     * distinct labels around the value, not ten labels reading "8.04E1"; all zeros get -1..1; round-off around zero
     * is labelled 2e-9, never in Java's E-notation, and no axis gets more than eleven labels.
     */
    @Test
    void aSingleValueGetsAReadableAxis() {
        double[] x = {1};
        double[] v = {80.4};
        List<String> labels = yTickLabels(Charts.bandChart("accuracy", "epoch", "%", List.of(
                new Charts.Band("ce", x, v, v, v))));
        assertTrue(labels.size() >= 3 && labels.size() <= 11, labels.toString());
        assertEquals(labels.size(), new java.util.HashSet<>(labels).size(), "distinct: " + labels);
        assertTrue(labels.contains("80"), labels.toString());
        List<String> zero = yTickLabels(Charts.lineChart("z", "x", "y", List.of(Charts.Series.line("ce",
                new double[] {1, 2}, new double[] {0, 0}))));
        assertTrue(zero.containsAll(List.of("-1", "0", "1")), zero.toString());
        for (String l : zero) {
            assertTrue(Math.abs(Double.parseDouble(l)) <= 1, zero.toString());
        }
        List<String> roundOff = yTickLabels(Charts.lineChart("e", "p", "λ", List.of(Charts.Series.points("ce",
                new double[] {1, 2, 3}, new double[] {1e-17, -2e-17, 0}))));
        assertTrue(roundOff.size() <= 11, roundOff.toString());
        for (String l : roundOff) {
            assertFalse(l.contains("E"), roundOff.toString());
        }
        assertEquals("-5e-9", Charts.tickLabel(-5e-9, 1e-9));
        assertEquals("0", Charts.tickLabel(1e-25, 0.5));
        assertEquals("0.25", Charts.tickLabel(0.25, 0.25));
        assertEquals("-1.5", Charts.tickLabel(-1.5, 0.5));
        // beyond plain numbers, the mantissa as precise as the step: ticks 20 apart near 1.2345e6 read apart
        assertEquals("1.2345e6", Charts.tickLabel(1234500, 20));
        assertEquals("1.23452e6", Charts.tickLabel(1234520, 20));
        assertEquals("1.0001e-4", Charts.tickLabel(1.0001e-4, 1e-8));
        assertEquals("1.25e6", Charts.tickLabel(1.25e6, 2.5e5));
        assertEquals("1e6", Charts.tickLabel(999999.99999, 1e3));
        List<String> big = yTickLabels(Charts.lineChart("b", "x", "y", List.of(Charts.Series.line("s",
                new double[] {1, 2}, new double[] {1234500, 1234600}))));
        assertEquals(big.size(), new java.util.HashSet<>(big).size(), "distinct: " + big);
    }

    /**
     * A log axis spans the positive values only, says how many values ≤ 0 it leaves out, and a NaN breaks a curve
     * instead of being bridged.
     */
    @Test
    void aLogAxisLeavesOutWhatItCannotShowAndSaysSo() {
        double[] x = {0, 1, 2, 3};
        double[] y = {1.8, 0, 0.72, 0.68};
        org.jfree.chart.JFreeChart c = Charts.logY(Charts.bandChart("NC3", "epoch", "NC3", List.of(
                new Charts.Band("ce", x, y, y, y))));
        List<String> labels = yTickLabels(c);
        for (String l : labels) {
            double v = Double.parseDouble(l);
            assertTrue(v > 0.5 && v < 2.5, "the range follows the positive values, not 1e-100: " + labels);
        }
        assertTrue(c.getSubtitles().stream().anyMatch(t -> t instanceof org.jfree.chart.title.TextTitle tt
                && tt.getText().equals("1 value ≤ 0 left out of the log scale")), "a note says so");
        // a NaN in the middle: two stretches, one legend entry
        double[] gap = {1.8, 1.7, Double.NaN, 0.7};
        org.jfree.chart.JFreeChart b = Charts.bandChart("NC1", "epoch", "NC1", List.of(new Charts.Band("ce", x, gap,
                gap, gap)));
        assertEquals(2, b.getXYPlot().getDataset().getSeriesCount());
        assertEquals(1, b.getXYPlot().getLegendItems().getItemCount());
        org.jfree.chart.JFreeChart l = Charts.lineChart("NC1", "epoch", "NC1", List.of(Charts.Series.line("ce", x,
                gap)));
        assertTrue(Double.isNaN(l.getXYPlot().getDataset().getYValue(0, 2)), "the line breaks at the NaN");
    }

    /** Pixels of the chart drawn at 500 × 320 in the colour of its first series (#1f77b4, to within 40 per channel). */
    private static int firstSeriesPixels(org.jfree.chart.JFreeChart chart) {
        BufferedImage img = new BufferedImage(500, 320, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        chart.draw(g, new java.awt.geom.Rectangle2D.Double(0, 0, 500, 320));
        g.dispose();
        int n = 0;
        for (int x = 0; x < img.getWidth(); x++) {
            for (int y = 0; y < img.getHeight(); y++) {
                java.awt.Color c = new java.awt.Color(img.getRGB(x, y));
                n += Math.abs(c.getRed() - 0x1f) < 40 && Math.abs(c.getGreen() - 0x77) < 40
                        && Math.abs(c.getBlue() - 0xb4) < 40 ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * A reference line's label never covers the data: a curve just above CM = 0 over its whole length (where the
     * cosine-margin figure is read, and where the label's box used to sit) is drawn in full, and the label is
     * in the legend.
     */
    @Test
    void aMarkersLabelCoversNoCurve() {
        double[] x = new double[41];
        double[] above = new double[41];
        double[] low = new double[41];
        for (int i = 0; i < x.length; i++) {
            x[i] = i / 40.0;
            above[i] = 0.03;
            low[i] = -1;
        }
        java.util.function.Supplier<org.jfree.chart.JFreeChart> chart = () -> Charts.bandChart("P_CM", "fraction",
                "CM", List.of(new Charts.Band("d = 3", x, above, above, above), new Charts.Band("d = 16", x, low, low,
                        low)));
        int bare = firstSeriesPixels(chart.get());
        org.jfree.chart.JFreeChart marked = Charts.horizontalMarker(chart.get(), 0, "CM = 0 (decision boundary)");
        int withMarker = firstSeriesPixels(marked);
        assertTrue(bare > 300 && withMarker >= 0.98 * bare, "curve pixels " + withMarker + " of " + bare);
        List<String> legend = new java.util.ArrayList<>();
        org.jfree.chart.LegendItemCollection items = marked.getXYPlot().getLegendItems();
        for (int i = 0; i < items.getItemCount(); i++) {
            legend.add(items.get(i).getLabel());
        }
        assertEquals(List.of("d = 3", "d = 16", "CM = 0 (decision boundary)"), legend);
        org.jfree.chart.JFreeChart vertical = Charts.verticalMarker(chart.get(), 0.8, "a threshold");
        assertTrue(firstSeriesPixels(vertical) >= 0.95 * bare);
    }

    /** A marker's line stays on the chart where every curve is on one side of it, and the curves' range is kept. */
    @Test
    void aMarkerIsInsideTheAxisRange() {
        double[] x = new double[41];
        double[] y = new double[41];
        for (int i = 0; i < x.length; i++) {
            x[i] = i / 40.0;
            y[i] = 0.2 + 0.6 * x[i];
        }
        java.util.function.Supplier<org.jfree.chart.JFreeChart> chart = () -> Charts.bandChart("P_CM", "fraction",
                "CM", List.of(new Charts.Band("d = 3", x, y, y, y)));
        assertTrue(chart.get().getXYPlot().getRangeAxis().getLowerBound() > 0.1, "the curve alone starts above 0");
        org.jfree.chart.JFreeChart marked = Charts.horizontalMarker(chart.get(), 0, "CM = 0 (decision boundary)");
        org.jfree.chart.axis.ValueAxis range = marked.getXYPlot().getRangeAxis();
        assertTrue(range.getLowerBound() <= 0 && range.getUpperBound() >= 0.8, range.getRange().toString());
        org.jfree.chart.axis.ValueAxis domain = marked.getXYPlot().getDomainAxis();
        assertTrue(domain.getLowerBound() <= 0 && domain.getUpperBound() >= 1 && domain.getUpperBound() < 1.2,
                domain.getRange().toString());
        org.jfree.chart.JFreeChart vertical = Charts.verticalMarker(chart.get(), 1.5, "a threshold");
        assertTrue(vertical.getXYPlot().getDomainAxis().getUpperBound() >= 1.5);
        assertEquals(List.of("d = 3", "CM = 0 (decision boundary)"), java.util.stream.IntStream.range(0,
                marked.getXYPlot().getLegendItems().getItemCount()).mapToObj(i -> marked.getXYPlot().getLegendItems()
                .get(i).getLabel()).toList());
    }

    /** The labels a cell map writes in its cells, in no particular order. */
    private static List<String> cellTexts(org.jfree.chart.JFreeChart chart) {
        List<String> texts = new java.util.ArrayList<>();
        for (Object a : chart.getXYPlot().getAnnotations()) {
            texts.add(((org.jfree.chart.annotations.XYTextAnnotation) a).getText());
        }
        java.util.Collections.sort(texts);
        return texts;
    }

    /** Heat-map cells never read "-0.00", and cells that differ do not read the same where two more digits tell them apart. */
    @Test
    void cellLabelsHaveNoNegativeZeroAndTellCellsApart() {
        String[] xs = {"0.25", "1"};
        String[] ys = {"10", "30"};
        // log10 NC1 of 0.9991 is -0.0004: "0.00", not "-0.00"; two decimals tell these cells apart
        List<String> plain = cellTexts(Charts.cellMap("CE", "width", xs, "epochs", ys, "log10 NC1",
                new double[][] {{-0.0004, 0.5}, {-0.31, 1.25}}, 2, false));
        assertEquals(List.of("-0.31", "0.00", "0.50", "1.25"), plain);
        // 0.001, 0.004 and -0.001 would all read 0.00 (one of them -0.00)
        List<String> close = cellTexts(Charts.cellMap("focal − CE", "width", xs, "epochs", ys, "difference",
                new double[][] {{0.001, 0.004}, {-0.001, 0.5}}, 2, true));
        assertEquals(List.of("-0.001", "0.001", "0.004", "0.500"), close);
        // equal cells stay equal, and a difference below two more digits is not chased
        List<String> equal = cellTexts(Charts.cellMap("LS", "width", xs, "epochs", ys, "test accuracy (%)",
                new double[][] {{79.21, 79.21}, {79.210001, 80}}, 2, false));
        assertEquals(List.of("79.21", "79.21", "79.21", "80.00"), equal);
    }

    /**
     * A log axis labels the ends of its curves: NC1 from 24 down to 3.3 (labelled 20, 10, 5 only, the last fifth
     * unlabelled) and NC3 from 1.45 down to 0.85 (1.2, 1, 0.9: the top third unlabelled) get a label within
     * 15% of the axis of each end, and a curve over six decades a label in every decade.
     */
    @Test
    void aLogAxisLabelsTheEndsOfItsCurvesAndEveryDecade() {
        double[] x = {0, 1, 2};
        double[][] curves = {{24, 6.3, 3.3}, {1.45, 0.93, 0.85}, {1, 1e-3, 1e-6}};
        for (double[] y : curves) {
            List<String> labels = yTickLabels(Charts.logY(Charts.bandChart("NC", "epoch", "NC", List.of(
                    new Charts.Band("ce", x, y, y, y)))));
            double[] v = labels.stream().mapToDouble(l -> l.startsWith("1e") ? Math.pow(10,
                    Double.parseDouble(l.substring(2))) : Double.parseDouble(l)).sorted().toArray();
            double lo = Math.log10(y[2]);
            double hi = Math.log10(y[0]);
            assertTrue(v.length >= 3 && Math.log10(v[0]) - lo <= 0.15 * (hi - lo)
                    && hi - Math.log10(v[v.length - 1]) <= 0.15 * (hi - lo), "labels " + labels + " for " + y[2]
                    + " to " + y[0]);
            if (y[2] == 1e-6) {
                for (int k = -6; k <= 0; k++) {
                    final int decade = k;
                    assertTrue(java.util.Arrays.stream(v).anyMatch(t -> Math.abs(Math.log10(t) - decade) < 1e-9),
                            "1e" + k + " in " + labels);
                }
            }
        }
    }
}
