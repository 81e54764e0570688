package io.nclab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jfree.chart.JFreeChart;
import org.jfree.svg.SVGGraphics2D;
import org.junit.jupiter.api.Test;

/** Charts.vectorField: drawn arrow length proportional to the vector's norm, whatever the axes' scales. */
class VectorFieldTest {

    @Test
    void arrowLengthOnThePageIsProportionalToTheNorm() {
        // s from 0.67 to 10 across, θ from 0 to π up: very different pixels per unit, as in gradient-field
        double[] x = {10.0 / 15, 5, 10};
        double[] y = {0, Math.PI / 2, Math.PI};
        double[][] dx = {{1, 0, 0}, {0, 0, 0}, {3, 0, 0}};
        double[][] dy = {{0, 0, 0}, {0, 1, 0}, {4, 0, 0}};
        JFreeChart chart = Charts.vectorField("field", "s", "θ", x, y, dx, dy);
        SVGGraphics2D g = new SVGGraphics2D(560, 460);
        chart.draw(g, new Rectangle2D.Double(0, 0, 560, 460));
        List<Double> lengths = new ArrayList<>();
        Matcher m = Pattern.compile("<line x1='([-0-9.E]+)' y1='([-0-9.E]+)' x2='([-0-9.E]+)' y2='([-0-9.E]+)'"
                + " style='[^']*stroke:rgb\\(31,119,180\\)").matcher(g.getSVGDocument());
        while (m.find()) {
            lengths.add(Math.hypot(Double.parseDouble(m.group(3)) - Double.parseDouble(m.group(1)),
                    Double.parseDouble(m.group(4)) - Double.parseDouble(m.group(2))));
        }
        lengths.removeIf(l -> l == 0); // (a zero vector draws nothing, or a point)
        assertEquals(3, lengths.size(), "one shaft per non-zero arrow: " + lengths);
        // (1, 0) along s, (0, 1) along θ, (3, 4): drawn 1 : 1 : 5
        assertEquals(1.0, lengths.get(1) / lengths.get(0), 1e-6, lengths.toString());
        assertEquals(5.0, lengths.get(2) / lengths.get(0), 1e-6, lengths.toString());
        assertTrue(lengths.get(2) > 20, "the longest spans most of a grid cell: " + lengths);
    }
}
