package io.nclab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.experiment.ProbeTable;
import io.nclab.experiment.ResultsDb;
import io.nclab.experiment.RunSpec;
import io.nclab.experiment.SweepSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class ReportTest {
    @TempDir
    Path tmp;

    /**
     * A results database of a synthetic training sweep whose numbers are known: NC1 = 10·exp(−epoch·width)
     * and a test accuracy whose spread over losses shrinks with width and epochs.
     */
    private static Map<String, List<String>> grid() {
        Map<String, List<String>> g = new LinkedHashMap<>();
        g.put("width", List.of("0.25", "1"));
        g.put("epochs", List.of("2", "4"));
        return g;
    }

    public static ResultsDb trainSweep(Path file) {
        SweepSpec spec = new SweepSpec("synthetic", "train", List.of("ce", "focal:gamma=3", "ls:alpha=0.1", "mse:alpha=1,m=15"),
                grid(), List.of(0L, 1L), Map.of("per-class", "50"));
        ResultsDb db = ResultsDb.open(file);
        db.describe(spec);
        db.register("train", spec.runs(), spec.options(), file.getParent());
        int li = 0;
        for (RunSpec r : spec.runs()) {
            li = spec.losses().indexOf(r.loss());
            double w = Double.parseDouble(r.varied().get("width"));
            int epochs = Integer.parseInt(r.varied().get("epochs"));
            List<Map<String, Double>> rows = new ArrayList<>();
            double test = 0;
            for (int e = 1; e <= epochs; e++) {
                test = 0.8 + 0.02 * e * w + 0.01 * li / (e * w) + 0.001 * r.seed();
                Map<String, Double> row = new LinkedHashMap<>();
                row.put("epoch", (double) e);
                row.put("train_accuracy", Math.min(1, test + 0.05 * e));
                row.put("val_accuracy", test - 0.01);
                row.put("test_accuracy", test);
                row.put("nc1", 10 * Math.exp(-e * w * (1 + 0.1 * li)));
                row.put("nc2", 0.5 * Math.exp(-e * w));
                row.put("nc3", 0.4 * Math.exp(-e * w));
                row.put("nc4", 0.1 * Math.exp(-e * w));
                rows.add(row);
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("test_accuracy", test);
            result.put("final_train_accuracy", Math.min(1, test + 0.2));
            result.put("final_nc1", rows.get(epochs - 1).get("nc1"));
            db.markRunning(r.id(), "2026-01-01T00:00:00Z", "nclab train " + String.join(" ", r.args()), false);
            db.recordFinished(new ResultsDb.Finished(r.id(), true, "2026-01-01T00:01:00Z", 60, 0, result,
                    new ProbeTable("epoch", rows), null));
        }
        return db;
    }

    @Test
    void writesEveryFigureOfATrainingSweepAndASelfContainedHtml() throws Exception {
        Path out = System.getenv("NCLAB_TEST_REPORT_OUT") != null ? Path.of(System.getenv("NCLAB_TEST_REPORT_OUT")) : tmp.resolve("report");
        try (ResultsDb db = trainSweep(tmp.resolve("results.db"))) {
            SweepData d = SweepData.load(db);
            assertEquals(List.of("width", "epochs"), d.varied());
            assertEquals(32, d.runs().size());
            Report.Section s = Report.sweep("Sweep synthetic", d, out.resolve("figures"), "{}");
            List<String> ids = s.figures().stream().map(SweepFigures.Figure::id).toList();
            assertEquals(List.of("nc-curves", "accuracy-curves", "map-test-accuracy", "map-nc1", "map-seed-spread"), ids);
            for (SweepFigures.Figure f : s.figures()) {
                assertTrue(Files.size(f.png()) > 5000, f.png().toString());
                assertTrue(Files.readString(f.svg()).startsWith("<?xml") || Files.readString(f.svg()).startsWith("<svg"));
            }
            List<Claims.Claim> claims = Claims.of(d);
            assertEquals(2, claims.size(), claims.toString());
            assertTrue(claims.get(0).holds(), claims.get(0).line());
            assertTrue(claims.get(1).holds(), claims.get(1).line());
            Path html = Report.writeHtml(out, "test", "intro", List.of(s));
            String text = Files.readString(html);
            assertEquals(s.figures().size(), text.split("data:image/png;base64,", -1).length - 1);
            assertFalse(text.contains("src=\"http"), "self-contained");
            assertTrue(text.contains("nclab train --per-class 50 --width 0.25 --epochs 2 --loss ce --seed 0"));
            // "key = value" in a title or caption never wraps between its parts
            assertTrue(text.contains("per loss (width\u00a0=\u00a01, epochs\u00a0=\u00a04)</h3>"), text);
            java.util.regex.Matcher prose = java.util.regex.Pattern.compile("<(h3|figcaption|li)>(.*?)</\\1>",
                    java.util.regex.Pattern.DOTALL).matcher(text);
            int shown = 0;
            while (prose.find()) {
                assertFalse(prose.group(2).contains(" = ") || prose.group(2).contains("= ")
                        || prose.group(2).contains(" ="), prose.group());
                shown++;
            }
            assertTrue(shown > 10, "titles, captions and claims: " + shown);
        }
    }

    /** A UFM sweep over dim for CE and MSE: CE has no prediction at d = 3 (< K - 1); {gap, nc1} per run. */
    private static ResultsDb ufmSweep(Path file, double[][] ce, double[][] mse) {
        Map<String, List<String>> g = new LinkedHashMap<>();
        g.put("dim", List.of("3", "16"));
        SweepSpec spec = new SweepSpec("u", "ufm", List.of("ce", "mse"), g, List.of(0L), Map.of("classes", "10"));
        ResultsDb db = ResultsDb.open(file);
        db.describe(spec);
        db.register("ufm", spec.runs(), spec.options(), file.getParent());
        for (RunSpec r : spec.runs()) {
            double[] v = (r.loss().equals("ce") ? ce : mse)[r.varied().get("dim").equals("3") ? 0 : 1];
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("relative_gap", Double.isNaN(v[0]) ? null : v[0]);
            result.put("nc1", Double.isNaN(v[1]) ? null : v[1]);
            result.put("stop_reason", v.length > 2 && v[2] == 1 ? "iteration budget" : "gradient tolerance");
            List<Map<String, Double>> rows = new ArrayList<>();
            for (int i = 0; i <= 2; i++) {
                Map<String, Double> row = new LinkedHashMap<>();
                row.put("iteration", (double) i);
                row.put("objective", 1.0 / (1 + i));
                row.put("nc1", 1.0 / (1 + i));
                rows.add(row);
            }
            db.markRunning(r.id(), "2026-01-01T00:00:00Z", "nclab ufm", false);
            db.recordFinished(new ResultsDb.Finished(r.id(), true, "2026-01-01T00:01:00Z", 1, 0, result,
                    new ProbeTable("iteration", rows), null));
        }
        return db;
    }

    @Test
    void theUfmClaimJudgesOnlyTheRunsTheTheoryPredicts() {
        double nan = Double.NaN;
        // CE d = 3: no prediction, NC1 of a solve the theory says nothing about; MSE gaps signed
        try (ResultsDb db = ufmSweep(tmp.resolve("u1.db"), new double[][] {{nan, 0.3}, {1e-16, 1e-18}},
                new double[][] {{-2e-16, 1e-17}, {-4e-16, 1e-18}})) {
            Claims.Claim c = Claims.of(SweepData.load(db)).get(0);
            assertTrue(c.tested() && c.holds(), c.line());
            assertTrue(c.evidence().contains("CE gap 1.0e-16") && c.evidence().contains("1 without a prediction")
                    && c.evidence().contains("MSE gap -4.0e-16"), "the largest |gap|, runs left out named: " + c.line());
            assertFalse(c.evidence().contains("NaN"), c.line());
        }
        // the UFM figures draw the headline runs (d = 16) and say where the others are
        try (ResultsDb db = ufmSweep(tmp.resolve("u0.db"), new double[][] {{1e-16, 1e-18}, {1e-16, 1e-18}},
                new double[][] {{1e-16, 1e-18}, {1e-16, 1e-18}})) {
            List<SweepFigures.Figure> figures = SweepFigures.write(SweepData.load(db), tmp.resolve("u0"));
            SweepFigures.Figure objective = figures.stream().filter(f -> f.id().equals("ufm-objective")).findFirst()
                    .orElseThrow();
            assertTrue(objective.caption().endsWith("Only the runs at d = 16 are drawn; the runs at the other values"
                    + " (d = 3) are in the tables below."), objective.caption());
            assertTrue(figures.stream().anyMatch(f -> f.title().startsWith("Comparison over the feature dimension d")),
                    figures.stream().map(SweepFigures.Figure::title).toList().toString());
        }
        // the minimiser W = H = 0 (NC1 undefined) in one MSE run: not a failure
        try (ResultsDb db = ufmSweep(tmp.resolve("u2.db"), new double[][] {{0, 1e-18}, {0, 1e-18}},
                new double[][] {{0, nan}, {1e-16, 1e-18}})) {
            Claims.Claim c = Claims.of(SweepData.load(db)).get(0);
            assertTrue(c.tested() && c.holds(), c.line());
        }
        // gradient descent cut short by its iteration budget, far from the optimum: left out and named, not a
        // failure of the theory; a loss whose every run was cut short is not judged
        try (ResultsDb db = ufmSweep(tmp.resolve("u4.db"), new double[][] {{1.4, 3.5, 1}, {1e-16, 1e-18}},
                new double[][] {{1.5, 2.0, 1}, {0.9, 1e-3, 1}})) {
            Claims.Claim c = Claims.of(SweepData.load(db)).get(0);
            assertTrue(c.tested() && c.holds(), c.line());
            assertTrue(c.evidence().contains("CE gap 1.0e-16, NC1 1.0e-18 (of 2 runs: 1 stopped at the iteration"
                    + " budget short of the optimum, left out (ce_dim=3_seed=0; more --iters))"), c.line());
            assertTrue(c.evidence().contains("vanilla MSE not judged: 2 stopped at the iteration budget"), c.line());
        }
        // a converged run that misses the optimum is still a failure
        try (ResultsDb db = ufmSweep(tmp.resolve("u5.db"), new double[][] {{1e-3, 1e-18}, {1e-16, 1e-18}},
                new double[][] {{1e-16, 1e-18}, {1e-16, 1e-18}})) {
            assertFalse(Claims.of(SweepData.load(db)).get(0).holds());
        }
        // no run with a prediction at all: not tested
        try (ResultsDb db = ufmSweep(tmp.resolve("u3.db"), new double[][] {{nan, 0.3}, {nan, 0.2}},
                new double[][] {{nan, 0.1}, {nan, 0.1}})) {
            Claims.Claim c = Claims.of(SweepData.load(db)).get(0);
            assertFalse(c.tested(), c.line());
            assertTrue(c.line().startsWith("UNTESTED"), c.line());
        }
    }

    /**
     * A one-seed training sweep whose final numbers are given per run ({test accuracy, training accuracy}), each
     * run directory with the data.json a training run writes ({@code testImages} test images; none when 0).
     */
    private ResultsDb finalsSweep(String name, List<String> losses, Map<String, List<String>> grid,
            java.util.function.Function<RunSpec, double[]> numbers, int testImages) throws Exception {
        SweepSpec spec = new SweepSpec(name, "train", losses, grid, List.of(0L), Map.of("per-class", "20"));
        Path dir = Files.createDirectories(tmp.resolve(name));
        ResultsDb db = ResultsDb.open(dir.resolve("results.db"));
        db.describe(spec);
        db.register("train", spec.runs(), spec.options(), dir);
        for (RunSpec r : spec.runs()) {
            double[] v = numbers.apply(r);
            if (testImages > 0) {
                Files.createDirectories(dir.resolve(r.id()));
                Files.writeString(dir.resolve(r.id()).resolve("data.json"), "{\"classes\": 10, \"test_per_class\": ["
                        + String.join(", ", java.util.Collections.nCopies(10, "" + testImages / 10)) + "]}");
            }
            db.markRunning(r.id(), "2026-01-01T00:00:00Z", "nclab train " + String.join(" ", r.args()), false);
            db.recordFinished(new ResultsDb.Finished(r.id(), true, "2026-01-01T00:01:00Z", 60, 0,
                    Map.of("test_accuracy", v[0], "final_train_accuracy", v[1]),
                    new ProbeTable("epoch", List.of(Map.of("epoch", 1.0, "test_accuracy", v[0]))), null));
        }
        return db;
    }

    private static Claims.Claim agreement(ResultsDb db) {
        return Claims.of(SweepData.load(db)).stream().filter(c -> c.statement().startsWith("Test accuracies"))
                .findFirst().orElseThrow();
    }

    /**
     * The audit's sweep: 1 and 2 epochs of a narrow MLP, one seed, training accuracy ~75%. The losses agree less
     * closely at 2 epochs (1.26 vs 1.03 points), but the runs are far from the terminal phase the claim is about:
     * not tested, as the collapse claim is not, rather than "does not hold".
     */
    @Test
    void theAgreementClaimIsNotTestedShortOfTheTerminalPhase() throws Exception {
        Map<String, List<String>> g = Map.of("epochs", List.of("1", "2"));
        Map<String, double[]> at = Map.of("ce1", new double[] {0.5803, 0.70}, "ce2", new double[] {0.6387, 0.755},
                "mse1", new double[] {0.5700, 0.69}, "mse2", new double[] {0.6261, 0.740});
        try (ResultsDb db = finalsSweep("short", List.of("ce", "mse:alpha=1,m=15"), g,
                r -> at.get(r.loss().substring(0, r.loss().startsWith("ce") ? 2 : 3) + r.varied().get("epochs")),
                10000)) {
            Claims.Claim c = agreement(db);
            assertFalse(c.tested(), c.line());
            assertTrue(c.evidence().startsWith("no loss reached 99% training accuracy at epochs = 2 (CE 75.5%,"
                    + " rescaled MSE (α = 1, M = 15) 74.0%), the terminal phase the claim is about: train longer to"
                    + " test it; max - min over losses of mean test accuracy: 1.26 points at epochs = 2"), c.line());
            String html = Files.readString(Report.writeHtml(tmp.resolve("short-report"), "t", "i", List.of(
                    new Report.Section("s", "", List.of(c), List.of(), ""))));
            assertTrue(html.contains("not tested</span> — Test accuracies"), html);
        }
    }

    /**
     * The same numbers in the terminal phase: a spread 0.23 points wider at 2 epochs, with one seed on 10000
     * test images, is within one standard error of the difference (about 0.98 points from the binomial errors
     * of the four accuracies): noise, not tested rather than a failure. A difference beyond it is judged.
     */
    @Test
    void aDifferenceWithinTheNoiseIsNotAFailure() throws Exception {
        Map<String, List<String>> g = Map.of("epochs", List.of("1", "2"));
        Map<String, Double> test = Map.of("ce1", 0.5803, "ce2", 0.6387, "mse1", 0.5700, "mse2", 0.6261);
        java.util.function.Function<RunSpec, String> key =
                r -> r.loss().substring(0, r.loss().startsWith("ce") ? 2 : 3) + r.varied().get("epochs");
        try (ResultsDb db = finalsSweep("noise", List.of("ce", "mse:alpha=1,m=15"), g,
                r -> new double[] {test.get(key.apply(r)), 1.0}, 10000)) {
            Claims.Claim c = agreement(db);
            assertFalse(c.tested(), c.line());
            assertTrue(c.evidence().endsWith("; the difference, 0.23 points, is within the noise (one standard error"
                    + " of the difference 0.98 points, from each accuracy's binomial error on 10000 test images): more"
                    + " seeds or a larger test set to test it"), c.line());
        }
        // without data.json (no test-set size) and with one seed the noise is unknown: not judged either
        try (ResultsDb db = finalsSweep("unknown", List.of("ce", "mse:alpha=1,m=15"), g,
                r -> new double[] {test.get(key.apply(r)), 1.0}, 0)) {
            Claims.Claim c = agreement(db);
            assertFalse(c.tested(), c.line());
            assertTrue(c.evidence().contains("the noise of the difference is unknown"), c.line());
        }
        // 3 points wider at 2 epochs: beyond the noise, a failure
        try (ResultsDb db = finalsSweep("wider", List.of("ce", "mse:alpha=1,m=15"), g,
                r -> new double[] {test.get(key.apply(r)) - (key.apply(r).equals("mse2") ? 0.03 : 0), 1.0}, 10000)) {
            Claims.Claim c = agreement(db);
            assertTrue(c.tested() && !c.holds(), c.line());
            assertTrue(c.evidence().endsWith("the difference, 3.23 points, is beyond the noise (one standard error of"
                    + " the difference 0.98 points, from each accuracy's binomial error on 10000 test images)"),
                    c.line());
        }
    }

    /**
     * The quick profile of {@code nclab reproduce} (4 losses × width 0.25, 1 × 10, 30 epochs, one seed, 10000
     * test images), with the numbers of the run README shows: the spread falls from 4.60 to 2.55 points, beyond
     * one standard error (0.86 points), in the terminal phase: the claim is tested there and holds.
     */
    @Test
    void theAgreementClaimIsTestedOnTheQuickProfile() throws Exception {
        Map<String, List<String>> g = new LinkedHashMap<>();
        g.put("width", List.of("0.25", "1"));
        g.put("epochs", List.of("10", "30"));
        List<String> losses = List.of("ce", "focal:gamma=3", "ls:alpha=0.1", "mse:alpha=1,m=15");
        // test accuracy per loss at (0.25, 10) and (1, 30); the other cells in between
        double[][] acc = {{0.7564, 0.7921}, {0.7104, 0.7681}, {0.7400, 0.7936}, {0.7300, 0.7930}};
        try (ResultsDb db = finalsSweep("quick", losses, g, r -> {
            int l = losses.indexOf(r.loss());
            boolean small = r.varied().get("width").equals("0.25") && r.varied().get("epochs").equals("10");
            boolean large = r.varied().get("width").equals("1") && r.varied().get("epochs").equals("30");
            return new double[] {small ? acc[l][0] : large ? acc[l][1] : 0.75, large ? 1.0 : 0.97};
        }, 10000)) {
            Claims.Claim c = agreement(db);
            assertTrue(c.tested() && c.holds(), c.line());
            assertTrue(c.line().startsWith("HOLDS  Test accuracies of the losses agree more closely for wider,"
                    + " longer-trained networks (judged in the terminal phase, on a difference beyond one standard"
                    + " error): max - min over losses of mean test accuracy: 2.55 points at width = 1, epochs = 30"
                    + " (76.81% to 79.36%) vs 4.60 points at width = 0.25, epochs = 10 (71.04% to 75.64%); the"
                    + " difference, 2.05 points, is beyond the noise (one standard error of the difference 0.86"
                    + " points, from each accuracy's binomial error on 10000 test images)"), c.line());
        }
    }

    /**
     * A sweep with a failed run and runs not yet done: the report says how many of how many are complete,
     * names the failed run with its error, keeps every command, and judges no claim while runs are pending.
     */
    @Test
    void aPartOfASweepIsReportedAsAPart() throws Exception {
        SweepSpec spec = new SweepSpec("partial", "train", List.of("ce", "mse:alpha=1,m=15"), grid(), List.of(0L),
                Map.of("per-class", "50"));
        try (ResultsDb db = ResultsDb.open(tmp.resolve("partial.db"))) {
            db.describe(spec);
            db.register("train", spec.runs(), spec.options(), tmp);
            List<RunSpec> runs = spec.runs();
            for (int i = 0; i < runs.size(); i++) {
                RunSpec r = runs.get(i);
                if (i >= 3) {
                    continue; // pending
                }
                db.markRunning(r.id(), "2026-01-01T00:00:00Z", "nclab train " + String.join(" ", r.args()), false);
                List<Map<String, Double>> rows = List.of(Map.of("epoch", 1.0, "nc1", 1.0, "test_accuracy", 0.8));
                boolean ok = i != 1;
                db.recordFinished(new ResultsDb.Finished(r.id(), ok, "2026-01-01T00:01:00Z", 60, ok ? 0 : 1,
                        ok ? Map.of("test_accuracy", 0.8) : Map.of(), new ProbeTable("epoch", rows),
                        ok ? null : "loss is not finite at epoch 1\nmore"));
            }
            SweepData d = SweepData.load(db);
            assertEquals(2, d.runs().size());
            assertTrue(d.inProgress());
            Report.Section s = Report.sweep("Sweep partial", d, tmp.resolve("figs"), null);
            int total = runs.size();
            assertTrue(s.intro().startsWith("2 of " + total + " runs of <code>train</code> complete (1 failed, "
                    + (total - 3) + " pending); the sweep: 2 losses × 2 width × 2 epochs × 1 seed."), s.intro());
            assertTrue(s.intro().contains("The sweep is not finished"), s.intro());
            assertTrue(s.claims().isEmpty(), "no claim is judged while runs are pending");
            String failed = runs.get(1).id();
            assertTrue(s.body().contains("<td class=\"l\">" + failed + "</td><td class=\"l\">failed</td>"
                    + "<td class=\"l\">loss is not finite at epoch 1 …</td>"), s.body());
            assertTrue(s.body().contains("nclab train " + String.join(" ", runs.get(1).args()) + "   (failed)"),
                    s.body());
        }
    }
    /** A spread over seeds never shows more digits than the mean it qualifies. */
    @Test
    void aMeanAndItsSpreadShareTheirDecimals() {
        assertEquals("0.0870 ± 0.0042", Report.meanAndSpread(0.087, 0.004243, false));
        assertEquals("1.2346 ± 0.0042", Report.meanAndSpread(1.234567, 0.004243, false));
        assertEquals("0.116 ± 0", Report.meanAndSpread(0.116, 0, false));
        assertEquals("0.5 ± 1e-17", Report.meanAndSpread(0.5, 1e-17, false));
        assertEquals("81.20 ± 0.42", Report.meanAndSpread(0.812, 0.0042, true));
        assertEquals("123 ± 35", Report.meanAndSpread(123.4, 35.2, false));
        assertEquals("12350 ± 340", Report.meanAndSpread(12346, 345, false));
        assertEquals("1000000 ± 1200", Report.meanAndSpread(1e6, 1234, false));
    }
}
