package io.nclab.experiment;

import io.nclab.Interruption;
import io.nclab.UserError;
import io.nclab.io.IoErrors;
import io.nclab.io.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a sweep in its directory: {@code sweep.json} (the specification), {@code results.db} (see
 * {@link ResultsDb}) and {@code runs/RUN_ID/} (each run's own directory, as its command writes it, plus
 * {@code stdout.log}, {@code stderr.log}, {@code run.lock} while it runs and {@code sweep-result.json} once it
 * has finished).
 *
 * <p>Each run is a child JVM ({@link ChildJvm}); {@code workers} of them run at once, each with
 * {@code threads} native threads. Started again after any interruption, a sweep skips the runs that are
 * complete, records those that finished but were not yet recorded, and resumes the others ({@code --resume}
 * from their checkpoint where the command supports it, else from the start). Only the sweep process
 * writes the database, one transaction per finished run.
 */
public final class Sweep {
    public static final String SPEC_FILE = "sweep.json";
    static final String RESULT_FILE = "sweep-result.json";
    static final String LOCK_FILE = "run.lock";
    /** What the sweep itself keeps in a run's directory, beside what the run writes. */
    static final java.util.Set<String> RUN_FILES = java.util.Set.of("stdout.log", "stderr.log", LOCK_FILE, RESULT_FILE);

    /** The files a sweep keeps in a run folder it hands to a command (which must not count them as the user's). */
    public static java.util.Set<String> runFiles() {
        return RUN_FILES;
    }
    /** Fields of a run's JSON line that repeat a setting or a place, left out of the results table. */
    private static final Set<String> REDUNDANT = Set.of("loss", "run_dir");

    private final Path dir;
    private final SweepSpec spec;
    private final ChildJvm child;
    private final PrintStream log;
    private final Set<Process> live = ConcurrentHashMap.newKeySet();
    /** The runs going now, by id: where their progress is logged, and what the last status line showed of it. */
    private final Map<String, Running> running = new ConcurrentHashMap<>();

    private static final class Running {
        final Path stderr;
        final Path stdout;
        final long stdoutFrom;
        final long start = System.nanoTime();
        volatile String shown;

        /** A run whose progress goes to {@code stderr} (train) or from {@code stdoutFrom} on to {@code stdout} (ufm). */
        Running(Path stderr, Path stdout, long stdoutFrom) {
            this.stderr = stderr;
            this.stdout = stdout;
            this.stdoutFrom = stdoutFrom;
        }

        /** The newest progress line of this attempt: the last line of whichever log was written last, or null. */
        String progress() {
            String err = lastLine(stderr, 0, true);
            String out = lastLine(stdout, stdoutFrom, false);
            if (out == null || out.startsWith("{")) { // none, or the result line of a run that is ending
                return err;
            }
            try {
                return err == null || Files.getLastModifiedTime(stdout).compareTo(Files.getLastModifiedTime(stderr)) > 0
                        ? out : err;
            } catch (IOException e) {
                return err;
            }
        }
    }

    /**
     * Seconds between status lines while runs are going: each running run's newest progress line (an epoch, a probe,
     * the child's minute line within a long epoch, a UFM log line), where it changed since the last one. A run of
     * hours would otherwise say nothing until it ends. Tests shorten it.
     */
    static double statusSeconds = 60;

    public Sweep(Path dir, SweepSpec spec, ChildJvm child, PrintStream log) {
        this.dir = dir;
        this.spec = spec;
        this.child = child;
        this.log = log;
    }

    /** How a sweep ended. */
    public record Outcome(int runs, int alreadyComplete, int recorded, int completed, int failed, double seconds) {
        public boolean allComplete() {
            return failed == 0 && alreadyComplete + recorded + completed == runs;
        }
    }

    public Path dir() {
        return dir;
    }

    /** The spec a sweep directory was started with, or null when it holds none. */
    public static SweepSpec existing(Path dir) {
        Path f = dir.resolve(SPEC_FILE);
        return Files.isRegularFile(f) ? SweepSpec.read(f) : null;
    }

    /** The default number of native threads per run: the cores shared out among the workers. */
    public static int threadsPerRun(int workers) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, workers));
    }

    public Outcome run(int workers, int threads) {
        if (workers < 1) {
            throw new UserError("--workers must be at least 1, got " + workers);
        }
        if (threads < 1) {
            throw new UserError("--threads must be at least 1 (or 0 for the default share of the cores), got " + threads);
        }
        io.nclab.nd.Nd.requireThreads("--threads", threads);
        long start = System.nanoTime();
        Path lockFile = dir.resolve("sweep.lock");
        boolean newDir = !Files.exists(dir);
        boolean newLock = !Files.exists(lockFile);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserError("cannot create sweep directory " + dir + ": " + IoErrors.reason(e));
        }
        boolean locked = false;
        boolean checked = false;
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockChannel.tryLock()) {
            if (lock == null) {
                throw new UserError("sweep " + spec.name() + " is already running in another process (" + dir + ")");
            }
            locked = true;
            SweepSpec before = existing(dir);
            if (before != null && !before.equals(spec)) {
                throw new UserError("sweep directory " + dir + " holds another sweep (" + dir.resolve(SPEC_FILE)
                        + "); give another --name, or the same settings to continue it");
            }
            Path dbFile = dir.resolve(ResultsDb.FILE);
            if (Files.exists(dbFile)) {
                // A database records the sweep it belongs to: one copied from another sweep is not taken over.
                SweepSpec owner;
                try (ResultsDb db = ResultsDb.open(dbFile)) {
                    owner = db.recordedSpec();
                }
                if (owner != null && !owner.equals(spec)) {
                    throw new UserError(dbFile + " belongs to another sweep ('" + owner.name() + "', "
                            + owner.command() + " runs); move it away or give another --name");
                }
            }
            checked = true;
            Files.createDirectories(dir.resolve("runs"));
            // the execution settings go with the spec, so that continuing by --name alone keeps them
            Map<String, Object> file = new LinkedHashMap<>(spec.toJson());
            file.put("workers", workers);
            file.put("threads", threads);
            Json.writePretty(dir.resolve(SPEC_FILE), file);
            Thread hook = new Thread(() -> {
                live.forEach(Process::destroyForcibly);
                sayHowToContinue();
            }, "nclab-sweep-stop");
            io.nclab.Interruption.explainedElsewhere();
            Runtime.getRuntime().addShutdownHook(hook);
            try (ResultsDb db = ResultsDb.open(dbFile)) {
                return runAll(db, workers, threads, start);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it says its line
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot lock sweep directory " + dir + ": " + IoErrors.reason(e));
        } finally {
            if (locked && !checked) {
                // refused before it started: the lock file, and the directory, go again if this call made them
                try {
                    if (newLock) {
                        Files.deleteIfExists(lockFile);
                    }
                    if (newDir) {
                        Files.deleteIfExists(dir);
                    }
                } catch (IOException e) {
                    // not empty after all: left as it is
                }
            }
        }
    }

    private Outcome runAll(ResultsDb db, int workers, int threads, long start) {
        List<RunSpec> runs = spec.runs();
        Path runsDir = dir.resolve("runs");
        db.describe(spec);
        db.register(spec.command(), runs, spec.options(), runsDir);
        int already = 0;
        int recorded = 0;
        List<RunSpec> todo = new ArrayList<>();
        for (RunSpec r : runs) {
            Path runDir = runsDir.resolve(r.id());
            if ("complete".equals(db.status(r.id()))) {
                already++;
                continue;
            }
            stopLeftover(runDir);
            Path result = runDir.resolve(RESULT_FILE);
            if (!Files.isRegularFile(result)) {
                recoverResult(r, runDir);
            }
            if (Files.isRegularFile(result)) {
                db.recordFinished(finishedFromFile(r, runDir));
                // a database made again (deleted, or another's) has no command line for a run done before it
                if (SweepSpec.readMap(result).get("command_line") instanceof String line && !line.startsWith("(")) {
                    db.noteCommandLine(r.id(), line);
                }
                recorded++;
                continue;
            }
            todo.add(r);
        }
        say(String.format(Locale.ROOT, "sweep %s: %d run%s (%d complete, %d recorded from their directories,"
                + " %d to run) with %d worker%s x %d thread%s", spec.name(), runs.size(), runs.size() == 1 ? "" : "s",
                already, recorded,
                todo.size(), workers, workers == 1 ? "" : "s", threads, threads == 1 ? "" : "s"));
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger done = new AtomicInteger(already + recorded);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        java.util.concurrent.ScheduledExecutorService status = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "nclab-sweep-status");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, Math.round(statusSeconds * 1000));
        status.scheduleAtFixedRate(this::reportRunning, period, period, TimeUnit.MILLISECONDS);
        for (RunSpec r : todo) {
            pool.submit(() -> {
                try {
                    ResultsDb.Finished f = runOne(db, r, runsDir.resolve(r.id()), threads);
                    (f.complete() ? completed : failed).incrementAndGet();
                    say(progress(done.incrementAndGet(), runs.size(), r, f));
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                    say("run " + r.id() + " could not be run: " + e);
                }
            });
        }
        pool.shutdown();
        try {
            while (!pool.awaitTermination(1, TimeUnit.HOURS)) {
                // runs may take days on the full profile
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            status.shutdownNow();
        }
        return new Outcome(runs.size(), already, recorded, completed.get(), failed.get(),
                (System.nanoTime() - start) / 1e9);
    }

    private ResultsDb.Finished runOne(ResultsDb db, RunSpec r, Path runDir, int threads) {
        boolean resume = child.resumable() && Files.isRegularFile(runDir.resolve("config.json"));
        List<String> cmd = child.commandLine(r, runDir, threads, resume);
        String shown = ChildJvm.shown(cmd, child.mainClass());
        Path stdout = runDir.resolve("stdout.log");
        Path stderr = runDir.resolve("stderr.log");
        long offset;
        try {
            Files.createDirectories(runDir);
            if (!child.resumable()) {
                // a run that cannot resume starts over: the result of an attempt the sweep never recorded goes
                // (ufm refuses an --out that already holds a result)
                Files.deleteIfExists(runDir.resolve(RunImport.UFM_RESULT));
            }
            offset = Files.exists(stdout) ? Files.size(stdout) : 0;
            Files.writeString(stderr, "--- " + Instant.now() + " " + shown + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UserError("cannot prepare run directory " + runDir + ": " + IoErrors.reason(e));
        }
        synchronized (db) {
            db.markRunning(r.id(), Instant.now().toString(), shown, resume);
        }
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        pb.environment().putAll(ChildJvm.environment(threads));
        int code;
        try {
            Process p = pb.start();
            live.add(p);
            Map<String, Object> lock = new LinkedHashMap<>();
            lock.put("child_pid", p.pid());
            lock.put("sweep_pid", ProcessHandle.current().pid());
            lock.put("started", Instant.now().toString());
            Json.writePretty(runDir.resolve(LOCK_FILE), lock);
            running.put(r.id(), new Running(stderr, stdout, offset));
            try {
                code = p.waitFor();
            } finally {
                running.remove(r.id());
            }
            live.remove(p);
        } catch (IOException e) {
            throw new UserError("cannot start " + shown + ": " + IoErrors.reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + r.id(), e);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> result = code == 0 ? lastJsonLine(stdout, offset) : null;
        ResultsDb.Finished f;
        if (result != null) {
            writeResult(r, runDir, code, seconds, Instant.now(), shown, result);
            f = finishedFromFile(r, runDir);
        } else {
            f = new ResultsDb.Finished(r.id(), false, Instant.now().toString(), seconds, code, Map.of(),
                    ProbeTable.of(runDir), code == 0 ? "no JSON result line on standard output"
                            : code > 128 && code < 160 // a shell's 128 + n: the child was killed, not failing
                            ? "killed by signal " + (code - 128) + " (exit code " + code + ") after: "
                                    + lastLine(stderr)
                            : "exit code " + code + ": " + lastLine(stderr));
        }
        synchronized (db) {
            db.recordFinished(f);
        }
        try {
            Files.deleteIfExists(runDir.resolve(LOCK_FILE));
        } catch (IOException ignored) {
            // a stale lock names a dead process and is harmless
        }
        return f;
    }

    private static void writeResult(RunSpec r, Path runDir, int code, double seconds, Instant finished, String shown,
            Map<String, Object> result) {
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("run_id", r.id());
        file.put("exit_code", code);
        file.put("seconds", seconds);
        file.put("finished", finished.toString());
        file.put("command_line", shown);
        file.put("result", result);
        Json.writePretty(runDir.resolve(RESULT_FILE), file);
    }

    /**
     * A run whose child finished (its last line on standard output is the JSON result, printed only on
     * success) while the sweep was killed before recording it: write its result file now, so that it is
     * recorded, not run again.
     */
    private static void recoverResult(RunSpec r, Path runDir) {
        Path stdout = runDir.resolve("stdout.log");
        if (!Files.isRegularFile(stdout)) {
            return;
        }
        Map<String, Object> result = lastJsonLine(stdout, 0);
        if (result != null) {
            // the attempt as the logs date it: it ended when its result line was written, and began at the newest
            // "--- <instant>" line the sweep wrote into stderr.log when it started it
            Instant finished;
            try {
                finished = Files.getLastModifiedTime(stdout).toInstant();
            } catch (IOException e) {
                finished = Instant.now();
            }
            Instant started = attemptStart(runDir.resolve("stderr.log"));
            Object secs = result.get("seconds");
            double seconds = started != null && !started.isAfter(finished)
                    ? java.time.Duration.between(started, finished).toNanos() / 1e9
                    : secs instanceof Number n ? n.doubleValue() : 0.0;
            writeResult(r, runDir, 0, seconds, finished, "(recorded from stdout.log after an interrupted sweep)", result);
        }
    }

    /** When the sweep last started the run: the instant on the newest "--- " line of its stderr.log, or null. */
    static Instant attemptStart(Path stderr) {
        Instant start = null;
        try {
            for (String line : Files.readAllLines(stderr, StandardCharsets.UTF_8)) {
                if (line.startsWith("--- ")) {
                    String[] f = line.split(" ", 3);
                    try {
                        start = Instant.parse(f[1]);
                    } catch (RuntimeException notAnInstant) {
                        // a line of the run's own that happens to start so
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return start;
    }

    /** The finished run as its sweep-result.json and probe table describe it. */
    private static ResultsDb.Finished finishedFromFile(RunSpec r, Path runDir) {
        Map<String, Object> file = SweepSpec.readMap(runDir.resolve(RESULT_FILE));
        @SuppressWarnings("unchecked")
        Map<String, Object> result = new LinkedHashMap<>((Map<String, Object>) file.get("result"));
        REDUNDANT.forEach(result::remove);
        return new ResultsDb.Finished(r.id(), true, (String) file.get("finished"),
                ((Number) file.get("seconds")).doubleValue(), ((Number) file.get("exit_code")).intValue(), result,
                ProbeTable.of(runDir), null);
    }

    /** Ends a run's process left over from a sweep that was killed (normally already gone: ParentWatch). */
    private static void stopLeftover(Path runDir) {
        Path lock = runDir.resolve(LOCK_FILE);
        if (!Files.isRegularFile(lock)) {
            return;
        }
        try {
            Optional<ProcessHandle> h = liveChild(runDir, true);
            if (h.isPresent()) {
                h.get().destroyForcibly();
                h.get().onExit().get(30, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(lock);
        } catch (Exception e) {
            throw new UserError("cannot clear the stale lock " + lock + ": " + e.getMessage());
        }
    }

    /** The line a sweep stopped from outside (Ctrl-C, kill) leaves: how to continue it ({@link Interruption#say}). */
    private void sayHowToContinue() {
        Path root = dir.toAbsolutePath().normalize().getParent();
        Path here = Path.of("sweeps").toAbsolutePath().normalize();
        io.nclab.Interruption.say("interrupted; ./nclab sweep --name " + spec.name() + (here.equals(root) ? ""
                : " --root " + root) + " continues it (complete runs are kept, interrupted ones resume from their"
                + " checkpoints)");
    }

    /**
     * The process that runs in {@code runDir} according to its run.lock, while it lives; with {@code sure},
     * only one whose command line names the run directory (not another process that got the same number),
     * else also one whose command line cannot be read (another user's).
     */
    private static Optional<ProcessHandle> liveChild(Path runDir, boolean sure) {
        Object pid = SweepSpec.readMap(runDir.resolve(LOCK_FILE)).get("child_pid");
        Optional<ProcessHandle> h = pid instanceof Number n ? ProcessHandle.of(n.longValue()) : Optional.empty();
        return h.filter(p -> p.isAlive()
                // to be sure (before stopping it), the child's own --out; to show a status, its run's folder name,
                // as `results` may be started from elsewhere than the sweep was, and see another path to it
                && p.info().commandLine().map(c -> c.contains(sure ? runDir.toString()
                        : runDir.getFileName().toString())).orElse(!sure));
    }

    /**
     * A run's status as the database has it, except that a run recorded as running whose process is gone
     * (its run.lock names a process that has ended: the sweep was killed or stopped) is "interrupted"; it
     * resumes when the sweep is started again.
     */
    public static String shownStatus(Object status, Object runDir) {
        if ("running".equals(status) && runDir instanceof String dir
                && Files.isRegularFile(Path.of(dir).resolve(LOCK_FILE))) {
            try {
                return liveChild(Path.of(dir), false).isPresent() ? "running" : "interrupted";
            } catch (UserError e) {
                return "running"; // a lock being written: the run is starting
            }
        }
        return status == null ? null : status.toString();
    }

    static Map<String, Object> lastJsonLine(Path stdout, long offset) {
        // the whole of the attempt's output: a result line (a UFM's b* at large K, say) may be long
        String last = lastLine(stdout, offset, false, Long.MAX_VALUE);
        if (last == null || !last.startsWith("{")) {
            return null;
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = Json.MAPPER.readValue(last, Map.class);
            return m;
        } catch (IOException e) {
            return null;
        }
    }

    /** The last non-blank line of a log, "(no output)" when it has none. */
    private static String lastLine(Path file) {
        String line = lastLine(file, 0, false);
        return line == null ? "(no output)" : line;
    }

    /** The longest tail of a log read for its last line. */
    private static final int TAIL_BYTES = 8192;

    /**
     * The last non-blank line of a log from byte {@code from} on (read from its last {@link #TAIL_BYTES} only: a run's
     * log grows for days), or null when there is none; with {@code sinceStart}, only a line after the newest "--- "
     * line the sweep wrote when it started the run (earlier lines are an earlier attempt's).
     */
    static String lastLine(Path file, long from, boolean sinceStart) {
        return lastLine(file, from, sinceStart, TAIL_BYTES);
    }

    /** {@link #lastLine(Path, long, boolean)} reading at most {@code most} bytes from the end. */
    private static String lastLine(Path file, long from, boolean sinceStart, long most) {
        byte[] tail;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long size = f.length();
            int n = (int) Math.max(0, Math.min(Math.min(size - from, most), Integer.MAX_VALUE - 8));
            tail = new byte[n];
            f.seek(size - n);
            f.readFully(tail);
        } catch (IOException e) {
            return null;
        }
        String[] lines = new String(tail, StandardCharsets.UTF_8).split("[\\r\\n]");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (sinceStart && line.startsWith("--- ")) {
                return null;
            }
            if (!line.isEmpty()) {
                return line;
            }
        }
        return null;
    }

    /**
     * One line per run that has been going for at least {@link #statusSeconds} and whose progress moved since the last
     * report.
     */
    private void reportRunning() {
        for (String id : new java.util.TreeSet<>(running.keySet())) {
            Running r = running.get(id);
            if (r == null || System.nanoTime() - r.start < statusSeconds * 1e9) {
                continue; // it ended meanwhile, or it has not gone a whole interval yet (short runs stay quiet)
            }
            String line = r.progress();
            if (line != null && !line.equals(r.shown)) {
                r.shown = line;
                say(String.format(Locale.ROOT, "  %s (running %s): %s", id, elapsed((System.nanoTime() - r.start) / 1e9),
                        line.length() > 160 ? line.substring(0, 157) + "..." : line));
            }
        }
    }

    /** 42 s, 7 min 05 s, 3 h 02 min. */
    static String elapsed(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, s % 3600 / 60);
    }

    private static String progress(int done, int total, RunSpec r, ResultsDb.Finished f) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "[%d/%d] %s %s in %.1f s", done, total,
                r.id(), f.complete() ? "complete" : "FAILED", f.seconds()));
        if (!f.complete()) {
            sb.append(": ").append(f.error());
        }
        for (String k : new String[] {"test_accuracy", "final_nc1", "relative_gap", "nc1"}) {
            Object v = f.result().get(k);
            if (v instanceof Number n) {
                sb.append(String.format(Locale.ROOT, "  %s %.4g", k, n.doubleValue()));
            }
        }
        return sb.toString();
    }

    private void say(String line) {
        if (log != null) {
            synchronized (log) {
                log.println(line);
                log.flush();
            }
        }
    }
}
