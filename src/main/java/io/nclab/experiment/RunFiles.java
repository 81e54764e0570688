package io.nclab.experiment;

import ai.djl.ndarray.NDArray;
import io.nclab.UserError;
import io.nclab.io.Csv;
import io.nclab.io.IoErrors;
import io.nclab.io.Npy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a training run's last probe leaves in its directory for the report, beside metrics.csv:
 * <ul>
 *   <li>{@value #MARGINS}: every training sample's cosine margin (the NC engine's sorted distribution,
 *       the MSE paper's P_CM of Figure 4), one column {@code cosine_margin}, ascending; the same format
 *       {@code nclab metrics --margins-out} writes;</li>
 *   <li>when the feature dimension d is 3 (the MSE paper's Figure 7): {@value #FEATURES} (N×3 float32,
 *       the clean training features), {@value #LABELS} (N int64) and {@value #WEIGHTS} (the classifier
 *       rows, K×3).</li>
 * </ul>
 */
public final class RunFiles {
    private RunFiles() {}

    public static final String MARGINS = "margins.csv";
    public static final String FEATURES = "features-final.npy";
    public static final String LABELS = "labels-final.npy";
    public static final String WEIGHTS = "weights-final.npy";

    /** The header of a margins file. */
    private static final String MARGIN_COLUMN = "cosine_margin";

    /** Writes sorted cosine margins as a one-column CSV. */
    public static void writeMargins(Path file, double[] sorted) {
        List<List<String>> rows = new ArrayList<>(sorted.length);
        for (double v : sorted) {
            rows.add(List.of(Csv.num(v)));
        }
        Csv.write(file, List.of(MARGIN_COLUMN), rows);
    }

    /** The margins of a file {@link #writeMargins} wrote, in its order (ascending). */
    public static double[] readMargins(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + IoErrors.reason(e));
        }
        if (lines.isEmpty() || !lines.get(0).trim().equals(MARGIN_COLUMN)) {
            throw new UserError(file + ": not a margins file (its first line is not '" + MARGIN_COLUMN + "')");
        }
        try {
            return lines.subList(1, lines.size()).stream().filter(l -> !l.isBlank())
                    .mapToDouble(l -> Double.parseDouble(l.trim())).toArray();
        } catch (NumberFormatException e) {
            throw new UserError(file + ": " + e.getMessage());
        }
    }

    /** Writes the d = 3 picture's arrays: features (N×3), labels (N) and classifier rows (K×3). */
    public static void writeFeatures(Path runDir, NDArray features, int[] labels, NDArray weights) {
        Npy.write(runDir.resolve(FEATURES), features);
        Npy.writeLabels(runDir.resolve(LABELS), labels);
        if (weights != null) {
            Npy.write(runDir.resolve(WEIGHTS), weights);
        }
    }

    /** A small array held in Java memory: its shape and values (row-major, as doubles). */
    public record Matrix(long[] shape, double[] values) {
        public int rows() {
            return (int) shape[0];
        }

        public int columns() {
            return shape.length > 1 ? (int) shape[1] : 1;
        }

        public double get(int r, int c) {
            return values[r * columns() + c];
        }
    }

    /** A small .npy file (features, labels, weights) read without an NDArray engine. */
    public static Matrix read(Path file) {
        try {
            Npy.Host h = Npy.readHost(Files.readAllBytes(file), file.toString());
            return new Matrix(h.shape(), h.toDoubles());
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + IoErrors.reason(e));
        }
    }
}
