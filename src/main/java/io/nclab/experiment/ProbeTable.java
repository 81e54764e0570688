package io.nclab.experiment;

import io.nclab.UserError;
import io.nclab.io.IoErrors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's per-probe rows as its directory holds them: {@code metrics.csv} of {@code train} (one row per
 * epoch probed, step column {@code epoch}) or {@code trajectory.csv} of {@code ufm} (one row per logged
 * iteration, step column {@code iteration}). Only numeric cells are kept ("NaN" included).
 */
public record ProbeTable(String stepName, List<Map<String, Double>> rows) {

    /** The files probed runs write, with their step column, in the order they are looked for. */
    private static final String[][] FILES = {{"metrics.csv", "epoch"}, {"trajectory.csv", "iteration"}};

    /** The run's table, or an empty one (step "step") when it wrote none. */
    public static ProbeTable of(Path runDir) {
        for (String[] f : FILES) {
            Path file = runDir.resolve(f[0]);
            if (Files.isRegularFile(file)) {
                return new ProbeTable(f[1], read(file));
            }
        }
        return new ProbeTable("step", List.of());
    }

    /**
     * The file a run's probes are in: the one {@link #of} reads, or where there is none the one a run of
     * {@code command} writes (ufm's trajectory.csv, else train's metrics.csv).
     */
    public static Path file(Path runDir, String command) {
        for (String[] f : FILES) {
            if (Files.isRegularFile(runDir.resolve(f[0]))) {
                return runDir.resolve(f[0]);
            }
        }
        return runDir.resolve("ufm".equals(command) ? FILES[1][0] : FILES[0][0]);
    }

    /**
     * Whether some row has a number in the step column: a file of something else (or of garbage) read as a table
     * has rows, but none of them a probe.
     */
    public boolean probed() {
        return rows.stream().anyMatch(r -> r.get(stepName) != null && Double.isFinite(r.get(stepName)));
    }

    /**
     * The probe of the model a training run keeps (best-model.params), by train's rule (Trainer): the best
     * validation accuracy among the trained probes (epoch >= 1; the untrained network is never the kept model),
     * the first of equals; without a validation set (NaN) the last probe. Null when nothing was trained yet.
     */
    public Map<String, Double> bestTrained() {
        Map<String, Double> best = null;
        for (Map<String, Double> row : rows) {
            if (row.containsKey("epoch") && row.get("epoch") < 1) {
                continue;
            }
            double val = row.getOrDefault("val_accuracy", Double.NaN);
            if (best == null || replacesKept(val, best.getOrDefault("val_accuracy", Double.NaN))) {
                best = row;
            }
        }
        return best;
    }

    /**
     * Whether a trained probe with validation accuracy {@code val} replaces the kept model, whose probe had
     * {@code kept}: a higher accuracy (the first of equals stays), or always without a validation set (NaN), so
     * that the last probe is kept. The one rule for train (as it runs) and for what reads its files.
     */
    public static boolean replacesKept(double val, double kept) {
        return Double.isNaN(val) || val > kept;
    }

    static List<Map<String, Double>> read(Path csv) {
        List<String> lines;
        try {
            lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError("cannot read " + csv + ": " + IoErrors.reason(e));
        }
        List<Map<String, Double>> rows = new ArrayList<>();
        if (lines.isEmpty()) {
            return rows;
        }
        String[] header = lines.get(0).split(",", -1);
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            Map<String, Double> row = new LinkedHashMap<>();
            for (int i = 0; i < Math.min(header.length, cells.length); i++) {
                try {
                    row.put(header[i].trim(), Double.parseDouble(cells[i].trim()));
                } catch (NumberFormatException notNumeric) {
                    // text cells (none today) stay in the CSV only
                }
            }
            rows.add(row);
        }
        return rows;
    }
}
