package io.nclab.experiment;

import io.nclab.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one run directory that no sweep recorded (as {@code train} or {@code ufm} wrote it) into a results
 * database, so that its report is made the same way as a sweep's: settings from config.json, final
 * figures from the sweep's record, ufm's result.json or else the probe rows, probes from its CSV.
 */
public final class RunImport {
    private RunImport() {}

    public static boolean isRunDir(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json"));
    }

    public static void into(ResultsDb db, Path runDir) {
        Map<String, Object> config = SweepSpec.readMap(runDir.resolve("config.json"));
        String command = String.valueOf(config.getOrDefault("command", "run"));
        @SuppressWarnings("unchecked")
        Map<String, Object> raw = config.get("settings") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Map<String, Object> settings = new LinkedHashMap<>();
        flatten("", raw, settings);
        Object loss = settings.remove("loss");
        Object seed = settings.remove("seed");
        settings.remove("out");
        if (loss == null) {
            throw new UserError(runDir + "/config.json names no loss: not a train or ufm run directory");
        }
        ProbeTable probes = ProbeTable.of(runDir);
        Map<String, Object> result = result(runDir, probes);
        String id = runDir.toAbsolutePath().normalize().getFileName().toString();
        db.addRun(id, command, loss.toString(), seed instanceof Number n ? n.longValue() : 0, settings,
                runDir.toString(), new ResultsDb.Finished(id, true, null, Double.NaN, 0, result, probes, null));
    }

    private static void flatten(String prefix, Map<?, ?> in, Map<String, Object> out) {
        in.forEach((k, v) -> {
            String key = prefix + k;
            if (v instanceof Map<?, ?> m) {
                flatten(key + "_", m, out);
            } else if (!(v instanceof List<?>)) {
                out.put(key, v);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> result(Path runDir, ProbeTable probes) {
        Path sweep = runDir.resolve(Sweep.RESULT_FILE);
        if (Files.isRegularFile(sweep)) {
            return (Map<String, Object>) SweepSpec.readMap(sweep).get("result");
        }
        Path ufm = runDir.resolve("result.json");
        if (Files.isRegularFile(ufm)) {
            return SweepSpec.readMap(ufm);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        List<Map<String, Double>> rows = probes.rows();
        if (rows.isEmpty()) {
            return r;
        }
        Map<String, Double> best = rows.get(0);
        for (Map<String, Double> row : rows) {
            if (row.getOrDefault("val_accuracy", Double.NaN) > best.getOrDefault("val_accuracy", Double.NaN)) {
                best = row;
            }
        }
        r.put("best_val_accuracy", best.get("val_accuracy"));
        r.put("test_accuracy", best.get("test_accuracy"));
        Map<String, Double> last = rows.get(rows.size() - 1);
        r.put("final_train_accuracy", last.get("train_accuracy"));
        last.forEach((k, v) -> {
            if (k.startsWith("nc")) {
                r.put("final_" + k, v);
            }
        });
        return r;
    }
}
