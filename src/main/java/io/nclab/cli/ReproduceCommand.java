package io.nclab.cli;

import io.nclab.UserError;
import io.nclab.data.CifarBinary;
import io.nclab.data.DatasetKind;
import io.nclab.data.IdxFiles;
import io.nclab.experiment.ChildJvm;
import io.nclab.experiment.ResultsDb;
import io.nclab.experiment.Sweep;
import io.nclab.experiment.SweepSpec;
import io.nclab.io.AtomicFiles;
import io.nclab.io.IoErrors;
import io.nclab.io.Json;
import io.nclab.report.Claims;
import io.nclab.report.Report;
import io.nclab.report.SweepData;
import io.nclab.report.SweepFigures;
import io.nclab.train.Trainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nclab reproduce}: the main job. A UFM study (every loss reaches the theory's optimum and
 * collapses), the landscape figures, and a training sweep over losses × widths × epochs, then the report and
 * a summary that says in numbers whether the losses paper's two claims hold in this run.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Reproduce the papers' study in one command: a UFM sweep of the four losses, the landscape"
                + " figures, a training sweep (losses x widths x epochs), the report (report.html with every figure)"
                + " and a printed summary of the losses paper's two claims in numbers.",
            "quick (default): Fashion-MNIST, an MLP of widths 0.25 and 1, 10 and 30 epochs, one seed: about 2-5"
                + " minutes on 2 CPU cores. full: the paper's CIFAR-10 study (WideResNet-50, widths 0.25-2, 100-800"
                + " epochs, three seeds) for a machine with a GPU.",
            "Interrupted, it continues where it stopped when run again with the same --out."})
public final class ReproduceCommand implements Callable<Integer> {

    @Option(names = "--profile", defaultValue = "quick", paramLabel = "quick|full",
            description = "Which study to run (see above). Default: ${DEFAULT-VALUE}.")
    String profile;

    @Option(names = "--out", paramLabel = "DIR", description = "Where everything goes: a new or empty folder, or an"
            + " earlier reproduce's to continue it. Default: reproduce-PROFILE.")
    Path out;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The dataset's directory: CIFAR-10's binary"
            + " batches for full (required); Fashion-MNIST's IDX files for quick. Default for quick: Debian's package.")
    Path dataDir;

    @Option(names = "--workers", paramLabel = "N", description = "Runs at once. Default: 2 for quick, 1 for full.")
    Integer workers;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu",
            description = "Where the networks train. Default: ${DEFAULT-VALUE}.")
    String device;

    /** The four losses of the losses paper with its parameters. */
    static final List<String> LOSSES = List.of("ce", "focal:gamma=3", "ls:alpha=0.1", "mse:alpha=1,m=15");

    /** A profile's training sweep and its UFM study. */
    record Profile(String name, SweepSpec train, SweepSpec ufm, int workers, String expected) {}

    Profile profile() {
        String p = profile.toLowerCase(Locale.ROOT);
        SweepSpec ufm = new SweepSpec("ufm", "ufm", LOSSES, Map.of(), List.of(0L, 1L), options(
                "classes", "10", "dim", "32", "per-class", "20", "optimizer", "lbfgs", "iters", "1000", "tol", "1e-10",
                "log-every", "10"));
        if (!p.equals("quick") && !p.equals("full")) {
            throw new UserError("--profile must be quick or full, got '" + profile + "'");
        }
        if (workers != null && workers < 1) {
            throw new UserError("--workers must be at least 1, got " + workers);
        }
        device = device.toLowerCase(Locale.ROOT);
        if (!device.equals("cpu") && !device.equals("gpu")) {
            throw new UserError("--device must be cpu or gpu, got " + device);
        }
        if (p.equals("quick")) {
            if (dataDir != null) {
                IdxFiles.requireFiles(dataDir, " (--data-dir for the quick profile holds Fashion-MNIST's four IDX files)");
            } // the default data is checked (and installed where it may be) last, in call(), after every other check
            Map<String, List<String>> grid = new LinkedHashMap<>();
            grid.put("width", List.of("0.25", "1"));
            grid.put("epochs", List.of("10", "30"));
            // The papers' optimizer (SGD, momentum 0.9, batch 128; the MLP's own default is Adam).
            Map<String, String> o = options("dataset", "fashion-mnist", "model", "mlp", "per-class", "50",
                    "optimizer", "sgd", "batch-size", "128", "schedule", "cosine", "probe-every", "2", "device", device);
            if (dataDir != null) {
                o.put("data-dir", dataDir.toString());
            }
            return new Profile("quick", new SweepSpec("fashion-mnist", "train", LOSSES, grid, List.of(0L), o),
                    ufm, workers != null ? workers : 2, "about 2-5 minutes on 2 CPU cores");
        }
        if (p.equals("full")) {
            if (dataDir == null) {
                throw new UserError("--profile full trains on CIFAR-10: give --data-dir DIR with its binary batches"
                        + " (data_batch_1.bin ... test_batch.bin from cifar-10-binary.tar.gz)");
            }
            CifarBinary.cifar10Files(dataDir);
            if (!device.equals("gpu")) {
                throw new UserError("--profile full trains WideResNet-50 on CIFAR-10 for " + expectedFull()
                        + ": give --device gpu (on CPU cores it would take months); the quick profile runs on a CPU");
            }
            Map<String, List<String>> grid = new LinkedHashMap<>();
            grid.put("width", List.of("0.25", "0.5", "1", "2"));
            grid.put("epochs", List.of("100", "200", "400", "800"));
            Map<String, String> o = options("dataset", "cifar10", "data-dir", dataDir.toString(), "model", "wrn50",
                    "device", device);
            return new Profile("full", new SweepSpec("cifar10", "train", LOSSES, grid, List.of(0L, 1L, 2L), o), ufm,
                    workers != null ? workers : 1, expectedFull());
        }
        throw new UserError("--profile must be quick or full, got '" + profile + "'");
    }

    /**
     * The full profile's expected time: 4 losses × 3 seeds × (100+200+400+800) epochs at each width, with an
     * epoch of WideResNet-50-2 on CIFAR-10 taken as 60 s on one RTX 3090-class GPU and an epoch of width w
     * as (w/2)² of that (at least 5%).
     */
    static String expectedFull() {
        double perEpochAllWidths = 0;
        for (double w : new double[] {0.25, 0.5, 1, 2}) {
            perEpochAllWidths += 60 * Math.max(0.05, (w / 2) * (w / 2));
        }
        double hours = perEpochAllWidths * 1500 * 4 * 3 / 3600;
        return String.format(Locale.ROOT, "about %.0f GPU-hours (%.0f days on one RTX 3090-class GPU, taking 60 s per"
                + " epoch of WideResNet-50-2 on CIFAR-10)", hours, hours / 24);
    }

    private static Map<String, String> options(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Override
    public Integer call() {
        long start = System.nanoTime();
        Profile p = profile();
        Trainer.device(device); // a GPU the engine does not see is one line now, not one per run
        Path dir = out != null ? out : Path.of("reproduce-" + p.name());
        // as every command's --out: never into a folder of the user's, but into an earlier reproduce's, to continue it
        io.nclab.experiment.Provenance.requireOutputFolder(dir, "--out", java.util.Set.of(),
                d -> foreign(d).isEmpty(), d -> "is not empty and holds what no nclab reproduce wrote ("
                        + String.join(", ", foreign(d)) + ")");
        for (SweepSpec spec : List.of(p.ufm(), p.train())) {
            SweepCommand.validate(spec, workers != null ? workers : p.workers());
            SweepSpec before = Sweep.existing(dir.resolve("sweeps").resolve(spec.name()));
            if (before != null && !before.equals(spec)) {
                throw new UserError(dir + " holds a reproduce run with other settings (" + dir.resolve("sweeps")
                        .resolve(spec.name()).resolve(Sweep.SPEC_FILE) + "); give another --out, or that run's"
                        + " options to continue it");
            }
        }
        if (p.name().equals("quick") && dataDir == null) {
            Path data = DatasetKind.FASHION_MNIST_DIR;
            if (!DatasetInstaller.fashionMnistPresent(data) && !DatasetInstaller.installFashionMnist(data)) {
                throw new UserError("Fashion-MNIST is not installed in " + data + ": install Debian's package with"
                        + " 'sudo apt-get install -y dataset-fashion-mnist', or give --data-dir DIR holding its four"
                        + " IDX files");
            }
        }
        int threads = Sweep.threadsPerRun(p.workers());
        System.out.println("nclab reproduce --profile " + p.name() + ": expected time " + p.expected() + "; into " + dir
                + " (run the same command again to continue after an interruption)");
        List<Report.Section> sections = new ArrayList<>();
        boolean complete = true;

        System.out.println("1/4 UFM study: " + p.ufm().losses().size() + " losses, theory's optimum and collapse");
        if (new picocli.CommandLine(new Main()).getSubcommands().containsKey("ufm")) {
            complete &= sweep(p.ufm(), dir, p.workers(), threads);
            sections.add(section("The unconstrained feature model", p.ufm(), dir));
        } else {
            System.out.println("    skipped: this build of nclab has no ufm command");
        }

        System.out.println("2/4 landscape figures");
        sections.add(landscape(dir.resolve("landscape"), threads));

        System.out.println("3/4 " + p.train().name() + " sweep: " + p.train().runs().size() + " training runs");
        complete &= sweep(p.train(), dir, p.workers(), threads);
        sections.add(section("Training: " + p.train().name(), p.train(), dir));

        System.out.println("4/4 report");
        Path html = Report.writeHtml(dir, "nclab reproduce (" + p.name() + ")", "The study of <i>Are All Losses Created"
                + " Equal</i> (losses paper) and <i>On the Optimization Landscape of Neural Collapse under MSE Loss</i> (MSE paper), reproduced by"
                + " <code>nclab reproduce --profile " + p.name() + "</code>.", sections);
        double seconds = (System.nanoTime() - start) / 1e9;
        int figures = sections.stream().mapToInt(s -> s.figures().size()).sum();
        System.out.println();
        System.out.printf(Locale.ROOT, "Summary (%s profile, %.0f s):%n", p.name(), seconds);
        for (Report.Section s : sections) {
            for (Claims.Claim c : s.claims()) {
                System.out.println("  " + c.line());
            }
        }
        System.out.println("report: " + html + " (" + figures + " figures)");
        return complete ? 0 : 1;
    }

    /** What reproduce writes into its --out folder (temporaries of its writes aside). */
    static final java.util.Set<String> OWN_FILES = java.util.Set.of("sweeps", "landscape", "landscape.log", "figures",
            "report.html");

    /** The names in {@code dir} that reproduce does not write, sorted; at most three, then a count. */
    private static List<String> foreign(Path dir) {
        List<String> names;
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            names = s.map(f -> f.getFileName().toString())
                    .filter(n -> !OWN_FILES.contains(n) && AtomicFiles.temporaryOf(n) == null).sorted().toList();
        } catch (IOException e) {
            throw new UserError("cannot list --out " + dir + ": " + IoErrors.reason(e));
        }
        return names.size() <= 3 ? names : List.of(names.get(0), names.get(1), names.get(2),
                "and " + (names.size() - 3) + " more");
    }

    private static boolean sweep(SweepSpec spec, Path dir, int workers, int threads) {
        Sweep.Outcome o = new Sweep(dir.resolve("sweeps").resolve(spec.name()), spec,
                SweepCommand.child(spec.command()), System.err).run(workers, threads);
        System.out.printf(Locale.ROOT, "    %d runs complete, %d failed (%.0f s)%n",
                o.alreadyComplete() + o.recorded() + o.completed(), o.failed(), o.seconds());
        return o.allComplete();
    }

    private static Report.Section section(String heading, SweepSpec spec, Path dir) {
        Path sweepDir = dir.resolve("sweeps").resolve(spec.name());
        try (ResultsDb db = ResultsDb.openReadOnly(sweepDir.resolve(ResultsDb.FILE))) {
            return Report.sweep(heading, SweepData.load(db, sweepDir), dir.resolve("figures").resolve(spec.name()),
                    Json.pretty(spec.toJson()));
        }
    }

    /** The landscape command's figures, made by a child JVM like every run. */
    private static Report.Section landscape(Path dir, int threads) {
        List<String> cmd = new ChildJvm(Main.class.getName(), "landscape", false, false).jvm(threads);
        cmd.add("--out");
        cmd.add(dir.toString());
        cmd.add("--json");
        Path log = dir.resolveSibling("landscape.log");
        try {
            Files.createDirectories(dir);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(ChildJvm.environment(threads));
            int code = pb.start().waitFor();
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            if (code != 0 || lines.isEmpty()) {
                throw new UserError("nclab landscape failed (exit " + code + "); see " + log);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> result = Json.MAPPER.readValue(lines.get(lines.size() - 1), Map.class);
            List<SweepFigures.Figure> figures = new ArrayList<>();
            for (Object f : (List<?>) result.get("files")) {
                String file = f.toString();
                if (file.endsWith(".png")) {
                    Path png = Path.of(file);
                    String id = png.getFileName().toString().replace(".png", "");
                    figures.add(new SweepFigures.Figure(id, LANDSCAPE.getOrDefault(id, id.replace('-', ' ')),
                            LANDSCAPE_CAPTIONS.getOrDefault(id, ""), png, png.resolveSibling(id + ".svg")));
                }
            }
            return new Report.Section("Landscapes", "The loss of one feature against a fixed simplex-ETF classifier, by"
                    + " <code>nclab landscape</code>.", List.of(), figures, "");
        } catch (IOException e) {
            throw new UserError("cannot run nclab landscape: " + IoErrors.reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static final Map<String, String> LANDSCAPE = Map.of(
            "polar-landscape", "Polar landscapes of one feature (the MSE paper's Figure 2)",
            "gradient-field", "Gradient fields as K → ∞ (the MSE paper's Figure 8)",
            "contrastive-bound", "The contrastive property's lower bound (the losses paper's Definition 1)");
    private static final Map<String, String> LANDSCAPE_CAPTIONS = Map.of(
            "polar-landscape", "The loss of one feature h = (s, θ) against a fixed simplex-ETF classifier: the rescaled"
                    + " MSE's basin around the optimum widens with α and M.",
            "gradient-field", "The negative gradient of the landscape as K → ∞.",
            "contrastive-bound", "Each loss of the contrastive family lies above its lower bound φ.");
}
