package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nclab.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UfmCommandTest {

    @Test
    void jsonResultHasEveryFieldAndMatchesTheTheory() throws Exception {
        CliRunner.Result r = CliRunner.run("ufm", "--classes", "4", "--dim", "8", "--per-class", "3", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.lastLine());
        for (String f : List.of("objective", "theory_objective", "grad_norm", "nc1", "nc2", "nc3", "w_norm", "h_norm",
                "b_norm", "iterations", "seconds", "measure_seconds")) {
            assertTrue(j.has(f), "missing " + f + " in " + r.lastLine());
        }
        // measuring the logged rows is reported beside the solve's own time, not hidden
        assertTrue(j.get("measure_seconds").asDouble() > 0, r.lastLine());
        CliRunner.Result text = CliRunner.run("ufm", "--classes", "4", "--dim", "8", "--per-class", "3");
        assertTrue(text.out().matches("(?s).*stopped after \\d+ iterations \\(.*\\) in [0-9.]+ s \\(\\+[0-9.]+ s measuring"
                + " the \\d+ logged rows\\)\n.*"), text.out());
        assertEquals(j.get("theory_objective").asDouble(), j.get("objective").asDouble(),
                1e-8 * j.get("theory_objective").asDouble());
        assertTrue(j.get("nc1").asDouble() < 1e-4, r.lastLine());
        assertTrue(j.get("nc2").asDouble() < 1e-4, r.lastLine());
        assertTrue(j.get("nc3").asDouble() < 1e-4, r.lastLine());
        // standard output is the JSON alone; a progress line per log step goes to standard error
        assertEquals(1, r.out().strip().split("\n").length, r.out());
        assertTrue(r.err().startsWith("UFM: loss ce, K=4") && r.err().contains("\niter      0  f="), r.err());
    }

    @Test
    void outWritesConfigAndTrajectory(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        CliRunner.Result r = CliRunner.run("ufm", "--classes", "3", "--dim", "4", "--per-class", "2", "--loss", "mse",
                "--optimizer", "gd", "--iters", "20", "--log-every", "5", "--seed", "7", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode config = Json.MAPPER.readTree(out.resolve("config.json").toFile());
        assertEquals(7, config.get("settings").get("seed").asInt());
        assertEquals("mse", config.get("settings").get("loss").asText());
        assertTrue(config.has("git_commit") && config.has("nclab_version"));
        // which library decomposed numerical_rank's Gram matrices (its last digits depend on it)
        String library = config.get("numerical_rank_library").asText();
        assertTrue(library.startsWith("OpenBLAS") || library.startsWith("MKL") || library.equals("EJML"), library);
        List<String> lines = Files.readAllLines(out.resolve("trajectory.csv"));
        assertTrue(lines.get(0).startsWith("iteration,objective,grad_norm,seconds,"), lines.get(0));
        assertTrue(lines.get(0).contains("nc1"));
        assertEquals(5, lines.size() - 1, "rows at 0, 5, 10, 15 and 20: " + lines);
        try (var files = Files.list(out)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
        assertEquals(0, config.get("settings").get("threads").asInt(), "as asked: automatic");
        assertEquals(1, config.get("settings").get("threads_used").asInt(), "a problem this small runs on one");
        // a write that fails half way (here b.npy, a folder in the way; a full disk in the audit's case) takes back
        // the files this run added, and says it did not finish (config.json's "complete": false)
        for (String f : List.of("trajectory.csv", "W.npy", "features.npy", "b.npy", "labels.npy", "result.json")) {
            Files.delete(out.resolve(f));
        }
        Files.createDirectories(out.resolve("b.npy").resolve("in-the-way"));
        CliRunner.Result failed = CliRunner.run("ufm", "--classes", "3", "--dim", "4", "--per-class", "2", "--loss",
                "mse", "--optimizer", "gd", "--iters", "20", "--seed", "7", "--out", out.toString());
        assertEquals(2, failed.code(), failed.err());
        assertEquals(1, failed.err().strip().lines().count(), failed.err());
        for (String f : List.of("trajectory.csv", "W.npy", "features.npy", "result.json")) {
            assertTrue(!Files.exists(out.resolve(f)), f + " taken back");
        }
        assertTrue(Json.MAPPER.readTree(out.resolve("config.json").toFile()).has("complete"));
    }

    /** The solution is written as `nclab metrics` reads it: its NC metrics are the run's. */
    @Test
    void outWritesTheSolutionForMetrics(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        CliRunner.Result r = CliRunner.run("ufm", "--classes", "4", "--dim", "6", "--per-class-list", "3,2,4,3",
                "--iters", "30", "--out", out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode result = Json.MAPPER.readTree(r.lastLine());
        try (ai.djl.ndarray.NDManager m = io.nclab.nd.Nd.newManager()) {
            assertEquals(new ai.djl.ndarray.types.Shape(12, 6), io.nclab.io.Npy.read(out.resolve("features.npy"), m).getShape());
            assertEquals(new ai.djl.ndarray.types.Shape(4, 6), io.nclab.io.Npy.read(out.resolve("W.npy"), m).getShape());
        }
        CliRunner.Result metrics = CliRunner.run("metrics", "--features", out.resolve("features.npy").toString(), "--labels",
                out.resolve("labels.npy").toString(), "--weights", out.resolve("W.npy").toString(), "--bias",
                out.resolve("b.npy").toString(), "--json");
        assertEquals(0, metrics.code(), metrics.err());
        JsonNode m = Json.MAPPER.readTree(metrics.lastLine());
        for (String k : List.of("nc1", "nc2", "nc3")) {
            assertTrue(result.get(k).isNumber() && m.get(k).isNumber(), k + ": null would read as 0 on both sides");
            assertEquals(result.get(k).asDouble(), m.get(k).asDouble(), 1e-9 * Math.abs(result.get(k).asDouble()), k);
        }
    }

    /** Too large to hold, an overflowing N, a starting point that overflows: one line each, naming the cause. */
    @Test
    void impossibleProblemsAreOneLine() {
        String[][] cases = {
            {"the problem is too large (K = 3000, d = 3000, N = 900000", "--classes", "3000", "--dim", "3000",
                "--per-class", "300"},
            {"samples in all is more than", "--per-class", "2000000000"},
            {"--classes must be at most 10000000, got 2000000000", "--classes", "2000000000", "--per-class", "1"},
            {"the starting point's objective or gradient is not finite", "--init-scale", "1e200", "--classes", "3", "--dim", "4",
                "--per-class", "2"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length];
            args[0] = "ufm";
            System.arraycopy(c, 1, args, 1, c.length - 1);
            CliRunner.Result r = CliRunner.run(args);
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(c[0]) && r.err().strip().split("\n").length == 1, r.err());
        }
    }

    @Test
    void theoryCommandPrintsTheOracle() throws Exception {
        CliRunner.Result r = CliRunner.run("theory", "--loss", "mse", "--classes", "4", "--dim", "3", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.lastLine());
        assertEquals("d = K-1", j.get("regime").asText());
        assertEquals(4, j.get("b").size());
        CliRunner.Result none = CliRunner.run("theory", "--per-class-list", "2,3,4", "--json");
        JsonNode n = Json.MAPPER.readTree(none.lastLine());
        assertTrue(n.get("objective").isNull());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--loss hinge", "--classes 1", "--per-class-list 1,2 --classes 3", "--optimizer sgd",
        "--lr -1", "--iters abc", "--lambda-w -1", "--per-class 0", "--dim 0", "--log-every 0", "--bogus",
        "--init-scale 0", "--lr 0", "--lr NaN", "--no-bias --lambda-b 0.1", "--per-class 3 --per-class-list 1,2",
        "--per-class-list 2,3,4 --per-class-list 5"})
    void badInputIsOneLineAndExitTwo(String args) {
        String[] argv = ("ufm " + args).split(" ");
        CliRunner.Result r = CliRunner.run(argv);
        assertTrue(r.out().isEmpty(), "nothing is printed before the options are checked: " + r.out());
        assertEquals(2, r.code(), r.err() + r.out());
        String err = r.err().strip();
        assertFalse(err.isEmpty());
        assertEquals(1, err.split("\n").length, err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
    }

    @Test
    void aDivergingSolveSaysSoAndNamesTheStep() {
        CliRunner.Result r = CliRunner.run("ufm", "--classes", "3", "--dim", "4", "--per-class", "2", "--optimizer", "gd",
                "--lr", "1e6", "--iters", "50");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("diverged") && r.err().contains("lower --lr"), r.err());
    }

    /** A loss whose parameters overflow is named as the cause, not the starting point's scale. */
    @Test
    void aLossTooLargeForFloat64IsNamed() {
        CliRunner.Result r = CliRunner.run("ufm", "--classes", "4", "--dim", "4", "--per-class", "2", "--loss",
                "mse:alpha=1,m=1e300");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("the loss mse:alpha=1,m=1.0E300 is not finite even at zero logits")
                && !r.err().contains("--init-scale"), r.err());
        CliRunner.Result scale = CliRunner.run("ufm", "--classes", "4", "--dim", "4", "--per-class", "2",
                "--init-scale", "1e200");
        assertEquals(2, scale.code(), scale.err());
        assertTrue(scale.err().contains("lower --init-scale"), scale.err());
    }

    /** A step too large that blows the point up without reaching infinity is a failed solve too, with no output. */
    @Test
    void aSolveThatEndsAboveItsStartFails(@TempDir Path dir) {
        Path out = dir.resolve("blown");
        CliRunner.Result r = CliRunner.run("ufm", "--classes", "4", "--dim", "4", "--per-class", "2", "--optimizer", "gd",
                "--lr", "100", "--iters", "50", "--json", "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("did not descend") && r.err().contains("lower --lr"), r.err());
        // one line says what failed, after the solver's progress lines (standard error's under --json)
        assertEquals(1, r.err().lines().filter(l -> !l.startsWith("UFM: ") && !l.startsWith("iter ")).count(),
                r.err());
        assertTrue(r.out().isEmpty(), r.out());
        assertFalse(Files.exists(out), "no output folder for a failed solve");
        CliRunner.Result fine = CliRunner.run("ufm", "--classes", "4", "--dim", "4", "--per-class", "2", "--optimizer",
                "gd", "--lr", "0.1", "--iters", "3", "--json");
        assertEquals(0, fine.code(), fine.err());
        assertEquals(1, fine.out().strip().split("\n").length, fine.out());
    }

    @Test
    void anOutputPathThatIsAFileFailsBeforeTheSolve(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        CliRunner.Result r = CliRunner.run("ufm", "--classes", "3", "--dim", "4", "--per-class", "2", "--out",
                file.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("exists and is not a directory"), r.err());
        assertTrue(r.out().isEmpty(), r.out());
        CliRunner.Result empty = CliRunner.run("ufm", "--out", "");
        assertEquals(2, empty.code());
        assertTrue(empty.err().contains("an empty path"), empty.err());
    }

    @Test
    void theoryGivesNoAnswerWhereFloat64CannotResolveIt() throws Exception {
        // λ_Wλ_H = 1e-610 underflows if multiplied first; K·sqrt(nλ_Wλ_H) = 4e-305 is near float64's underflow
        CliRunner.Result tiny = CliRunner.run("theory", "--classes", "3", "--dim", "4", "--per-class", "2",
                "--lambda-w", "1e-305", "--lambda-h", "1e-305", "--json");
        assertEquals(0, tiny.code(), tiny.err());
        JsonNode t = Json.MAPPER.readTree(tiny.lastLine());
        assertTrue(t.get("objective").isNull());
        assertTrue(t.get("regime").asText().contains("too small for float64"), t.toString());
        for (String cmd : new String[] {"ufm", "saddle"}) {
            CliRunner.Result r = CliRunner.run(cmd, "--classes", "3", "--dim", "4", "--per-class", "2", "--lambda-w",
                    "1e-305", "--lambda-h", "1e-305", "--json");
            assertEquals(0, r.code(), cmd + ": " + r.err());
        }
        // MSE without weight decay on W has no minimiser, so no theorem applies
        CliRunner.Result mse = CliRunner.run("theory", "--loss", "mse", "--lambda-w", "0", "--json");
        JsonNode m = Json.MAPPER.readTree(mse.lastLine());
        assertTrue(m.get("objective").isNull() && m.get("regime").asText().contains("lambda_w, lambda_h > 0"));
    }

    /** result.json writes an undefined metric as null, as --json does, never as the string "NaN". */
    @Test
    void resultFilesWriteUndefinedNumbersAsNull(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("nan");
        CliRunner.Result r = CliRunner.run("ufm", "--loss", "mse:alpha=2,m=3", "--optimizer", "gd", "--lr", "0.5",
                "--iters", "120", "--classes", "2", "--dim", "1", "--per-class", "6", "--no-bias", "--out",
                out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        String file = Files.readString(out.resolve("result.json"));
        assertFalse(file.contains("\"NaN\""), file);
        JsonNode j = Json.MAPPER.readTree(file);
        assertEquals(Json.MAPPER.readTree(r.lastLine()).get("nc1"), j.get("nc1"));
        assertTrue(Json.MAPPER.readTree(out.resolve("config.json").toFile()).get("settings").get("lambda_b").isNull(),
                "no bias: no bias decay recorded");
    }

    @Test
    void nonFiniteResultsAreJsonNullNotStrings() throws Exception {
        // the MSE theory has no scalar t (NaN in the prediction): null in JSON, as every undefined number
        CliRunner.Result r = CliRunner.run("theory", "--loss", "mse", "--classes", "4", "--dim", "3", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.lastLine());
        assertTrue(j.has("t") && j.get("t").isNull(), j.toString());
        assertEquals("{\"a\":null,\"b\":null,\"c\":1.5}",
                Json.result(new java.util.TreeMap<>(java.util.Map.of("a", Double.NaN, "b", Double.POSITIVE_INFINITY,
                        "c", 1.5))));
    }

    @Test
    void configRecordsTheCommandLineAndTheReportShowsIt(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run with space");
        CliRunner.Result r = CliRunner.run("ufm", "--classes", "3", "--dim", "4", "--per-class", "2", "--iters", "5",
                "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode cfg = Json.MAPPER.readTree(Files.readString(run.resolve("config.json")));
        String line = "nclab ufm --classes 3 --dim 4 --per-class 2 --iters 5 --out '" + run + "'";
        assertEquals(line, cfg.get("command_line").asText());
        CliRunner.Result rep = CliRunner.run("report", run.toString(), "--out", dir.resolve("rep").toString());
        assertEquals(0, rep.code(), rep.err());
        String html = Files.readString(dir.resolve("rep/report.html"));
        assertTrue(html.contains("nclab ufm --classes 3 --dim 4 --per-class 2 --iters 5 --out &#39;")
                || html.contains("nclab ufm --classes 3 --dim 4 --per-class 2 --iters 5 --out '"), html);
        // a second solve into the same folder is refused, the first run untouched
        String before = Files.readString(run.resolve("result.json"));
        CliRunner.Result again = CliRunner.run("ufm", "--loss", "mse", "--classes", "3", "--dim", "4", "--iters", "5",
                "--out", run.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already holds a ufm run"), again.err());
        assertEquals(before, Files.readString(run.resolve("result.json")));
        // a folder of the user's own files (no nclab config.json) is not written into either
        Path mine = Files.createDirectories(run.resolveSibling("mine"));
        Files.writeString(mine.resolve("W.npy"), "my own");
        CliRunner.Result theirs = CliRunner.run("ufm", "--classes", "3", "--dim", "4", "--iters", "5", "--out",
                mine.toString());
        assertEquals(2, theirs.code());
        assertTrue(theirs.err().contains("is not empty and holds no config.json of an nclab ufm run"), theirs.err());
        assertEquals("my own", Files.readString(mine.resolve("W.npy")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e-8", "1e-9"})
    void aStartNextToTheOriginSaddleEscapesToTheOptimum(String scale) throws Exception {
        // W = H = 0 is a strict saddle; a start of scale 1e-8 has a gradient of 7e-9, whose first steps change f by
        // less than its round-off (the line search had taken that for machine precision and stopped at f = log K),
        // and at 1e-9 the memory gathered on the way out sent the next step orders of magnitude too far (stopped at
        // 2.2957 with |grad f| = 0.12)
        CliRunner.Result r = CliRunner.run("ufm", "--init-scale", scale, "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.lastLine());
        assertTrue(Math.abs(j.get("relative_gap").asDouble()) < 1e-9, r.lastLine());
    }

    @Test
    void aStartWithinTheToleranceOfTheSaddleSaysSo() {
        CliRunner.Result r = CliRunner.run("ufm", "--init-scale", "1e-10");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("stopped after 0 iterations (gradient tolerance)"), r.out());
        assertTrue(r.out().contains("note      the gradient is within --tol at a critical point above the optimum: a"
                + " strict saddle (a start of scale 1.00e-10 is next to W = H = 0)"), r.out());
        // a solve that reaches the optimum says nothing of the kind
        assertFalse(CliRunner.run("ufm").out().contains("strict saddle"));
    }

    @Test
    void whereTheMinimiserIsTheOriginCollapseIsUndefined() throws Exception {
        CliRunner.Result r = CliRunner.run("ufm", "--classes", "5", "--dim", "8", "--per-class", "5", "--lambda-w",
                "0.2", "--lambda-h", "0.1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(j.get("theory_regime").asText().contains("W = H = 0"), j.toString());
        assertTrue(j.get("nc1").isNull() && j.get("nc2").isNull() && j.get("nc3").isNull(), j.toString());
        // one iteration stops far from the origin: the point it reached has features, and their metrics
        CliRunner.Result early = CliRunner.run("ufm", "--classes", "5", "--dim", "8", "--per-class", "5", "--lambda-w",
                "0.2", "--lambda-h", "0.1", "--iters", "1", "--json");
        assertEquals(0, early.code(), early.err());
        JsonNode e = Json.MAPPER.readTree(early.out().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(e.get("relative_gap").asDouble() > 1e-3, e.toString());
        assertTrue(e.get("nc1").isNumber() && e.get("nc2").isNumber() && e.get("nc3").isNumber(), e.toString());
        CliRunner.Result text = CliRunner.run("ufm", "--classes", "5", "--dim", "8", "--per-class", "5", "--lambda-w",
                "0.2", "--lambda-h", "0.1", "--iters", "1");
        assertTrue(text.out().contains("note      the global minimiser is W = H = 0, but the solver stopped away"),
                text.out());
        // no theory (rescaled MSE, alpha != 1), but the solver ends at the origin: dropping W and H leaves the objective
        // as it is, so its NC metrics would be those of round-off (nc2 0.989 was reported)
        String[] noTheory = {"ufm", "--loss", "mse:alpha=0.1,m=1", "--classes", "10", "--dim", "5", "--per-class", "5"};
        CliRunner.Result none = CliRunner.run(concat(noTheory, "--json"));
        assertEquals(0, none.code(), none.err());
        JsonNode n = Json.MAPPER.readTree(none.lastLine());
        assertTrue(n.get("theory_objective").isNull() && n.get("w_norm").asDouble() < 1e-4, n.toString());
        assertTrue(n.get("nc1").isNull() && n.get("nc2").isNull() && n.get("nc3").isNull(), n.toString());
        assertTrue(CliRunner.run(noTheory).out().contains("collapse  undefined: the solver ended at W = H = 0"));
        // and where it ends away from the origin, its metrics stand
        CliRunner.Result away = CliRunner.run("ufm", "--loss", "mse:alpha=2,m=3", "--classes", "4", "--dim", "6",
                "--per-class", "5", "--json");
        JsonNode a = Json.MAPPER.readTree(away.lastLine());
        assertTrue(a.get("theory_objective").isNull() && a.get("nc1").isNumber(), a.toString());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
