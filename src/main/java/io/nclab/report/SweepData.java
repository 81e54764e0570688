package io.nclab.report;

import io.nclab.experiment.ResultsDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A sweep's complete runs as the report needs them, read once from the results database: each run's
 * settings, final figures and probe curves; which settings the sweep varied; and statistics over seeds.
 */
public record SweepData(Map<String, String> meta, List<Run> runs, List<String> settingNames, List<String> varied,
        List<String> losses, String stepName, List<Unfinished> unfinished) {

    /** A run of the sweep that is not complete: pending, running or failed, with its error and command line. */
    public record Unfinished(String id, String status, String error, String commandLine) {
        /** The error's first line, with " …" where more follows; empty where there is none. */
        public String errorLine() {
            String e = error == null ? "" : error.strip();
            int cut = e.indexOf('\n');
            return cut < 0 ? e : e.substring(0, cut) + " …";
        }
    }

    /** The same complete runs with no unfinished ones (a subset of a sweep, as a figure draws it). */
    public SweepData(Map<String, String> meta, List<Run> runs, List<String> settingNames, List<String> varied,
            List<String> losses, String stepName) {
        this(meta, runs, settingNames, varied, losses, stepName, List.of());
    }

    /** Whether runs are still pending or running (a sweep in progress, or one that was stopped). */
    public boolean inProgress() {
        return unfinished.stream().anyMatch(u -> !"failed".equals(u.status()));
    }

    /** One complete run; {@code dir} its run directory (null when unknown), where its final files lie. */
    public record Run(String id, String loss, long seed, Map<String, Object> settings, Map<String, Object> results,
            Map<String, double[][]> probes, String commandLine, Path dir) {

        public double result(String key) {
            return results.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
        }

        /**
         * The number of test images the run measured its test accuracy on, from the {@code data.json} a training
         * run writes in its directory; 0 where that is unknown (no directory, no file, an older run).
         */
        public int testSetSize() {
            Path file = dir == null ? null : dir.resolve(io.nclab.train.Trainer.DATA_FILE);
            if (file == null || !Files.isRegularFile(file)) {
                return 0;
            }
            try {
                int n = 0;
                for (var k : io.nclab.io.Json.MAPPER.readTree(file.toFile()).path("test_per_class")) {
                    n += k.asInt();
                }
                return n;
            } catch (java.io.IOException e) {
                return 0; // unreadable: as unknown, the claim that asks says so
            }
        }

        /** The run's curve of a probe metric: {steps, values}, or null. */
        public double[][] curve(String metric) {
            return probes.get(metric);
        }
    }

    public static SweepData load(ResultsDb db) {
        return load(db, null);
    }

    /**
     * As {@link #load(ResultsDb)}; a run's directory is {@code sweepDir/runs/RUN_ID} when that exists (the
     * sweep may have moved since), else the one the database names.
     */
    public static SweepData load(ResultsDb db, Path sweepDir) {
        List<String> settings = db.settingColumns();
        List<String> results = db.resultColumns();
        List<Run> runs = new ArrayList<>();
        String step = "step";
        for (Map<String, Object> row : db.runs("status = 'complete'")) {
            Map<String, Object> s = new LinkedHashMap<>();
            settings.forEach(k -> s.put(k, row.get(k)));
            Map<String, Object> r = new LinkedHashMap<>();
            results.forEach(k -> r.put(k, row.get(k)));
            String id = (String) row.get("run_id");
            Path dir = row.get("run_dir") == null ? null : Path.of((String) row.get("run_dir"));
            if (sweepDir != null && Files.isDirectory(sweepDir.resolve("runs").resolve(id))) {
                dir = sweepDir.resolve("runs").resolve(id);
            }
            runs.add(new Run(id, (String) row.get("loss"), ((Number) row.get("seed")).longValue(), s, r, db.probes(id),
                    (String) row.get("command_line"), dir));
            if (row.get("step_name") != null) {
                step = (String) row.get("step_name");
            }
        }
        List<String> varied = new ArrayList<>();
        for (String k : settings) {
            Set<Object> values = new LinkedHashSet<>();
            runs.forEach(run -> values.add(run.settings().get(k)));
            if (values.size() > 1) {
                varied.add(k);
            }
        }
        Set<String> losses = new LinkedHashSet<>();
        runs.forEach(run -> losses.add(run.loss()));
        List<Unfinished> unfinished = new ArrayList<>();
        for (Map<String, Object> row : db.runs("status <> 'complete'")) {
            // the status as shown (ResultsDb.runs): a run whose process is gone reads "interrupted"
            unfinished.add(new Unfinished((String) row.get("run_id"), (String) row.get("status"),
                    (String) row.get("error"), (String) row.get("command_line")));
        }
        return new SweepData(db.meta(), runs, settings, varied, List.copyOf(losses), step, List.copyOf(unfinished));
    }

    public boolean isUfm() {
        return "iteration".equals(stepName) || "ufm".equals(meta.get("command"));
    }

    public int seedCount() {
        Set<Long> seeds = new LinkedHashSet<>();
        runs.forEach(r -> seeds.add(r.seed()));
        return seeds.size();
    }

    /** The distinct values of a setting, numbers ascending (else in order of appearance). */
    public List<Object> values(String setting) {
        Set<Object> v = new LinkedHashSet<>();
        runs.forEach(r -> v.add(r.settings().get(setting)));
        List<Object> out = new ArrayList<>(v);
        if (out.stream().allMatch(o -> o instanceof Number)) {
            out.sort((a, b) -> Double.compare(((Number) a).doubleValue(), ((Number) b).doubleValue()));
        }
        return out;
    }

    public boolean numeric(String setting) {
        return values(setting).stream().allMatch(o -> o instanceof Number);
    }

    /**
     * The headline configuration: every varied setting at its largest value (the widest, longest-trained
     * networks), or its last for settings that are not numbers.
     */
    public Map<String, Object> headline() {
        Map<String, Object> h = new LinkedHashMap<>();
        for (String k : varied) {
            List<Object> v = values(k);
            h.put(k, v.get(v.size() - 1));
        }
        return h;
    }

    /** The runs of a loss whose settings match every entry of {@code fixed} (over seeds). */
    public List<Run> select(String loss, Map<String, Object> fixed) {
        return select(r -> (loss == null || r.loss().equals(loss)) && fixed.entrySet().stream()
                .allMatch(e -> Objects.equals(r.settings().get(e.getKey()), e.getValue())));
    }

    public List<Run> select(Predicate<Run> p) {
        return runs.stream().filter(p).toList();
    }

    /** Whether any run has a finite value of the probe metric. */
    public boolean hasProbe(String metric) {
        for (Run r : runs) {
            double[][] c = r.curve(metric);
            if (c != null) {
                for (double v : c[1]) {
                    if (Double.isFinite(v)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Whether any run has a finite final value under {@code key}. */
    public boolean hasResult(String key) {
        return runs.stream().anyMatch(r -> Double.isFinite(r.result(key)));
    }

    /** Mean, smallest and largest over runs of a final figure. */
    public static double[] stats(List<Run> runs, String key) {
        double sum = 0;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        double sq = 0;
        int n = 0;
        for (Run r : runs) {
            double v = r.result(key);
            if (Double.isFinite(v)) {
                sum += v;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
                n++;
            }
        }
        if (n == 0) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0};
        }
        double mean = sum / n;
        // two passes: seeds that agree to the last digits (a UFM study's) leave Σv² − n·mean² all round-off
        for (Run r : runs) {
            double v = r.result(key);
            if (Double.isFinite(v)) {
                sq += (v - mean) * (v - mean);
            }
        }
        double sd = n > 1 ? Math.sqrt(sq / (n - 1)) : 0;
        return new double[] {mean, lo, hi, sd, n};
    }

    /**
     * A probe metric over the runs (seeds) as a band: the mean, smallest and largest of the runs' values at
     * every step where each run either probed, had already stopped (a run that stopped sooner, as a solver
     * that converged does, counts with its final value) or had not begun (none counts before its first probe).
     * A step where some run was still going but did not probe is left out rather than filled in: a UFM solver
     * logs every so many iterations and at the one it stops at, so seeds stopping at iterations 39, 40 and 41
     * would otherwise average one seed's end with the others' starting values. {@code scale} multiplies every
     * value.
     */
    public static Charts.Band band(String name, List<Run> runs, String metric, double scale) {
        java.util.TreeSet<Double> steps = new java.util.TreeSet<>();
        for (Run r : runs) {
            double[][] c = r.curve(metric);
            if (c != null) {
                for (double s : c[0]) {
                    steps.add(s);
                }
            }
        }
        steps.removeIf(step -> runs.stream().map(r -> r.curve(metric)).anyMatch(c -> c != null && c[0].length > 0
                && step >= c[0][0] && step <= c[0][c[0].length - 1] && java.util.Arrays.binarySearch(c[0], step) < 0));
        int n = steps.size();
        double[] x = new double[n];
        double[] mid = new double[n];
        double[] lo = new double[n];
        double[] hi = new double[n];
        int i = 0;
        for (double step : steps) {
            x[i] = step;
            double sum = 0;
            int k = 0;
            lo[i] = Double.POSITIVE_INFINITY;
            hi[i] = Double.NEGATIVE_INFINITY;
            for (Run r : runs) {
                double v = valueAt(r.curve(metric), step) * scale;
                if (Double.isFinite(v)) {
                    sum += v;
                    k++;
                    lo[i] = Math.min(lo[i], v);
                    hi[i] = Math.max(hi[i], v);
                }
            }
            mid[i] = k > 0 ? sum / k : Double.NaN;
            if (k == 0) {
                lo[i] = Double.NaN;
                hi[i] = Double.NaN;
            }
            i++;
        }
        return new Charts.Band(name, x, mid, lo, hi);
    }

    /** The curve's value at the last step at or before {@code step} (NaN before its first). */
    private static double valueAt(double[][] curve, double step) {
        if (curve == null) {
            return Double.NaN;
        }
        int i = java.util.Arrays.binarySearch(curve[0], step);
        int at = i >= 0 ? i : -i - 2;
        return at >= 0 ? curve[1][at] : Double.NaN;
    }
}
