package io.nclab.experiment;

import io.nclab.UserError;
import io.nclab.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

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

    /**
     * How far a run directory got, and how it was started.
     *
     * @param complete whether the run finished (a train run's last epoch, a ufm run's result)
     * @param description "complete (30 of 30 epochs)", "interrupted after epoch 3 of 30", "not started ..."
     * @param commandLine the command that made it: the sweep's record, else the one config.json records, else
     *     rebuilt from its settings (train runs written before config.json recorded it); null
     *     where none is known
     */
    public record Status(boolean complete, String description, String commandLine) {}

    /** The status of the run in {@code runDir} (a directory with config.json). */
    public static Status status(Path runDir) {
        Map<String, Object> config = SweepSpec.readMap(runDir.resolve("config.json"));
        String command = String.valueOf(config.getOrDefault("command", "run"));
        @SuppressWarnings("unchecked")
        Map<String, Object> settings = config.get("settings") instanceof Map<?, ?> m ? (Map<String, Object>) m
                : Map.of();
        Path recorded = runDir.resolve(Sweep.RESULT_FILE);
        Map<String, Object> sweepResult = Files.isRegularFile(recorded) ? SweepSpec.readMap(recorded) : null;
        String commandLine = sweepResult != null && sweepResult.get("command_line") instanceof String c ? c
                : config.get("command_line") instanceof String typed ? typed
                : command.equals("train") ? trainCommandLine(settings) : null;
        List<Map<String, Double>> rows = ProbeTable.of(runDir).rows();
        if (!command.equals("train")) {
            boolean done = sweepResult != null || Files.isRegularFile(runDir.resolve("result.json"));
            return new Status(done, done ? "complete" : rows.isEmpty() ? "not started (no trajectory written)"
                    : "interrupted: " + rows.size() + " trajectory rows and no result.json", commandLine);
        }
        int epochs = settings.get("epochs") instanceof Number n ? n.intValue() : -1;
        int last = Math.max(lastEpoch(rows), newestCheckpoint(runDir.resolve("checkpoints")));
        if (sweepResult != null || (epochs > 0 && last >= epochs)) {
            return new Status(true, String.format(Locale.ROOT, "complete (%d of %d epoch%s)", epochs, epochs,
                    epochs == 1 ? "" : "s"), commandLine);
        }
        String of = epochs > 0 ? " of " + epochs : "";
        Path diverged = runDir.resolve(io.nclab.train.Trainer.DIVERGED);
        if (Files.isRegularFile(diverged)) {
            String why;
            try {
                why = Files.readString(diverged).strip();
            } catch (java.io.IOException e) {
                why = "training diverged";
            }
            return new Status(false, "stopped with " + last + of + " epochs trained: " + why, commandLine);
        }
        if (last >= 1) {
            return new Status(false, "interrupted after epoch " + last + of, commandLine);
        }
        return new Status(false, "not started: 0" + of + " epochs trained" + (rows.isEmpty() ? " (config.json only)"
                : " (only the untrained network probed)"), commandLine);
    }

    private static int lastEpoch(List<Map<String, Double>> rows) {
        int last = 0;
        for (Map<String, Double> row : rows) {
            Double e = row.get("epoch");
            if (e != null && Double.isFinite(e)) {
                last = Math.max(last, (int) (double) e);
            }
        }
        return last;
    }

    /** The epoch of the newest checkpoint ({@code checkpoints/epoch-NNNN}), 0 for none. */
    private static int newestCheckpoint(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int newest = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (name.matches("epoch-\\d+") && Files.isDirectory(p)) {
                    newest = Math.max(newest, Integer.parseInt(name.substring(6)));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return newest;
        }
        return newest;
    }

    /** {@code nclab train ...} as it would make the configuration config.json records; null if it cannot. */
    private static String trainCommandLine(Map<String, Object> settings) {
        try {
            List<String> line = new ArrayList<>(List.of("main", "train"));
            line.addAll(TrainConfig.fromSettings(settings).arguments());
            return ChildJvm.shown(line, "main");
        } catch (UserError e) {
            return null;
        }
    }

    public static void into(ResultsDb db, Path runDir) {
        Map<String, Object> config = SweepSpec.readMap(runDir.resolve("config.json"));
        String command = String.valueOf(config.getOrDefault("command", "run"));
        @SuppressWarnings("unchecked")
        Map<String, Object> raw = config.get("settings") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Map<String, Object> settings = new LinkedHashMap<>();
        flatten("", raw, settings);
        // config.json records enum constants (FASHION_MNIST, ADAM); the report shows them as they are typed
        settings.replaceAll((k, v) -> v instanceof String str ? TrainConfig.cliSpelling(k, str) : v);
        Object loss = settings.remove("loss");
        Object seed = settings.remove("seed");
        settings.remove("out");
        if (loss == null) {
            throw new UserError(runDir + "/config.json names no loss: not a train or ufm run directory");
        }
        ProbeTable probes = ProbeTable.of(runDir);
        Map<String, Object> result = result(runDir, probes);
        String id = runDir.toAbsolutePath().normalize().getFileName().toString();
        // recorded as complete whatever its status, so that the curves so far are drawn (the report says it)
        db.addRun(id, command, loss.toString(), seed instanceof Number n ? n.longValue() : 0, settings,
                runDir.toString(), status(runDir).commandLine(),
                new ResultsDb.Finished(id, true, null, Double.NaN, 0, result, probes, null));
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
    /** The file in which {@code ufm --out} leaves its result. */
    public static final String UFM_RESULT = "result.json";

    private static Map<String, Object> result(Path runDir, ProbeTable probes) {
        Path sweep = runDir.resolve(Sweep.RESULT_FILE);
        if (Files.isRegularFile(sweep)) {
            return (Map<String, Object>) SweepSpec.readMap(sweep).get("result");
        }
        Path ufm = runDir.resolve(UFM_RESULT);
        if (Files.isRegularFile(ufm)) {
            return SweepSpec.readMap(ufm);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        List<Map<String, Double>> rows = probes.rows();
        if (rows.isEmpty()) {
            return r;
        }
        Map<String, Double> best = probes.bestTrained();
        if (best != null) { // null: nothing trained yet
            r.put("best_val_accuracy", best.get("val_accuracy"));
            r.put("test_accuracy", best.get("test_accuracy"));
        }
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
