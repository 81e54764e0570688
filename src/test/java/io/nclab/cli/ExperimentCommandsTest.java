package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.experiment.ResultsDb;
import io.nclab.experiment.SweepSpec;
import io.nclab.report.ReportTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sweep, results and report as a user types them (no child runs here: SweepTest runs those). */
class ExperimentCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void sweepPassesUnknownOptionsToEachRunAndChecksThemFirst() throws Exception {
        // (the checks of option values are below the unknown-option checks)
        assertEquals(Map.of("per-class", "50", "fixed-etf", "true", "lr", "0.05"),
                SweepCommand.options(List.of("--per-class", "50", "--fixed-etf", "--lr=0.05")));
        CliRunner.Result r = CliRunner.run("sweep", "--root", tmp.toString(), "--name", "x", "--grid", "width=1,2",
                "--no-such-option", "3");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no-such-option"), r.err());
        assertEquals(2, CliRunner.run("sweep", "--root", tmp.toString(), "--name", "x", "--grid", "width").code());
        assertEquals(2, CliRunner.run("sweep", "--root", tmp.toString(), "--name", "x", "--command", "nope").code());
        assertEquals(2, CliRunner.run("sweep", "--root", tmp.toString(), "--grid", "width=1").code(), "no --name");
        // (--epochs 0: were the empty list taken for ce, the sweep would stop there rather than train)
        CliRunner.Result noLoss = CliRunner.run("sweep", "--root", tmp.toString(), "--name", "x", "--losses", "",
                "--epochs", "0");
        assertEquals(2, noLoss.code(), noLoss.err());
        assertEquals("nclab sweep: --losses names no loss", noLoss.err().strip());
        String[][] reserved = {
            {"--grid axis 'loss' is set by the sweep itself: give the losses with --losses", "--grid", "loss=ce,mse"},
            {"option --seed is set by the sweep itself: give the seeds with --seeds", "--seed", "3"},
            {"--grid axis 'out' is set by the sweep itself for every run", "--grid", "out=a,b"},
        };
        // values are checked as each run would check them, before the sweep creates anything
        String[][] values = {
            {"--epochs must be", "--grid", "epochs=1,-1"},
            {"--epochs must be at most 100,000 (the papers train for at most 800), got 100,000,000", "--grid",
                "epochs=1,100000000"},
            {"--width 1e-9 gives 1.02e-6 hidden units (1024·X): it must be from 0.00048828125 to 1024 for mlp", "--grid",
                "width=1,1e-9"},
            {"--fixed-etf needs --feature-dim d >= K - 1 = 9", "--fixed-etf", "--feature-dim", "5"},
            {"--step-every sets --schedule step's interval", "--grid", "step-every=2,4"},
            {"unexpected 'maybe' (a flag such as --fixed-etf takes true or false", "--grid", "fixed-etf=maybe"},
            // an option for some runs of the grid only: advice that fits a sweep
            {"--lbfgs-iterations is L-BFGS's; the optimizer is sgd: add --optimizer lbfgs (a sweep passes every option"
                + " to every run: leave this option out, or sweep the runs that use it under a --name of their own)",
                "--grid", "optimizer=sgd,lbfgs", "--lbfgs-iterations", "2"},
        };
        for (String[] c : values) {
            String[] args = new String[c.length - 1 + 5];
            args[0] = "sweep";
            args[1] = "--root";
            args[2] = tmp.toString();
            args[3] = "--name";
            args[4] = "checked";
            System.arraycopy(c, 1, args, 5, c.length - 1);
            CliRunner.Result e = CliRunner.run(args);
            assertEquals(2, e.code(), e.err());
            assertTrue(e.err().startsWith("nclab sweep: run ") && e.err().contains(c[0]), e.err());
            assertTrue(!Files.exists(tmp.resolve("checked")), "nothing created for " + c[0]);
        }
        for (String[] c : reserved) {
            CliRunner.Result e = CliRunner.run("sweep", "--root", tmp.toString(), "--name", "x", c[1], c[2]);
            assertEquals(2, e.code(), e.err());
            assertEquals("nclab sweep: " + c[0], e.err().strip());
        }
        // --per-class against the data itself, before the first run trains: 30 images of each of 3 classes, 27 left
        // after the default hold-out
        Path data = io.nclab.data.TinyData.idx(tmp.resolve("idx"), 90, 30, 3, 8, 8, false);
        CliRunner.Result big = CliRunner.run("sweep", "--root", tmp.toString(), "--name", "pc", "--grid",
                "per-class=5,28", "--dataset", "mnist-idx", "--data-dir", data.toString(), "--epochs", "1");
        assertEquals(2, big.code(), big.err());
        assertEquals("nclab sweep: run ce_per-class=28_seed=0: --per-class 28 but class 0 has only 27 training samples"
                + " once --val-fraction 0.1 has held out its share", big.err().strip());
        assertTrue(!Files.exists(tmp.resolve("pc")), "nothing created");
        // a network too large for the memory, and a GPU that is not there: refused as train refuses them, before any
        // run starts (each run failed in turn)
        System.setProperty("nclab.memory.available", "24000000000");
        CliRunner.Result wide;
        try {
            wide = CliRunner.run("sweep", "--root", tmp.toString(), "--name", "wide", "--grid", "width=1,200",
                    "--dataset", "mnist-idx", "--data-dir", data.toString(), "--epochs", "1");
        } finally {
            System.clearProperty("nclab.memory.available");
        }
        assertEquals(2, wide.code(), wide.err());
        assertTrue(wide.err().startsWith("nclab sweep: run ce_width=200_seed=0: --width 200: the network would have"
                + " about ") && wide.err().strip().endsWith("use a smaller --width"), wide.err());
        assertTrue(!Files.exists(tmp.resolve("wide")), "nothing created");
        // runs that fit one at a time but not two at once (about 13 GB each of 24 GB): the workers' share is checked
        System.setProperty("nclab.memory.available", "24000000000");
        CliRunner.Result together;
        try {
            together = CliRunner.run("sweep", "--root", tmp.toString(), "--name", "together", "--grid", "width=1,20",
                    "--dataset", "mnist-idx", "--data-dir", data.toString(), "--epochs", "1", "--workers", "2");
        } finally {
            System.clearProperty("nclab.memory.available");
        }
        assertEquals(2, together.code(), together.err());
        assertTrue(together.err().startsWith("nclab sweep: run ce_width=20_seed=0: --width 20: the network would have")
                && together.err().strip().endsWith("of memory available for each of the 2 runs at once (--workers); use"
                + " a smaller --width or fewer --workers"), together.err());
        assertTrue(!Files.exists(tmp.resolve("together")), "nothing created");
        CliRunner.Result gpu = CliRunner.run("sweep", "--root", tmp.toString(), "--name", "gpu", "--device", "gpu",
                "--dataset", "mnist-idx", "--data-dir", data.toString(), "--epochs", "1");
        if (ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0) {
            assertEquals(2, gpu.code(), gpu.err());
            assertTrue(gpu.err().startsWith("nclab sweep: run ce_seed=0: --device gpu: no GPU visible"), gpu.err());
            assertTrue(!Files.exists(tmp.resolve("gpu")), "nothing created");
        }
        // a sweep file that is JSON of another shape, or not JSON: one line that says which
        String[][] files = {{"[1, 2]", "expected a JSON object", "got an array"}, {"\"x\"", "expected a JSON object",
            "got a string"}, {"{\"name\": \"a\",", "not valid JSON", "line 1"},
            // a key given twice, or a second value after the object, is refused rather than read past
            {"{\"name\": \"a\", \"name\": \"b\"}", "Duplicate field 'name'", "line 1"},
            {"{\"name\": \"a\", \"losses\": [\"ce\"]} {}", "more after the end of its value", "line 1"}};
        for (String[] f : files) {
            Path file = Files.writeString(tmp.resolve("sweep-file.json"), f[0]);
            CliRunner.Result e = CliRunner.run("sweep", "--root", tmp.toString(), "--file", file.toString());
            assertEquals(2, e.code(), e.err());
            assertEquals(1, e.err().strip().lines().count(), e.err());
            assertTrue(e.err().contains(f[1]) && e.err().contains(f[2]) && !e.err().contains("java."), e.err());
        }
        // the same number written two ways is one value
        CliRunner.Result twice = CliRunner.run("sweep", "--root", tmp.toString(), "--name", "t", "--command", "ufm",
                "--grid", "lambda-w=1e-3,0.001");
        assertEquals(2, twice.code(), twice.err());
        assertTrue(twice.err().contains("--grid lambda-w lists a value twice"), twice.err());
        // an option spelled two ways (case, - or _) is the same option given twice, not merged; a trailing comma
        // is an empty value, as an inner one is
        String[][] spelled = {{"--grid", "Dim=3", "--grid", "dim=4"}, {"--per-class", "2", "--per_class", "3"},
            {"--grid", "dim=3,4,"}};
        for (String[] how : spelled) {
            List<String> args = new java.util.ArrayList<>(List.of("sweep", "--root", tmp.toString(), "--name", "s",
                    "--command", "ufm", "--losses", "ce", "--classes", "3"));
            args.addAll(List.of(how));
            CliRunner.Result bad = CliRunner.run(args.toArray(String[]::new));
            assertEquals(2, bad.code(), bad.err());
            assertEquals(1, bad.err().strip().lines().count(), bad.err());
            String said = how[how.length - 1].equals("dim=3,4,") ? "'' is not" : "the same option given twice";
            assertTrue(bad.err().contains(said), bad.err());
            assertTrue(!Files.exists(tmp.resolve("s")), "nothing created");
        }
    }

    /** A continuation keeps the stored workers and threads, the thread count also with other workers. */
    @Test
    void aContinuationKeepsItsWorkersAndThreads() {
        int[] none = {0, 0};
        int[] stored = {2, 3};
        assertEquals(List.of(2, 3), List.of(SweepCommand.execution(null, null, none, stored)[0],
                SweepCommand.execution(null, null, none, stored)[1]));
        int[] more = SweepCommand.execution(8, null, none, stored);
        assertEquals(8, more[0]);
        assertEquals(3, more[1], "the runs so far ran on 3 threads: the rest do too");
        assertEquals(5, SweepCommand.execution(8, 5, none, stored)[1]);
        // --threads 0 is the default share, as train's 0 is every core
        assertEquals(io.nclab.experiment.Sweep.threadsPerRun(2), SweepCommand.execution(2, 0, none, none)[1]);
        assertEquals(List.of(4, 1), java.util.Arrays.stream(SweepCommand.execution(null, null, new int[] {4, 1}, stored))
                .boxed().toList(), "a sweep file's settings come first");
    }

    /**
     * A real ufm sweep: each child writes into a run directory that already holds the sweep's logs, which its
     * --out check must not take for someone else's files (it did, and every ufm sweep failed).
     */
    @Test
    void aUfmSweepRunsItsChildren() throws Exception {
        CliRunner.Result r = CliRunner.run("sweep", "--root", tmp.toString(), "--name", "real", "--command", "ufm",
                "--losses", "ce,mse", "--classes", "3", "--dim", "3", "--per-class", "2", "--iters", "5");
        assertEquals(0, r.code(), r.err());
        try (var runs = Files.list(tmp.resolve("real").resolve("runs"))) {
            List<Path> dirs = runs.toList();
            assertEquals(2, dirs.size());
            for (Path d : dirs) {
                assertTrue(Files.isRegularFile(d.resolve("result.json")), d + ": " + Files.readString(d.resolve("stderr.log")));
            }
        }
    }

    /** Options added to a ufm sweep continued by name: the sweep is another one, not a train sweep. */
    @Test
    void aSweepContinuedWithOtherOptionsIsAnotherSweep() throws Exception {
        io.nclab.io.Json.writePretty(Files.createDirectories(tmp.resolve("u")).resolve("sweep.json"),
                new io.nclab.experiment.SweepSpec("u", "ufm", List.of("ce"), Map.of(), List.of(0L),
                        Map.of("iters", "50")).toJson());
        CliRunner.Result r = CliRunner.run("sweep", "--root", tmp.toString(), "--name", "u", "--iters", "300");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("holds another sweep"), r.err());
    }

    @Test
    void reproduceChecksItsOptionsAndDataBeforeItStarts() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path partial = io.nclab.data.TinyData.cifar10(tmp.resolve("c10"), 10, 2);
        Files.delete(partial.resolve("data_batch_4.bin"));
        Path complete = io.nclab.data.TinyData.cifar10(tmp.resolve("c10-complete"), 10, 2);
        Path other = tmp.resolve("other");
        io.nclab.io.Json.writePretty(Files.createDirectories(other.resolve("sweeps").resolve("ufm"))
                .resolve("sweep.json"), new io.nclab.experiment.SweepSpec("ufm", "ufm", List.of("ce"), Map.of(),
                List.of(0L), Map.of()).toJson());
        // what an earlier reproduce leaves beside its sweeps (a temporary of a killed write too) is its own
        Files.createDirectories(other.resolve("figures/ufm"));
        Files.createDirectories(other.resolve("landscape"));
        Files.writeString(other.resolve("landscape.log"), "");
        Files.writeString(other.resolve("report.html"), "");
        Files.writeString(other.resolve(".report.html.123.tmp"), "");
        Path users = Files.createDirectories(tmp.resolve("users"));
        Files.writeString(users.resolve("notes.txt"), "mine");
        Path idx = io.nclab.data.TinyData.idx(tmp.resolve("idx"), 30, 9, 3, 4, 4, false);
        String[][] cases = {
            {"--workers must be at least 1, got 0", "--workers", "0", "--data-dir", idx.toString()},
            {"--device must be cpu or gpu, got tpu", "--device", "tpu", "--data-dir", idx.toString()},
            {"--profile must be quick or full, got 'medium'", "--profile", "medium"},
            {"no train-images-idx3-ubyte[.gz] in " + empty, "--data-dir", empty.toString()},
            {"no CIFAR-10 binary files in " + empty, "--profile", "full", "--data-dir", empty.toString()},
            {"no data_batch_4.bin in " + partial, "--profile", "full", "--data-dir", partial.toString()},
            {"give another --out", "--data-dir", idx.toString(), "--out", other.toString()},
            {"--out " + users + " is not empty and holds what no nclab reproduce wrote (notes.txt); give a new or"
                + " empty folder", "--data-dir", idx.toString(), "--out", users.toString()},
            {"give --device gpu (on CPU cores it would take months)", "--profile", "full", "--data-dir",
                complete.toString()},
        };
        for (String[] c : cases) {
            Path out = tmp.resolve("out-" + c[0].hashCode());
            String[] args = new String[c.length + (java.util.Arrays.asList(c).contains("--out") ? 0 : 2)];
            args[0] = "reproduce";
            System.arraycopy(c, 1, args, 1, c.length - 1);
            if (args.length > c.length) {
                args[c.length] = "--out";
                args[c.length + 1] = out.toString();
            }
            CliRunner.Result r = CliRunner.run(args);
            assertEquals(2, r.code(), c[0] + ": " + r.err());
            assertTrue(r.err().startsWith("nclab reproduce: ") && r.err().contains(c[0]), c[0] + ": " + r.err());
            assertEquals(1, r.err().strip().split("\n").length, r.err());
            assertEquals("", r.out(), "nothing starts: " + r.out());
            assertTrue(!Files.exists(out), "nothing written for " + c[0]);
        }
        try (var in = Files.list(users)) {
            assertEquals(List.of(users.resolve("notes.txt")), in.toList(), "a folder of the user's is left as it was");
        }
        if (ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0) {
            CliRunner.Result gpu = CliRunner.run("reproduce", "--device", "gpu", "--data-dir", idx.toString(), "--out",
                    tmp.resolve("gpu").toString());
            assertEquals(2, gpu.code(), gpu.err());
            assertTrue(gpu.err().contains("--device gpu: no GPU visible"), gpu.err());
            assertEquals("", gpu.out());
        }
    }

    /** sweep --help shows --seeds as one label, not picocli's repeated split syntax ("S1,S2,...[,S1,S2,......]"). */
    @Test
    void sweepHelpShowsTheSeedsOptionCleanly() {
        CliRunner.Result help = CliRunner.run("sweep", "--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().contains("[--seeds=SEEDS]...") && help.out().contains("--seeds=SEEDS  "), help.out());
        assertFalse(help.out().contains("......") || help.out().contains("[,"), help.out());
    }

    @Test
    void resultsExportsOneCsvRowPerRunAndReportWritesTheHtml() throws Exception {
        Path sweep = tmp.resolve("synthetic");
        ReportTest.trainSweep(sweep.resolve(ResultsDb.FILE)).close();
        CliRunner.Result csv = CliRunner.run("results", sweep.toString(), "--csv");
        assertEquals(0, csv.code(), csv.err());
        String[] lines = csv.out().split("\r?\n");
        assertEquals(1 + 32, lines.length);
        assertTrue(lines[0].startsWith("run_id,status,loss,seed,width,epochs,per_class,"), lines[0]);
        CliRunner.Result where = CliRunner.run("results", sweep.toString(), "--where", "width = 1 AND loss = 'ce'");
        assertTrue(where.out().contains("4 run(s)"), where.out());
        // a setting matches a text literal as it matches a number (as seed, an INTEGER column, always did)
        String[][] conditions = {{"epochs = '2'", "16"}, {"epochs = 2", "16"}, {"width = '0.25'", "16"},
            {"per_class = '50' AND epochs = '4' AND width IN ('1', '2')", "8"}, {"epochs > '2' AND seed = '0'", "8"},
            {"rowid > 30", "2"}}; // the table's rowid, as on the table itself
        for (String[] c : conditions) {
            CliRunner.Result r = CliRunner.run("results", sweep.toString(), "--where", c[0]);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().endsWith("\n" + c[1] + " run(s)\n"), c[0] + ": " + r.out());
        }
        // a setting that is no number stays text
        SweepSpec opt = new SweepSpec("opt", "train", List.of("ce"), Map.of("optimizer", List.of("sgd", "adam")),
                List.of(0L), Map.of("schedule", "cosine"));
        try (ResultsDb db = ResultsDb.open(tmp.resolve("opt/" + ResultsDb.FILE))) {
            db.register("train", opt.runs(), opt.options(), tmp.resolve("opt/runs"));
            assertEquals(1, db.runs("optimizer = 'sgd' AND schedule = 'cosine'").size());
            assertEquals(2, db.runs("typeof(optimizer) = 'text' AND typeof(schedule) = 'text'").size());
        }
        CliRunner.Result nonsense = CliRunner.run("results", sweep.toString(), "--where", "nonsense ==");
        assertEquals(2, nonsense.code());
        assertTrue(nonsense.err().contains("bad --where 'nonsense ==': the condition is incomplete (columns: run_id")
                && !nonsense.err().contains("SQLITE"), nonsense.err());
        CliRunner.Result quote = CliRunner.run("results", sweep.toString(), "--where", "loss = 'ce");
        assertEquals(2, quote.code());
        assertFalse(quote.err().contains("ORDER BY"), "nothing of the query around the condition: " + quote.err());
        CliRunner.Result toDir = CliRunner.run("results", sweep.toString(), "--csv", "--out", tmp.toString());
        assertEquals(2, toDir.code());
        assertTrue(toDir.err().contains("--out " + tmp + " is a directory, not a file"), toDir.err());
        // an existing file is replaced only if it is a .csv: never a script or a database
        Path script = Files.writeString(tmp.resolve("run.sh"), "#!/bin/sh\n");
        CliRunner.Result clobber = CliRunner.run("results", sweep.toString(), "--csv", "--out", script.toString());
        assertEquals(2, clobber.code());
        assertTrue(clobber.err().contains("exists and is not a .csv file"), clobber.err());
        assertEquals("#!/bin/sh\n", Files.readString(script));
        Path table = Files.writeString(tmp.resolve("old.csv"), "stale\n");
        assertEquals(0, CliRunner.run("results", sweep.toString(), "--csv", "--out", table.toString()).code());
        assertTrue(Files.readString(table).startsWith("run_id,status,"));
        CliRunner.Result second = CliRunner.run("results", sweep.toString(), "--where", "1=1; DROP TABLE runs");
        assertEquals(2, second.code(), "a second statement is refused, not silently dropped: " + second.out());
        assertTrue(CliRunner.run("results", sweep.toString()).out().contains("32 run(s)"));
        // an OR inside the condition stays inside it
        assertTrue(CliRunner.run("results", sweep.toString(), "--where", "loss = 'ce' OR loss = 'ce'").out()
                .contains("8 run(s)"));
        // a missing sweep names each place looked in once (an absolute path is both the directory and --root/NAME)
        CliRunner.Result none = CliRunner.run("results", tmp.resolve("none").toString());
        assertEquals(2, none.code());
        assertEquals("nclab results: no sweep '" + tmp.resolve("none") + "' (looked in " + tmp.resolve("none") + ")",
                none.err().strip());
        CliRunner.Result named = CliRunner.run("results", "none", "--root", tmp.toString());
        assertEquals("nclab results: no sweep 'none' (looked in none and " + tmp.resolve("none") + ")",
                named.err().strip());
        CliRunner.Result rep = CliRunner.run("report", sweep.toString(), "--out", tmp.resolve("r").toString());
        assertEquals(0, rep.code(), rep.err());
        assertTrue(Files.readString(tmp.resolve("r/report.html")).contains("map-test-accuracy"));
    }

    @Test
    void anEmptyOrForeignResultsDbIsOneLine() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("s/x"));
        Path db = Files.createFile(dir.resolve(ResultsDb.FILE));
        byte[] garbage = new byte[3000];
        new java.util.Random(1).nextBytes(garbage);
        String[][] files = {{"an empty file"}, {"file is not a database"}, {"no table sweep, probes, run_columns"}};
        for (String[] expect : files) {
            if (expect[0].startsWith("file is not")) {
                Files.write(db, garbage);
                io.nclab.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                        () -> ResultsDb.open(db), "a sweep continuing into the directory");
                assertEquals(db + " is not an nclab results database (file is not a database)", e.getMessage());
            } else if (expect[0].startsWith("no table")) {
                Files.delete(db);
                try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
                        var st = c.createStatement()) {
                    st.execute("CREATE TABLE runs(x)");
                }
            }
            for (String command : List.of("results", "report")) {
                CliRunner.Result r = CliRunner.run(command, dir.toString());
                assertEquals(2, r.code(), r.err());
                assertEquals(1, r.err().strip().split("\n").length, r.err());
                assertTrue(r.err().contains(db + " is not an nclab results database (" + expect[0]), r.err());
            }
        }
    }

    @Test
    void reportOfOneRunDirectory() throws Exception {
        Path run = tmp.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("config.json"), "{\"command\": \"train\", \"settings\": {\"loss\": \"ce\","
                + " \"seed\": 3, \"model\": {\"width\": 0.5}, \"epochs\": 2}}");
        Files.writeString(run.resolve("metrics.csv"), "epoch,train_accuracy,val_accuracy,test_accuracy,nc1\n"
                + "1,0.5,0.4,0.41,2.0\n2,0.9,0.8,0.79,0.5\n");
        CliRunner.Result rep = CliRunner.run("report", run.toString());
        assertEquals(0, rep.code(), rep.err());
        String html = Files.readString(run.resolve("report/report.html"));
        assertTrue(html.contains("nc-curves") && html.contains("accuracy-curves"), html);
        assertTrue(html.contains("79.00"), "the test accuracy at the best validation epoch");
        assertTrue(html.contains("<b>complete (2 of 2 epochs)</b>"), html);
        // a figure an earlier report wrote into the same folder goes; this report's, and the user's own, stay
        Path stale = Files.writeString(run.resolve("report/figures/map-nc1.png"), "old");
        Path users = Files.writeString(run.resolve("report/figures/my-plot.png"), "mine");
        Files.writeString(run.resolve("report/figures/" + ReportCommand.MANIFEST), "map-nc1.png\nnc-curves.png\n");
        assertEquals(0, CliRunner.run("report", run.toString()).code());
        assertTrue(!Files.exists(stale) && Files.exists(users)
                && Files.exists(run.resolve("report/figures/nc-curves.png")));
        // 90% training accuracy: the terminal phase the collapse claim is about was never reached
        assertTrue(html.contains("not tested</span>") && !html.contains("does not hold")
                && html.contains("train longer to test it"), html);
        assertEquals(2, CliRunner.run("report", tmp.toString()).code(), "neither a sweep nor a run");

        // train's rule: never the untrained network (epoch 0), and without a validation set the last probe
        for (String[] c : new String[][] {
            {"0,0.1,0.9,0.1255,3.0\n1,0.5,0.4,0.41,2.0\n2,0.9,0.6,0.6321,0.5\n", "63.21"},
            {"0,0.1,NaN,0.1255,3.0\n1,0.5,NaN,0.41,2.0\n2,0.9,NaN,0.7423,0.5\n", "74.23"}}) {
            Path r = tmp.resolve("run-" + c[1]);
            Files.createDirectories(r);
            Files.copy(run.resolve("config.json"), r.resolve("config.json"));
            Files.writeString(r.resolve("metrics.csv"), "epoch,train_accuracy,val_accuracy,test_accuracy,nc1\n" + c[0]);
            assertEquals(0, CliRunner.run("report", r.toString()).code());
            String h = Files.readString(r.resolve("report/report.html"));
            assertTrue(h.contains(c[1]) && !h.contains("12.55"), c[1] + ": " + h);
        }
    }

    /**
     * report --out writes only into a new or empty folder or one an earlier report wrote (its figures manifest):
     * a folder of the user's with a report.html and a figures/nc-curves.png of its own is refused in one line and
     * left as it was, a file is refused before any work, and a report that fails leaves nothing behind.
     */
    @Test
    void reportWritesOnlyIntoItsOwnFolder() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("config.json"), "{\"command\": \"train\", \"settings\": {\"loss\": \"ce\","
                + " \"seed\": 3, \"model\": {\"width\": 0.5}, \"epochs\": 2}}");
        Files.writeString(run.resolve("metrics.csv"), "epoch,train_accuracy,val_accuracy,test_accuracy,nc1\n"
                + "1,0.5,0.4,0.41,2.0\n2,0.9,0.8,0.79,0.5\n");
        Path mine = Files.createDirectories(tmp.resolve("mine/figures"));
        Files.writeString(mine.resolve("nc-curves.png"), "mine");
        Files.writeString(tmp.resolve("mine/report.html"), "notes");
        CliRunner.Result foreign = CliRunner.run("report", run.toString(), "--out", tmp.resolve("mine").toString());
        assertEquals(2, foreign.code(), foreign.err());
        assertEquals("nclab report: --out " + tmp.resolve("mine") + " is not empty and no nclab report wrote it (it has"
                + " no figures/.nclab-figures); give a new or empty folder", foreign.err().strip());
        assertEquals("mine", Files.readString(mine.resolve("nc-curves.png")));
        assertEquals("notes", Files.readString(tmp.resolve("mine/report.html")));
        assertEquals(List.of("nc-curves.png"), Files.list(mine).map(f -> f.getFileName().toString()).toList());

        Path file = Files.writeString(tmp.resolve("notes.txt"), "notes");
        CliRunner.Result toFile = CliRunner.run("report", run.toString(), "--out", file.toString());
        assertEquals(2, toFile.code(), toFile.err());
        assertEquals("nclab report: --out " + file + " exists and is not a directory", toFile.err().strip());
        assertEquals("notes", Files.readString(file));

        // an empty folder, then the same folder again (the report's own now)
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(0, CliRunner.run("report", run.toString(), "--out", empty.toString()).code());
        assertTrue(Files.isRegularFile(empty.resolve("figures/" + ReportCommand.MANIFEST)));
        CliRunner.Result again = CliRunner.run("report", run.toString(), "--out", empty.toString());
        assertEquals(0, again.code(), again.err());

        // a report that fails on its input creates nothing
        assertEquals(2, CliRunner.run("report", tmp.resolve("mine").toString(), "--out", tmp.resolve("new").toString())
                .code());
        assertFalse(Files.exists(tmp.resolve("new")));
    }

    @Test
    void reportOfAnInterruptedOrUnstartedRunSaysSoAndShowsItsCommandLine() throws Exception {
        Path run = tmp.resolve("killed");
        Files.createDirectories(run);
        java.util.Map<String, Object> settings = io.nclab.train.TrainConfig.defaults().with(java.util.Map.of(
                "epochs", 30, "per_class", 20, "loss", "focal:gamma=3")).settings();
        settings.put("out", run.toString());
        io.nclab.experiment.Provenance.writeConfig(run, "train", settings);
        String expectedCommand = "nclab train --loss focal:gamma=3 --per-class 20 --out " + run;
        // not started: nothing to draw yet (aRunWithNoProbeHasNothingToReport)
        CliRunner.Result fresh = CliRunner.run("report", run.toString());
        assertEquals(2, fresh.code(), fresh.err());
        assertTrue(fresh.err().contains("(not started: 0 of 30 epochs trained (config.json only))"), fresh.err());
        // killed in epoch 4: epochs 0 to 3 probed and checkpointed; the NC1 fall would "fail" the claim
        Files.createDirectories(run.resolve("checkpoints/epoch-0003"));
        Files.writeString(run.resolve("metrics.csv"), "epoch,train_accuracy,val_accuracy,test_accuracy,nc1\n"
                + "0,0.1,0.1,0.1,3.0\n1,0.5,0.4,0.41,2.0\n2,0.6,0.5,0.5,1.9\n3,0.7,0.6,0.6,1.8\n");
        CliRunner.Result rep = CliRunner.run("report", run.toString());
        assertEquals(0, rep.code(), rep.err());
        String html = Files.readString(run.resolve("report/report.html"));
        assertTrue(html.contains("<b>interrupted after epoch 3 of 30</b>"), html);
        assertTrue(html.contains("claims are not judged on an incomplete run"), html);
        assertTrue(!html.contains("does not hold") && !html.contains("1 complete run"), html);
        assertTrue(html.contains("<pre>" + expectedCommand + "\n</pre>"), html);
    }

    /** A run directory as train writes it: config.json of the defaults with these changes, metrics.csv of rows. */
    private Path trainRun(String name, Map<String, Object> changes, String metrics) throws Exception {
        Path run = Files.createDirectories(tmp.resolve(name));
        Map<String, Object> settings = io.nclab.train.TrainConfig.defaults().with(changes).settings();
        settings.put("out", run.toString());
        io.nclab.experiment.Provenance.writeConfig(run, "train", settings);
        if (metrics != null) {
            Files.writeString(run.resolve("metrics.csv"), metrics);
        }
        return run;
    }

    /** A one-run report's tables show settings as the CLI spells them, not as Java writes enums and doubles. */
    @Test
    void aRunsSettingsReadAsTheyAreTyped() throws Exception {
        Path run = trainRun("typed", Map.of("epochs", 2, "per_class", 20, "loss", "ce", "model.width", 0.25),
                "epoch,train_accuracy,val_accuracy,test_accuracy,nc1\n1,0.5,0.4,0.41,2.0\n2,0.9,0.8,0.79,0.5\n");
        CliRunner.Result rep = CliRunner.run("report", run.toString());
        assertEquals(0, rep.code(), rep.err());
        String html = Files.readString(run.resolve("report/report.html"));
        String tables = html.substring(html.indexOf("<h3>Final numbers"), html.indexOf("The run's settings"));
        for (String shown : List.of("<td>fashion-mnist</td>", "<td>adam</td>", "<td>cosine</td>", "<td>mlp</td>",
                "<td>0.0005</td>", "<td>0.25</td>", "<td>–</td>")) {
            assertTrue(tables.contains(shown), shown + " in " + tables);
        }
        for (String java : List.of("FASHION_MNIST", "ADAM", "COSINE", "MLP", "E-4", ">null<", ".0<")) {
            assertFalse(tables.contains(java), java + " in " + tables);
        }
    }

    /** The accuracy figure is named by the panels it draws: no validation panel, no "validation" in its title. */
    @Test
    void theAccuracyFigureIsTitledByWhatItShows() throws Exception {
        Path run = trainRun("noval", Map.of("epochs", 2, "per_class", 20, "loss", "ce", "val_fraction", 0.0),
                "epoch,train_accuracy,val_accuracy,test_accuracy,nc1\n0,0.1,NaN,0.1,3.0\n1,0.5,NaN,0.41,2.0\n"
                        + "2,0.9,NaN,0.79,0.5\n");
        assertEquals(0, CliRunner.run("report", run.toString()).code());
        String html = Files.readString(run.resolve("report/report.html"));
        assertTrue(html.contains("<h3>Training and test accuracy, per loss</h3>"), html);
        assertTrue(html.contains("accuracy on the training and test sets against epochs"), html);
        assertFalse(html.contains("validation and test"), html);
    }

    /** A file where a sweep or run folder belongs is one line that says what to give, and nothing is written. */
    @Test
    void reportOfAFileSaysWhatItNeeds() throws Exception {
        Path file = Files.writeString(tmp.resolve("results.txt"), "notes");
        for (String[] args : new String[][] {{"report", file.toString()},
            {"report", file.toString(), "--out", tmp.resolve("r").toString()}}) {
            CliRunner.Result r = CliRunner.run(args);
            assertEquals(2, r.code(), r.err());
            assertEquals("nclab report: " + file + " is a file; give a sweep folder (with results.db) or a run folder"
                    + " of train or ufm (with config.json)", r.err().strip());
        }
        assertEquals("notes", Files.readString(file));
        assertFalse(Files.exists(tmp.resolve("r")));
        CliRunner.Result none = CliRunner.run("report", tmp.resolve("none").toString());
        assertEquals(2, none.code(), none.err());
        assertEquals("nclab report: " + tmp.resolve("none") + " does not exist; give a sweep folder (with results.db)"
                + " or a run folder of train or ufm (with config.json)", none.err().strip());
    }

    /**
     * A sweep whose runs all failed has nothing to draw, and report says why: each run that is not complete on a
     * line of its own, with its status and the first line of its error, as the README promises.
     */
    @Test
    void aSweepWithNoCompleteRunListsItsFailures() throws Exception {
        Path sweep = tmp.resolve("bad");
        SweepSpec spec = new SweepSpec("bad", "train", List.of("ce"), Map.of("lr", List.of("1e12", "1e13", "1e-3")),
                List.of(0L), Map.of("optimizer", "sgd"));
        try (ResultsDb db = ResultsDb.open(sweep.resolve(ResultsDb.FILE))) {
            db.describe(spec);
            db.register("train", spec.runs(), spec.options(), sweep.resolve("runs"));
            for (int i = 0; i < 2; i++) {
                String id = spec.runs().get(i).id();
                db.markRunning(id, "2026-01-01T00:00:00Z", "nclab train --lr 1e1" + (2 + i), false);
                db.recordFinished(new ResultsDb.Finished(id, false, "2026-01-01T00:00:02Z", 2, 2, Map.of(),
                        new io.nclab.experiment.ProbeTable("epoch", List.of()),
                        "exit code 2: nclab train: training diverged: the loss became NaN at epoch 1\nmore"));
            }
        }
        CliRunner.Result r = CliRunner.run("report", sweep.toString());
        assertEquals(2, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals("nclab report: sweep " + sweep + " has no complete run yet, so there is nothing to draw"
                + " (2 failed, 1 pending):", lines[0], r.err());
        assertEquals(4, lines.length, r.err());
        for (int i = 0; i < 3; i++) {
            String id = spec.runs().get(i).id();
            assertTrue(lines[1 + i].strip().startsWith(id), lines[1 + i]);
            assertTrue(i < 2 ? lines[1 + i].contains("failed") && lines[1 + i].endsWith(
                    "exit code 2: nclab train: training diverged: the loss became NaN at epoch 1 …")
                    : lines[1 + i].strip().endsWith("pending"), lines[1 + i]);
        }
        assertFalse(Files.exists(sweep.resolve("report")));
    }

    /** A run folder with no probe yet is refused as a sweep with no complete run is: nothing to draw, one line. */
    @Test
    void aRunWithNoProbeHasNothingToReport() throws Exception {
        Path run = trainRun("fresh", Map.of("epochs", 30, "per_class", 20), null);
        CliRunner.Result r = CliRunner.run("report", run.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals("nclab report: run " + run + " has no probe yet, so there is nothing to report (not started: 0 of"
                + " 30 epochs trained (config.json only))", r.err().strip());
        assertFalse(Files.exists(run.resolve("report")));
        Path ufm = Files.createDirectories(tmp.resolve("ufm-fresh"));
        io.nclab.experiment.Provenance.writeConfig(ufm, "ufm", new java.util.LinkedHashMap<>(Map.of("loss", "ce")));
        CliRunner.Result u = CliRunner.run("report", ufm.toString());
        assertEquals(2, u.code(), u.err());
        assertTrue(u.err().strip().endsWith("has no probe yet, so there is nothing to report (not started (no"
                + " trajectory written))"), u.err());
    }

    /**
     * A results.db whose runs table lacks a column nclab reads is not one of nclab's: one line naming the column
     * from results (not a stack trace), from report (not a --where it has no option for, nor a column name read as
     * a loss), and from a sweep continuing into it; the failed report leaves no folder behind.
     */
    @Test
    void aResultsDbLackingAColumnIsOneLine() throws Exception {
        for (String column : List.of("status", "loss", "width")) {
            Path sweep = tmp.resolve("lacks-" + column);
            Path db = sweep.resolve(ResultsDb.FILE);
            ReportTest.trainSweep(db).close();
            try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var st = c.createStatement()) {
                st.execute("ALTER TABLE runs DROP COLUMN " + column);
            }
            String why = db + " is not an nclab results database (no column " + column + " in table runs)";
            Path out = tmp.resolve("rep-" + column);
            for (String[] args : new String[][] {{"results", sweep.toString()}, {"results", sweep.toString(), "--csv"},
                {"report", sweep.toString(), "--out", out.toString()}}) {
                CliRunner.Result r = CliRunner.run(args);
                assertEquals(2, r.code(), r.err());
                assertEquals("nclab " + args[0] + ": " + why, r.err().strip(), String.join(" ", args));
                assertEquals("", r.out());
            }
            assertFalse(Files.exists(out), "nothing written");
            io.nclab.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                    () -> ResultsDb.open(db), "a sweep continuing into the directory");
            assertEquals(why, e.getMessage());
        }
    }

    /**
     * A report that fails half way (a loss it cannot name, after the figures folder was made) takes back what it
     * added: a new folder goes, an empty one stays empty, and an earlier report's folder keeps its files.
     */
    @Test
    void aReportThatFailsLeavesNothingItAdded() throws Exception {
        Path sweep = tmp.resolve("sweep");
        Path db = sweep.resolve(ResultsDb.FILE);
        ReportTest.trainSweep(db).close();
        Path earlier = tmp.resolve("earlier");
        assertEquals(0, CliRunner.run("report", sweep.toString(), "--out", earlier.toString()).code());
        Path users = Files.writeString(earlier.resolve("figures/my-plot.png"), "mine");
        List<Path> before;
        try (var all = Files.walk(earlier)) {
            before = all.sorted().toList();
        }
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var st = c.createStatement()) {
            st.execute("UPDATE runs SET loss = 'bogus'");
        }
        Path fresh = tmp.resolve("fresh");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        for (Path out : List.of(fresh, empty, earlier)) {
            CliRunner.Result r = CliRunner.run("report", sweep.toString(), "--out", out.toString());
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().startsWith("nclab report: unknown loss 'bogus'"), r.err());
        }
        assertFalse(Files.exists(fresh), "a folder the report made goes");
        try (var in = Files.list(empty)) {
            assertEquals(List.of(), in.toList(), "an empty folder stays empty");
        }
        try (var all = Files.walk(earlier)) {
            assertEquals(before, all.sorted().toList(), "an earlier report's folder keeps its files, and no more");
        }
        assertEquals("mine", Files.readString(users));
    }

    /**
     * A finished run whose metrics.csv is gone or was replaced by something else is refused in one line naming the
     * file, as a run with no probe yet is: a report of it would draw nothing of its collapse and say nothing of why.
     */
    @Test
    void aFinishedRunWithoutReadableMetricsHasNothingToReport() throws Exception {
        byte[] garbage = new byte[3000];
        new java.util.Random(2).nextBytes(garbage);
        for (String kind : List.of("missing", "garbage", "text", "header")) {
            Path run = trainRun("done-" + kind, Map.of("epochs", 2, "per_class", 20), switch (kind) {
                case "text" -> "hello, world\nnot, a, table\n";
                case "header" -> "epoch,train_accuracy,val_accuracy,test_accuracy,nc1\n";
                default -> null;
            });
            Files.createDirectories(run.resolve("checkpoints/epoch-0002")); // trained to its last epoch
            if (kind.equals("garbage")) {
                Files.write(run.resolve("metrics.csv"), garbage);
            }
            CliRunner.Result r = CliRunner.run("report", run.toString());
            assertEquals(2, r.code(), kind + ": " + r.err());
            String why = kind.equals("missing") ? " is missing"
                    : " holds no probe (no row with a number in its epoch column)";
            assertEquals(kind.equals("garbage") ? "nclab report: cannot read " + run.resolve("metrics.csv") + ": not"
                    + " UTF-8 text (a binary file, or a damaged one)" : "nclab report: run " + run + ": "
                    + run.resolve("metrics.csv") + why + ", so there is nothing to report (complete (2 of 2 epochs))",
                    r.err().strip(), kind);
            assertFalse(Files.exists(run.resolve("report")), kind);
        }
    }

    /** An empty sweep argument is one line saying so, not a search of the current folder and --root. */
    @Test
    void anEmptySweepArgumentIsOneLine() {
        for (String arg : List.of("", " ")) {
            CliRunner.Result r = CliRunner.run("results", arg, "--root", tmp.toString());
            assertEquals(2, r.code(), r.err());
            assertEquals("nclab results: NAME|DIR is empty: give a sweep's name (under --root " + tmp + ") or its"
                    + " directory", r.err().strip());
        }
    }
}
