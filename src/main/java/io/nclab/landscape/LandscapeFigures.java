package io.nclab.landscape;

import io.nclab.UserError;
import io.nclab.io.Csv;
import io.nclab.loss.Loss;
import io.nclab.loss.LossSpec;
import io.nclab.loss.RescaledMse;
import io.nclab.report.Charts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.JFreeChart;

/**
 * The MSE paper's landscape pictures, as PNG + SVG figures and CSV grids:
 * <ul>
 *   <li>{@code polar-landscape}: Figure 2, the loss of one feature against a fixed simplex-ETF
 *       classifier as a heat map over s = ‖h‖ and θ = ∠(h, w_k), one panel per loss (eqs. (29)–(32));</li>
 *   <li>{@code gradient-field}: Figure 8, the descent directions −(∂L/∂s, ∂L/∂θ) in the K → ∞ limit
 *       (eqs. (33)–(35); {@link PolarPlane#limitGradient}), arrow length proportional to the gradient's norm.</li>
 * </ul>
 */
public final class LandscapeFigures {
    private LandscapeFigures() {}

    /** θ from 0 to π, the s range per loss, and the grid resolutions. */
    public record Grid(int sPoints, int thetaPoints, int arrowsS, int arrowsTheta) {
        public static Grid standard() {
            return new Grid(121, 121, 15, 15);
        }
    }

    /**
     * The largest radius shown, the same for every panel so that their steepness compares: twice the
     * largest MSE target scale M, and at least 10 (where CE's landscape has taken its shape).
     */
    public static double radius(List<Loss> losses) {
        double r = 10;
        for (Loss loss : losses) {
            if (loss instanceof RescaledMse mse) {
                r = Math.max(r, 2 * mse.m());
            }
        }
        return r;
    }

    /** A loss's panel title: the paper's words and parameters. */
    public static String label(Loss loss) {
        return LossSpec.label(loss);
    }

    /**
     * A gradient-field panel's title: which K → ∞ it shows. MSE's is the limit of (31), eq. (34); the softmax
     * losses' is the paper's eq. (35) convention, the two logits z_k = s cos θ and z_k′ = s sin θ alone.
     */
    static String limitTitle(Loss loss) {
        if (loss instanceof RescaledMse) {
            return label(loss) + ", K → ∞ (eq. 34)";
        }
        // label smoothing adds α·z_k to CE on the ETF plane (its smoothing mass, summed over all K logits, is α)
        if (loss instanceof io.nclab.loss.LabelSmoothing) {
            return label(loss) + ", K → ∞ (eq. 35's CE field + α∇(s cos θ))";
        }
        // eq. (35) is CE's field; another softmax loss only takes over its convention (the two logits alone)
        return label(loss) + (loss instanceof io.nclab.loss.CrossEntropy ? ", K → ∞ (eq. 35)"
                : ", K → ∞ (eq. 35's convention: z_k, z_k′ only)");
    }

    /** The files {@link #writeAll} writes under {@code dir}, so that a caller can check them first. */
    public static List<Path> files(Path dir) {
        return List.of(dir.resolve("polar-landscape.png"), dir.resolve("polar-landscape.svg"),
                dir.resolve("polar-landscape.csv"), dir.resolve("gradient-field.png"),
                dir.resolve("gradient-field.svg"), dir.resolve("gradient-field.csv"));
    }

    /**
     * Writes the figures and their grids under {@code dir}; returns every file written. Every value is
     * computed, and checked, before the first file is written: a loss whose values or gradient overflow
     * float64 somewhere on the grid (e.g. {@code mse:alpha=1,m=1e300}, whose s² is infinite) is refused with
     * one line rather than drawn as a blank panel.
     */
    public static List<Path> writeAll(Path dir, int classes, List<Loss> losses, Grid grid) {
        PolarPlane etf = PolarPlane.simplexEtf(classes);
        double[] theta = PolarPlane.grid(0, Math.PI, grid.thetaPoints());
        double[] s = PolarPlane.grid(0, radius(losses), grid.sPoints());
        double[] thetaArrows = PolarPlane.grid(0, Math.PI, grid.arrowsTheta());
        double[] sArrows = PolarPlane.grid(radius(losses) / grid.arrowsS(), radius(losses), grid.arrowsS());
        List<double[][]> values = new ArrayList<>();
        List<PolarPlane.Field> limits = new ArrayList<>();
        for (Loss loss : losses) {
            double[][] v = etf.loss(loss, s, theta);
            PolarPlane.Field f = PolarPlane.limitGradient(loss, sArrows, thetaArrows);
            if (!allFinite(v) || !allFinite(f.ds()) || !allFinite(f.dtheta())) {
                throw new UserError("loss " + loss.spec() + " overflows float64 on the landscape grid (s up to "
                        + Csv.num(radius(losses)) + ", K = " + classes + "): its " + (allFinite(v) ? "gradient" : "values")
                        + " are not finite there; give smaller parameters");
            }
            values.add(v);
            limits.add(f);
        }

        List<Path> written = new ArrayList<>();
        List<JFreeChart> maps = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        for (int l = 0; l < losses.size(); l++) {
            Loss loss = losses.get(l);
            double[][] v = values.get(l);
            maps.add(Charts.heatMap(label(loss) + ", K = " + classes, "s = ‖h‖", "θ = ∠(h, w_k)  [rad]",
                    "loss", s, theta, v, 12));
            for (int i = 0; i < s.length; i++) {
                for (int j = 0; j < theta.length; j++) {
                    rows.add(List.of(loss.spec(), Integer.toString(classes), Csv.num(s[i]), Csv.num(theta[j]),
                            Csv.num(v[i][j])));
                }
            }
        }
        written.addAll(Charts.savePanels(dir.resolve("polar-landscape"), maps, Math.min(2, maps.size()), 620, 480));
        Path csv = dir.resolve("polar-landscape.csv");
        Csv.write(csv, List.of("loss", "classes", "s", "theta", "value"), rows);
        written.add(csv);

        List<JFreeChart> fields = new ArrayList<>();
        List<List<String>> fieldRows = new ArrayList<>();
        for (int l = 0; l < losses.size(); l++) {
            Loss loss = losses.get(l);
            PolarPlane.Field f = limits.get(l);
            fields.add(Charts.vectorField(limitTitle(loss), "s = ‖h‖", "θ = ∠(h, w_k)  [rad]", sArrows,
                    thetaArrows, negate(f.ds()), negate(f.dtheta())));
            for (int i = 0; i < sArrows.length; i++) {
                for (int j = 0; j < thetaArrows.length; j++) {
                    fieldRows.add(List.of(loss.spec(), Csv.num(sArrows[i]), Csv.num(thetaArrows[j]),
                            Csv.num(f.ds()[i][j]), Csv.num(f.dtheta()[i][j])));
                }
            }
        }
        written.addAll(Charts.savePanels(dir.resolve("gradient-field"), fields, Math.min(2, fields.size()),
                560, 460, "The loss's gradient field over (s, θ) as K → ∞: each arrow points along −∇ (the way gradient"
                        + " descent moves h), its length relative to the panel's longest arrow"));
        Path fieldCsv = dir.resolve("gradient-field.csv");
        Csv.write(fieldCsv, List.of("loss", "s", "theta", "dloss_ds", "dloss_dtheta"), fieldRows);
        written.add(fieldCsv);
        return written;
    }

    private static boolean allFinite(double[][] a) {
        for (double[] row : a) {
            for (double v : row) {
                if (!Double.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static double[][] negate(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = -a[i][j];
            }
        }
        return out;
    }
}
