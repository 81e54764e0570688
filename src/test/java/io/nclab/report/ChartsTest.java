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
}
