package io.nclab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepTest {
    static final ChildJvm CHILD = new ChildJvm(FakeChild.class.getName(), "train", true, false);

    static SweepSpec spec(String epochs, String sleepMs) {
        return new SweepSpec("fake", "train", List.of("ce", "mse:alpha=1,m=15"),
                Map.of("width", List.of("0.5", "2")), List.of(0L), Map.of("epochs", epochs, "sleep-ms", sleepMs));
    }

    @TempDir
    Path tmp;

    /** A continued run gets the sweep's thread budget of this time, as a fresh one does. */
    @Test
    void continuationsGetTheThreadBudgetToo() {
        ChildJvm child = new ChildJvm("Main", "train", true, true);
        RunSpec run = new SweepSpec("x", "train", List.of("ce"), Map.of(), null, Map.of("epochs", "1")).runs().get(0);
        java.util.List<String> resumed = child.commandLine(run, java.nio.file.Path.of("/tmp/r"), 3, true);
        int at = resumed.indexOf("--resume");
        assertTrue(at > 0 && resumed.get(at + 1).equals("/tmp/r"), resumed.toString());
        assertTrue(resumed.containsAll(java.util.List.of("--threads", "3")), resumed.toString());
        assertFalse(resumed.contains("--epochs"), "the run's own options stay in its config.json: " + resumed);
    }

    @Test
    void expandsTheCartesianProductWithStableIdsAndFlags() {
        SweepSpec s = new SweepSpec("x", "train", List.of("ce", "focal:gamma=3"),
                new java.util.LinkedHashMap<>(Map.of("width", List.of("0.25", "1"))), List.of(0L, 1L),
                Map.of("fixed-etf", "true", "no-bias", "false", "per-class", "50"));
        List<RunSpec> runs = s.runs();
        assertEquals(8, runs.size());
        RunSpec first = runs.get(0);
        assertEquals("ce_width=0.25_seed=0", first.id());
        assertEquals(Map.of("width", "0.25"), first.varied());
        assertTrue(first.args().contains("--fixed-etf"));
        assertFalse(first.args().contains("--no-bias"));
        assertEquals("50", first.args().get(first.args().indexOf("--per-class") + 1));
        assertEquals("focal-gamma=3_width=1_seed=1", runs.get(7).id());
        assertThrows(UserError.class, () -> new SweepSpec("x", "train", null, Map.of(), null, Map.of("out", "d")));
        assertThrows(UserError.class, () -> new SweepSpec("bad name", "train", null, Map.of(), null, Map.of()));
        // no losses given means ce; losses given as none is a mistake, as landscape --losses '' is
        assertEquals(List.of("ce"), new SweepSpec("x", "train", null, Map.of(), null, Map.of()).losses());
        assertEquals("--losses names no loss", assertThrows(UserError.class, () -> new SweepSpec("x", "train",
                List.of(), Map.of(), null, Map.of())).getMessage());
    }

    @Test
    void readsTheJsonForm() throws Exception {
        Path f = tmp.resolve("s.json");
        Files.writeString(f, "{\"name\": \"j\", \"command\": \"ufm\", \"losses\": \"ce,mse:alpha=1,m=15\","
                + " \"grid\": {\"dim\": [3, 9]}, \"seeds\": [0, 1], \"options\": {\"iters\": 100, \"no-bias\": true},"
                + " \"workers\": 2}");
        SweepSpec s = SweepSpec.read(f);
        assertEquals(List.of("ce", "mse:alpha=1,m=15"), s.losses());
        assertEquals(8, s.runs().size());
        assertEquals(2, SweepSpec.execution(f)[0]);
        Files.writeString(f, "{\"name\": \"j\", \"gird\": {}}");
        assertThrows(UserError.class, () -> SweepSpec.read(f));
        String[][] wrong = {
            {"\"workers\": \"two\"", "\"workers\" must be a whole number >= 1, got \"two\""},
            {"\"workers\": -3", "\"workers\" must be a whole number >= 1, got -3"},
            {"\"threads\": 1.5", "\"threads\" must be a whole number >= 1, got 1.5"},
            {"\"grid\": [1, 2]", "\"grid\" must be an object of option: [values], got [1,2]"},
            {"\"seeds\": [0, \"one\"]", "\"seeds\" must be whole numbers, got \"one\""},
            {"\"name\": 7", "\"name\" must be a string, got 7"},
            {"\"losses\": \"\"", "\"losses\" names no loss"},
            {"\"losses\": []", "\"losses\" names no loss"},
        };
        for (String[] w : wrong) {
            // a name of its own where the case gives one (a key twice is refused as such)
            Files.writeString(f, "{" + (w[0].startsWith("\"name\"") ? "" : "\"name\": \"j\", ") + w[0] + "}");
            UserError e = assertThrows(UserError.class, () -> {
                SweepSpec.read(f);
                SweepSpec.execution(f);
            }, w[0]);
            assertEquals(f + ": " + w[1], e.getMessage());
        }
    }

    @Test
    void runsRecordsAndSkipsCompleteRunsOnRestart() {
        Path dir = tmp.resolve("fake");
        Sweep.Outcome o = new Sweep(dir, spec("3", "20"), CHILD, null).run(2, 1);
        assertTrue(o.allComplete(), o.toString());
        assertEquals(4, o.completed());
        try (ResultsDb db = ResultsDb.openReadOnly(dir.resolve(ResultsDb.FILE))) {
            List<Map<String, Object>> rows = db.runs(null);
            assertEquals(4, rows.size());
            Map<String, Object> r = rows.get(0);
            assertEquals("complete", r.get("status"));
            assertEquals(0.5, r.get("width"));
            assertEquals(3, ((Number) r.get("epochs")).intValue());
            assertTrue(((Number) r.get("test_accuracy")).doubleValue() > 0.5);
            assertEquals(null, r.get("final_nc2"), "NaN results are stored as NULL");
            assertEquals(3, ((Number) r.get("result_epochs")).intValue(), "a result named like a setting is prefixed");
            assertEquals(4 * 3 * 3, db.probeCount());
            double[][] nc1 = db.probes((String) r.get("run_id")).get("nc1");
            assertEquals(List.of(1.0, 2.0, 3.0), List.of(nc1[0][0], nc1[0][1], nc1[0][2]));
            assertEquals(1, db.runs("width > 1 AND loss = 'ce'").size());
            assertThrows(UserError.class, () -> db.runs("no_such_column = 1"));
        }
        Sweep.Outcome again = new Sweep(dir, spec("3", "20"), CHILD, null).run(2, 1);
        assertEquals(4, again.alreadyComplete());
        assertEquals(0, again.completed());
        assertThrows(UserError.class, () -> new Sweep(dir, spec("4", "20"), CHILD, null).run(1, 1));
        // a database deleted and made again from the runs' folders keeps each run's command line
        String line;
        try (ResultsDb db = ResultsDb.openReadOnly(dir.resolve(ResultsDb.FILE))) {
            line = (String) db.runs(null).get(0).get("command_line");
        }
        assertTrue(line != null && line.contains("--epochs"), line);
        try {
            Files.delete(dir.resolve(ResultsDb.FILE));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertEquals(4, new Sweep(dir, spec("3", "20"), CHILD, null).run(2, 1).recorded());
        try (ResultsDb db = ResultsDb.openReadOnly(dir.resolve(ResultsDb.FILE))) {
            assertEquals(line, db.runs(null).get(0).get("command_line"));
        }
    }

    /** A results database copied from another sweep is refused, not merged into this one. */
    @Test
    void aDatabaseOfAnotherSweepIsNotTakenOver() throws Exception {
        Path other = tmp.resolve("other");
        SweepSpec otherSpec = new SweepSpec("other", "train", List.of("ce"), Map.of(), List.of(0L),
                Map.of("epochs", "1", "sleep-ms", "1"));
        assertTrue(new Sweep(other, otherSpec, CHILD, null).run(1, 1).allComplete());
        Path dir = tmp.resolve("fake");
        Files.createDirectories(dir);
        Files.copy(other.resolve(ResultsDb.FILE), dir.resolve(ResultsDb.FILE));
        byte[] before = Files.readAllBytes(dir.resolve(ResultsDb.FILE));
        UserError e = assertThrows(UserError.class, () -> new Sweep(dir, spec("1", "1"), CHILD, null).run(1, 1));
        assertTrue(e.getMessage().contains("belongs to another sweep ('other', train runs)"), e.getMessage());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(dir.resolve(ResultsDb.FILE))));
        assertFalse(Files.exists(dir.resolve("runs").resolve("ce_width=0.5_seed=0")));
        // the refusal leaves the folder as it found it: no runs/, no sweep.lock
        try (var files = Files.list(dir)) {
            assertEquals(List.of(ResultsDb.FILE), files.map(f -> f.getFileName().toString()).toList());
        }
        // the same where the folder holds another sweep's settings: it keeps only that file
        Path fresh = tmp.resolve("fresh");
        Files.createDirectories(fresh);
        Files.copy(other.resolve(Sweep.SPEC_FILE), fresh.resolve(Sweep.SPEC_FILE));
        assertThrows(UserError.class, () -> new Sweep(fresh, spec("1", "1"), CHILD, null).run(1, 1));
        try (var files = Files.list(fresh)) {
            assertEquals(List.of(Sweep.SPEC_FILE), files.map(f -> f.getFileName().toString()).toList());
        }
    }

    /** The workers and threads a sweep was started with are kept beside its spec, for a continuation. */
    @Test
    void theExecutionSettingsAreKept() {
        Path dir = tmp.resolve("kept");
        assertTrue(new Sweep(dir, spec("1", "1"), CHILD, null).run(2, 3).allComplete());
        int[] stored = SweepSpec.execution(dir.resolve(Sweep.SPEC_FILE));
        assertEquals(2, stored[0]);
        assertEquals(3, stored[1]);
        assertEquals(spec("1", "1"), Sweep.existing(dir));
    }

    @Test
    void aFailedRunIsRecordedAndRetriedOnRestart() throws Exception {
        Path dir = tmp.resolve("failing");
        SweepSpec failing = new SweepSpec("failing", "train", List.of("ce"), Map.of(), List.of(0L),
                Map.of("fail", "true"));
        Sweep.Outcome o = new Sweep(dir, failing, CHILD, null).run(1, 1);
        assertEquals(1, o.failed());
        try (ResultsDb db = ResultsDb.openReadOnly(dir.resolve(ResultsDb.FILE))) {
            Map<String, Object> r = db.runs(null).get(0);
            assertEquals("failed", r.get("status"));
            assertEquals(3, ((Number) r.get("exit_code")).intValue());
            assertTrue(((String) r.get("error")).contains("fake failure"), (String) r.get("error"));
        }
        assertEquals(1, new Sweep(dir, failing, CHILD, null).run(1, 1).failed());
        try (ResultsDb db = ResultsDb.openReadOnly(dir.resolve(ResultsDb.FILE))) {
            assertEquals(2, ((Number) db.runs(null).get(0).get("attempts")).intValue());
        }
    }

    /**
     * A run recorded as running shows as interrupted once its process is gone, and as running while it lives,
     * wherever `results` is started from: the database's run_dir may be relative to where an older sweep was
     * started (an audit saw "running" from another directory), so the run's folder is looked for beside the database.
     */
    /**
     * A relative --data-dir is kept absolute, so a sweep continued by --name from another directory finds its data
     * (it failed every run with "no IDX data directory fm").
     */
    @Test
    void aRelativeDataDirIsKeptAbsolute() {
        SweepSpec s = new SweepSpec("d", "train", List.of("ce"), Map.of(), List.of(0L), Map.of("data-dir", "fm"));
        assertEquals(Path.of("fm").toAbsolutePath().normalize().toString(), s.options().get("data-dir"));
        assertEquals(s, new SweepSpec("d", "train", List.of("ce"), Map.of(), List.of(0L), Map.of("data-dir",
                Path.of("fm").toAbsolutePath().toString())), "the same sweep, written either way");
    }

    /** A --where condition is one condition: parentheses that close nclab's own are refused, quoted ones are text. */
    @Test
    void aConditionsParenthesesMustPairUp() {
        assertTrue(ResultsDb.balanced("dim = 3 AND (loss = 'ce' OR loss = 'mse')"));
        assertTrue(ResultsDb.balanced("loss = 'a)b'"));
        assertFalse(ResultsDb.balanced("dim = 3) OR (1=1"));
        assertFalse(ResultsDb.balanced("(dim = 3"));
        assertFalse(ResultsDb.balanced("/* ( */ loss = 'ce') OR (1 /* ) */"), "a comment hides nothing");
        assertFalse(ResultsDb.balanced("loss = 'ce' -- )"));
        assertTrue(ResultsDb.balanced("`a)` = 1 AND [b(] = 2"));
    }

    /**
     * A run's recorded command line is its first attempt's while later attempts resume it (their --resume line says
     * nothing of the settings), and an attempt that starts it over replaces it: it may run on another thread count.
     */
    @Test
    void aRunStartedOverRecordsItsOwnCommandLine() throws Exception {
        RunSpec r = new RunSpec("ce-s0", "ce", 0, Map.of(), List.of());
        try (ResultsDb db = ResultsDb.open(tmp.resolve("cl").resolve(ResultsDb.FILE))) {
            db.register("train", List.of(r), Map.of(), tmp.resolve("cl/runs"));
            db.markRunning(r.id(), "2026-11-24T00:00:00Z", "nclab train --threads 1", false);
            db.markRunning(r.id(), "2026-11-24T00:01:00Z", "nclab train --resume runs/ce-s0 --threads 1", true);
            assertEquals("nclab train --threads 1", db.runs(null).get(0).get("command_line"));
            db.markRunning(r.id(), "2026-11-24T00:02:00Z", "nclab train --threads 2", false);
            assertEquals("nclab train --threads 2", db.runs(null).get(0).get("command_line"));
        }
    }

    @Test
    void aRunsShownStatusDoesNotDependOnTheCurrentDirectory() throws Exception {
        Path dir = tmp.resolve("moved");
        RunSpec r = new RunSpec("ce-s0", "ce", 0, Map.of(), List.of());
        Path lock = dir.resolve("runs").resolve(r.id()).resolve(Sweep.LOCK_FILE);
        Files.createDirectories(lock.getParent());
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Process live = new ProcessBuilder("sh", "-c", "sleep 60", "--out", "elsewhere/runs/" + r.id()).start();
        try {
            try (ResultsDb db = ResultsDb.open(dir.resolve(ResultsDb.FILE))) {
                // as an older nclab stored it: relative to a directory the reader is not in
                db.register("train", List.of(r), Map.of(), Path.of("no-such-dir/sweeps/moved/runs"));
                db.markRunning(r.id(), "2026-11-24T00:00:00Z", "./nclab train ...", false);
            }
            for (long pid : new long[] {gone.pid(), live.pid()}) {
                io.nclab.io.Json.writePretty(lock, Map.of("child_pid", pid));
                try (ResultsDb db = ResultsDb.openReadOnly(dir.resolve(ResultsDb.FILE))) {
                    assertEquals(pid == gone.pid() ? "interrupted" : "running", db.runs(null).get(0).get("status"));
                }
            }
        } finally {
            live.destroyForcibly().waitFor();
        }
    }

    /** The acceptance: kill -9 in the middle, start again: all complete, none twice, a sound database. */
    @Test
    void aSweepKilledWithSigkillFinishesOnRestartWithNoRunTwice() throws Exception {
        Path dir = tmp.resolve("killed");
        Process sweep = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), FakeChild.Driver.class.getName(), dir.toString(), "2", "6", "250")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("driver.log").toFile()).start();
        Path runs = dir.resolve("runs");
        long deadline = System.nanoTime() + 60_000_000_000L;
        // Kill while one run is done and another is mid-way: checkpointed, with at least two epochs (500 ms)
        // to go, so that it cannot finish between this check and the kill.
        while (System.nanoTime() < deadline && !(finished(runs) >= 1 && midRun(runs, 6 - 2))) {
            Thread.sleep(20);
        }
        assertTrue(finished(runs) >= 1 && midRun(runs, 6 - 2), "the sweep made progress before the kill");
        List<ProcessHandle> children = sweep.descendants().toList();
        sweep.destroyForcibly().waitFor();   // SIGKILL on Unix: no shutdown hooks run
        for (ProcessHandle c : children) {
            c.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);   // ParentWatch ends them
        }
        // until the sweep starts again, a run the kill stopped shows as interrupted, not running, and a
        // condition on the status sees what is shown
        try (ResultsDb db = ResultsDb.openReadOnly(dir.resolve(ResultsDb.FILE))) {
            List<Map<String, Object>> interrupted = db.runs("status = 'interrupted'");
            assertFalse(interrupted.isEmpty(), "the kill left runs that were running");
            assertTrue(interrupted.stream().allMatch(r -> "interrupted".equals(r.get("status"))), interrupted.toString());
            assertEquals(List.of(), db.runs("status = 'running'"), "no run is running after the kill");
            assertEquals(interrupted.size(), db.runs(null).stream().filter(r -> "interrupted".equals(r.get("status")))
                    .count());
        }
        Sweep.Outcome o = new Sweep(dir, spec("6", "250"), CHILD, null).run(2, 1);
        assertTrue(o.allComplete(), o.toString());
        int resumed = 0;
        try (ResultsDb db = ResultsDb.openReadOnly(dir.resolve(ResultsDb.FILE))) {
            assertEquals("ok", db.integrityCheck());
            for (Map<String, Object> r : db.runs(null)) {
                assertEquals("complete", r.get("status"));
                List<String> starts = Files.readAllLines(Path.of((String) r.get("run_dir")).resolve("starts.log"));
                assertEquals(1, Collections.frequency(starts, "done"), r.get("run_id") + " finished once: " + starts);
                assertEquals(1, Collections.frequency(starts, "fresh"), r.get("run_id") + " started once: " + starts);
                assertEquals(6, db.probes((String) r.get("run_id")).get("nc1")[0].length);
                resumed += Collections.frequency(starts, "resume");
                assertFalse(((String) r.get("command_line")).contains("--resume"),
                        "a resumed run keeps the command line of its settings: " + r.get("command_line"));
            }
        }
        assertTrue(resumed >= 1, "a run interrupted by the kill resumed from its checkpoint");
    }

    /**
     * While runs go, the sweep relays each one's newest progress line now and then, once per change, from standard
     * error (train) or standard output (ufm).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aSweepReportsTheProgressOfItsRunningRuns(boolean onStdout) {
        Path dir = tmp.resolve("status-" + onStdout);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        double before = Sweep.statusSeconds;
        Sweep.statusSeconds = 0.1;
        try (java.io.PrintStream log = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8)) {
            Map<String, String> options = new java.util.HashMap<>(Map.of("epochs", "8", "sleep-ms", "300"));
            if (onStdout) {
                options.put("stdout-progress", "true");
            }
            SweepSpec one = new SweepSpec("status", "train", List.of("ce"), Map.of(), List.of(0L), options);
            assertTrue(new Sweep(dir, one, CHILD, log).run(1, 1).allComplete());
        } finally {
            Sweep.statusSeconds = before;
        }
        List<String> status = bytes.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("  ce_seed=0 (running ")).toList();
        assertTrue(status.size() >= 3, "status lines while the run went: " + status);
        // the child's last line on standard output ("epoch 8 finished") is its newest line if a status falls between it
        // and the run's end
        String line = "  ce_seed=0 \\(running \\d+ s\\): epoch (\\d/8|8 finished)";
        assertTrue(status.stream().allMatch(l -> l.matches(line)), status.toString());
        assertEquals(status.size(), status.stream().map(l -> l.replaceAll(".*: ", "")).distinct().count(),
                "each progress line once: " + status);
    }

    @Test
    void theLastLineOfALogIsReadFromItsTailAndFromTheNewestStart() throws Exception {
        Path log = tmp.resolve("stderr.log");
        Files.writeString(log, "--- start 1\nepoch 1/3\nkilled\n--- start 2\n");
        assertEquals(null, Sweep.lastLine(log, 0, true), "nothing from the newest attempt yet");
        assertEquals("--- start 2", Sweep.lastLine(log, 0, false));
        Files.writeString(log, "x".repeat(20_000) + "\nepoch 2/3\r\n\n", java.nio.file.StandardOpenOption.APPEND);
        assertEquals("epoch 2/3", Sweep.lastLine(log, 0, true));
        long size = Files.size(log);
        assertEquals(null, Sweep.lastLine(log, size, false), "nothing after the offset");
        Files.writeString(log, "iter 50\n", java.nio.file.StandardOpenOption.APPEND);
        assertEquals("iter 50", Sweep.lastLine(log, size, false));
        assertEquals(null, Sweep.lastLine(tmp.resolve("absent.log"), 0, true));
        Files.writeString(log, "--- 2026-11-24T07:27:07.010Z nclab train\n--- not an instant\n--- 2026-11-24T08:00:00Z nclab"
                + " train --resume\nepoch 3/3\n");
        assertEquals(java.time.Instant.parse("2026-11-24T08:00:00Z"), Sweep.attemptStart(log), "the newest start");
        assertEquals(null, Sweep.attemptStart(tmp.resolve("absent.log")));
        assertEquals("42 s", Sweep.elapsed(42.4));
        assertEquals("7 min 05 s", Sweep.elapsed(425));
        assertEquals("3 h 02 min", Sweep.elapsed(3 * 3600 + 125));
    }

    /** A sweep stopped with SIGTERM (or Ctrl-C) says how to continue it; one that ends by itself does not. */
    @Test
    void aStoppedSweepSaysHowToContinue() throws Exception {
        Path dir = tmp.resolve("stopped");
        Path log = tmp.resolve("stopped.log");
        Process sweep = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), FakeChild.Driver.class.getName(), dir.toString(), "1", "6", "250")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline && !midRun(dir.resolve("runs"), 6 - 2)) {
            Thread.sleep(20);
        }
        assertTrue(midRun(dir.resolve("runs"), 6 - 2), "the sweep made progress before it was stopped");
        sweep.destroy(); // SIGTERM: shutdown hooks run
        sweep.waitFor();
        String said = Files.readString(log);
        assertTrue(said.contains("interrupted; ./nclab sweep --name " + SweepTest.spec("6", "250").name() + " --root "
                + dir.toAbsolutePath().normalize().getParent() + " continues it"), said);
        Path done = tmp.resolve("done");
        Path doneLog = tmp.resolve("done.log");
        Process whole = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), FakeChild.Driver.class.getName(), done.toString(), "2", "1", "10")
                .redirectErrorStream(true).redirectOutput(doneLog.toFile()).start();
        assertEquals(0, whole.waitFor());
        assertFalse(Files.readString(doneLog).contains("interrupted"), Files.readString(doneLog));
    }

    private static long finished(Path runs) throws Exception {
        return count(runs, Sweep.RESULT_FILE);
    }

    /** Whether some run has checkpointed an epoch in 1..{@code last} and not finished. */
    private static boolean midRun(Path runs, int last) throws Exception {
        if (!Files.isDirectory(runs)) {
            return false;
        }
        try (var s = Files.list(runs)) {
            for (Path d : (Iterable<Path>) s::iterator) {
                Path ckpt = d.resolve("checkpoint.txt");
                Path starts = d.resolve("starts.log");
                try {
                    int epoch = Integer.parseInt(Files.readString(ckpt).strip());
                    if (epoch >= 1 && epoch <= last && !Files.readString(starts).contains("done")) {
                        return true;
                    }
                } catch (java.io.IOException | NumberFormatException e) {
                    // not written yet, or being replaced
                }
            }
        }
        return false;
    }

    private static long count(Path runs, String file) throws Exception {
        if (!Files.isDirectory(runs)) {
            return 0;
        }
        try (var s = Files.list(runs)) {
            return s.filter(d -> Files.exists(d.resolve(file))).count();
        }
    }
}
