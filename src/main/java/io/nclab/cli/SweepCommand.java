package io.nclab.cli;

import ai.djl.Device;
import io.nclab.UserError;
import io.nclab.data.DataSource;
import io.nclab.experiment.ChildJvm;
import io.nclab.experiment.Sweep;
import io.nclab.experiment.SweepSpec;
import io.nclab.io.Json;
import io.nclab.loss.LossSpec;
import io.nclab.train.TrainConfig;
import io.nclab.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/** {@code nclab sweep}: a grid of train (or ufm) runs, restartable, with a results database. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the cartesian product of losses x grid axes x seeds as separate runs of a command"
                + " (train by default), --workers at a time, into SWEEPS/NAME/runs/RUN_ID, recording every run and"
                + " every probe in SWEEPS/NAME/results.db. Every option the sweep does not know is passed to each"
                + " run (e.g. --dataset fashion-mnist --per-class 500). Start it again with the same --name to"
                + " continue: complete runs are skipped and interrupted ones resume from their checkpoint.",
            "Example: nclab sweep --name fm --losses ce,focal:gamma=3,ls:alpha=0.1,mse:alpha=1,m=15"
                + " --grid width=0.25,0.5,1,2 --grid epochs=10,20,40 --seeds 0,1,2 --per-class 500 --workers 2"})
public final class SweepCommand implements Callable<Integer> {

    @Option(names = "--name", paramLabel = "NAME", description = "The sweep's name (its directory under --root).")
    String name;

    @Option(names = "--file", paramLabel = "FILE.json", description = "Read the sweep from a JSON file"
            + " ({\"name\", \"command\", \"losses\", \"grid\", \"seeds\", \"options\", \"workers\", \"threads\"}).")
    Path file;

    @Option(names = "--command", paramLabel = "train|ufm", description = "The command each run is. Default: train.")
    String command;

    @Option(names = "--losses", paramLabel = "SPECS", description = "Comma-separated loss specs (" + LossSpec.ACCEPTED
            + "). Default: ce.")
    String losses;

    @Option(names = "--grid", paramLabel = "OPTION=V1,V2,...", description = "One axis of the grid: an option of the"
            + " command and its values (repeat for more axes; true/false for a flag).")
    List<String> grid = new ArrayList<>();

    // the label says it all, as --losses=SPECS does: picocli's own syntax for a split list, with this label,
    // rendered as "--seeds=S1,S2,...[,S1,S2,......]"
    @Option(names = "--seeds", split = ",", paramLabel = "SEEDS", hideParamSyntax = true,
            description = "Comma-separated seeds (e.g. 0,1,2). Default: 0.")
    List<Long> seeds;

    @Option(names = "--workers", paramLabel = "N", description = "Runs at once. Default: 1.")
    Integer workers;

    @Option(names = "--threads", paramLabel = "N", description = "Native threads per run. Default (or 0): those a"
            + " continued sweep's runs had, else the cores shared out among the workers.")
    Integer threads;

    @Option(names = "--root", defaultValue = "sweeps", paramLabel = "DIR",
            description = "Where sweeps live. Default: ${DEFAULT-VALUE}.")
    Path root;

    @Option(names = "--json", description = "Print one JSON object with the outcome as the last line.")
    boolean json;

    @Unmatched
    List<String> passThrough = new ArrayList<>();

    @Override
    public Integer call() {
        SweepSpec spec = spec();
        Path dir = root.resolve(spec.name());
        ChildJvm child = child(spec.command());
        // workers: the command line's, else the sweep file's, else those the sweep was started with; threads likewise
        Path stored = dir.resolve(Sweep.SPEC_FILE);
        int[] fromFile = file != null ? SweepSpec.execution(file) : new int[] {0, 0};
        int[] before = Files.isRegularFile(stored) ? SweepSpec.execution(stored) : new int[] {0, 0};
        int[] wt = execution(workers, threads, fromFile, before);
        int w = wt[0];
        int t = wt[1];
        validate(spec, w);
        int cores = Runtime.getRuntime().availableProcessors();
        if (before[1] > 0 && t == before[1] && (long) w * t > cores && (long) before[0] * t <= cores) {
            // the stored count kept for more workers: right for the numbers, but more threads than cores
            System.err.println("note: " + w + " workers of " + t + " thread" + (t == 1 ? "" : "s") + " each (the count"
                    + " this sweep's runs so far had) are more threads than this machine's " + cores + " cores; runs"
                    + " keep their numbers but take longer (--threads " + Math.max(1, cores / w) + " shares the cores,"
                    + " with a note)");
        }
        if (before[1] > 0 && t != before[1]) {
            // results depend on the thread count: the continued sweep is no longer the one an uninterrupted run gives
            System.err.println("note: this sweep's runs so far ran on " + before[1] + " thread" + (before[1] == 1 ? ""
                    : "s") + " each; the rest run on " + t + ", so their numbers can differ in the last digits from an"
                    + " uninterrupted sweep's (--threads " + before[1] + " keeps them alike)");
        }
        Sweep.Outcome o = new Sweep(dir, spec, child, System.err).run(w, t);
        return report(dir, o, json);
    }

    /**
     * Workers and threads: given, else the sweep file's, else the stored ones ({0, 0} where absent). A stored thread
     * count is kept with other workers too: a run's numbers depend on its thread count, so a continued sweep gives the
     * runs an uninterrupted one would (an audit found a restart with --workers 1 running the rest on 2 threads).
     */
    static int[] execution(Integer workers, Integer threads, int[] fromFile, int[] before) {
        int w = workers != null ? workers : fromFile[0] > 0 ? fromFile[0] : before[0] > 0 ? before[0] : 1;
        // --threads 0: the default share, as train's 0 is every core (a lone run's share)
        int t = threads != null && threads != 0 ? threads : fromFile[1] > 0 ? fromFile[1]
                : before[1] > 0 ? before[1] : Sweep.threadsPerRun(w);
        return new int[] {w, t};
    }

    /** Prints a sweep's outcome; exit code 0 when every run is complete, else 1. */
    static int report(Path dir, Sweep.Outcome o, boolean json) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sweep_dir", dir.toString());
            m.put("runs", o.runs());
            m.put("already_complete", o.alreadyComplete());
            m.put("recorded", o.recorded());
            m.put("completed", o.completed());
            m.put("failed", o.failed());
            m.put("seconds", o.seconds());
            System.out.println(Json.result(m));
        } else {
            System.out.printf("sweep %s: %d run%s, %d complete before, %d recorded, %d completed now, %d failed;"
                    + " %.1f s%n", dir, o.runs(), o.runs() == 1 ? "" : "s", o.alreadyComplete(), o.recorded(),
                    o.completed(), o.failed(), o.seconds());
            System.out.println("results: nclab results " + dir + "   report: nclab report " + dir);
        }
        if (o.failed() > 0) {
            System.err.println("nclab sweep: " + o.failed() + " run(s) failed; see their stderr.log under " + dir.resolve("runs")
                    + "; run the same command again to retry them");
            return 1;
        }
        return 0;
    }

    private SweepSpec spec() {
        boolean describes = losses != null || !grid.isEmpty() || seeds != null || command != null || !passThrough.isEmpty();
        if (file != null) {
            if (describes) {
                throw new UserError("--file describes the whole sweep; give --losses, --grid, --seeds and run options"
                        + " in the file, not also on the command line");
            }
            SweepSpec s = SweepSpec.read(file);
            return name == null ? s : new SweepSpec(name, s.command(), s.losses(), s.grid(), s.seeds(), s.options());
        }
        if (name == null) {
            throw new UserError("give --name NAME (or --file sweep.json)");
        }
        if (!describes) {
            SweepSpec before = Sweep.existing(root.resolve(name));
            if (before != null) {
                return before;
            }
        }
        Map<String, List<String>> axes = new LinkedHashMap<>();
        for (String g : grid) {
            int eq = g.indexOf('=');
            if (eq <= 0 || eq == g.length() - 1) {
                throw new UserError("--grid wants OPTION=V1,V2,..., got '" + g + "'");
            }
            String key = g.substring(0, eq);
            if (axes.containsKey(key)) {
                throw new UserError("--grid " + key + " is given twice");
            }
            axes.put(key, Arrays.asList(g.substring(eq + 1).split(",", -1))); // "3,4," has an empty value
        }
        // without --command, a sweep of that name already there says what its runs are: changing its options
        // is then refused as another sweep, not parsed as options of train
        SweepSpec there = command == null ? Sweep.existing(root.resolve(name)) : null;
        return new SweepSpec(name, command != null ? command : there != null ? there.command() : "train",
                losses == null ? null : LossSpec.splitList(losses), axes, seeds, options(passThrough));
    }

    /** The run options among the unknown arguments: --key value, --key=value, or a lone --flag. */
    static Map<String, String> options(List<String> args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || a.length() < 3) {
                throw new UserError("unexpected argument '" + a + "' (run options are --name value)");
            }
            String key = a.substring(2);
            String value = "true";
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                value = args.get(++i);
            }
            if (m.put(key, value) != null) {
                throw new UserError("--" + key + " is given twice");
            }
        }
        return m;
    }

    /** How runs of {@code command} are started: what the command's own options say it supports. */
    static ChildJvm child(String command) {
        CommandLine sub = new CommandLine(new Main()).getSubcommands().get(command);
        if (sub == null) {
            throw new UserError("nclab has no command '" + command + "' to sweep");
        }
        var spec = sub.getCommandSpec();
        return new ChildJvm(Main.class.getName(), command, spec.findOption("--resume") != null,
                spec.findOption("--threads") != null);
    }

    /**
     * Checks every run as it would check itself, before any starts: its arguments parsed as the child will parse
     * them (a mistyped option fails now, not in every run), and a training run's memory against its share of what is
     * available, with {@code workers} runs at once.
     */
    static void validate(SweepSpec spec, int workers) {
        int atOnce = Math.max(1, Math.min(workers, spec.runs().size()));
        Map<String, int[]> classCounts = new HashMap<>();
        Map<String, DataSource> loaded = new HashMap<>();
        for (var run : spec.runs()) {
            List<String> args = new ArrayList<>();
            args.add(spec.command());
            args.addAll(run.args());
            args.add("--json");
            CommandLine.ParseResult parsed;
            try {
                parsed = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true)
                        .parseArgs(args.toArray(String[]::new));
            } catch (CommandLine.UnmatchedArgumentException e) {
                if (e.getUnmatched().stream().anyMatch(a -> a.startsWith("-"))) {
                    throw new UserError("run " + run.id() + ": " + e.getMessage().replace('\n', ' '));
                }
                throw new UserError("run " + run.id() + ": unexpected " + e.getUnmatched().stream()
                        .map(a -> "'" + a + "'").collect(java.util.stream.Collectors.joining(", "))
                        + " (a flag such as --fixed-etf takes true or false in a --grid or sweep file)");
            } catch (CommandLine.ParameterException e) {
                throw new UserError("run " + run.id() + ": " + e.getMessage().replace('\n', ' '));
            }
            // every value checked as the run itself would, before any run starts
            Object command = parsed.subcommand() == null ? null : parsed.subcommand().commandSpec().userObject();
            try {
                if (command instanceof TrainCommand t) {
                    TrainConfig c = t.check();
                    // --per-class and --val-fraction against the data itself, read once per dataset (a value too
                    // large for it would otherwise stop its run only after the runs before it had trained), and what
                    // the run checks before it writes anything: the device, and a network or batch too large for the
                    // memory (that needs the images' shape, so the data is loaded, and the class counts come from it)
                    String key = c.dataset() + "|" + c.dataDir();
                    Path dir = c.dataDir() == null ? null : Path.of(c.dataDir());
                    Device device = Trainer.device(c.device());
                    boolean room = device.getDeviceType().equals(Device.Type.CPU);
                    DataSource data = room ? loaded.computeIfAbsent(key, k -> c.dataset().load(dir)) : loaded.get(key);
                    int[] counts = classCounts.computeIfAbsent(key, k -> data != null ? data.train().classCounts()
                            : c.dataset().trainClassCounts(dir));
                    io.nclab.data.Splits.requireCuttable(counts, c.perClass(), c.valFraction());
                    if (room) {
                        Trainer.requireRoomForTheNetwork(c, data.train(), data.classes(), atOnce);
                    }
                } else if (command instanceof UfmCommand u) {
                    u.check();
                }
            } catch (TrainCommand.IgnoredOption e) {
                // an option that only some of the grid's runs use (--lbfgs-iterations beside optimizer=sgd, say)
                // goes to every run: the advice for one command line does not fit a sweep
                throw new UserError("run " + run.id() + ": " + e.getMessage() + " (a sweep passes every option to"
                        + " every run: leave this option out, or sweep the runs that use it under a --name of their own)");
            } catch (UserError e) {
                throw new UserError("run " + run.id() + ": " + e.getMessage());
            }
        }
    }

    /** The sweep directory a NAME or path names: the path itself if it is one, else ROOT/NAME. */
    static Path sweepDir(String nameOrDir, Path root) {
        if (nameOrDir.isBlank()) {
            // Path.of("") is the current folder and --root itself: neither is what was meant
            throw new UserError("NAME|DIR is empty: give a sweep's name (under --root " + root + ") or its directory");
        }
        Path p = Path.of(nameOrDir);
        if (Files.isDirectory(p) && (Files.exists(p.resolve("results.db")) || Files.exists(p.resolve(Sweep.SPEC_FILE)))) {
            return p;
        }
        Path named = root.resolve(nameOrDir);
        if (Files.isDirectory(named)) {
            return named;
        }
        // an absolute path (or one under --root already) resolves to itself: one place looked in, named once
        boolean same = p.toAbsolutePath().normalize().equals(named.toAbsolutePath().normalize());
        throw new UserError("no sweep '" + nameOrDir + "' (looked in " + p + (same ? "" : " and " + named) + ")");
    }
}
