package io.nclab.cli;

import io.nclab.UserError;
import io.nclab.experiment.ProbeTable;
import io.nclab.experiment.ResultsDb;
import io.nclab.experiment.RunImport;
import io.nclab.experiment.Sweep;
import io.nclab.io.IoErrors;
import io.nclab.report.Report;
import io.nclab.report.SweepData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nclab report}: figures (PNG, SVG) and a self-contained report.html for a sweep or a run. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write the figures (PNG and SVG) of a sweep or of one run directory, for whatever it varied,"
                + " and one self-contained report.html with them, tables of final numbers and the exact commands.")
public final class ReportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SWEEP_DIR|RUN_DIR", description = "A sweep directory (with results.db)"
            + " or a run directory of train or ufm (with config.json).")
    Path dir;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write. Default: DIR/report.")
    Path out;

    @Override
    public Integer call() {
        Path target = out != null ? out : dir.resolve("report");
        Path html = write(dir, target, out != null ? "--out" : "the report folder");
        System.out.println("wrote " + html);
        return 0;
    }

    /**
     * The report of a sweep or run directory into {@code target} (named {@code option} in errors); returns
     * report.html's path. The target must be absent, empty or a report's own folder (see {@link #MANIFEST}).
     */
    static Path write(Path dir, Path target, String option) {
        if (!Files.isDirectory(dir)) {
            // checked first: for a file the default report folder DIR/report would be refused as "cannot be made"
            throw new UserError(dir + (Files.exists(dir) ? " is a file" : " does not exist") + "; give a sweep folder"
                    + " (with " + ResultsDb.FILE + ") or a run folder of train or ufm (with config.json)");
        }
        requireOwnFolder(target, option);
        Path figures = target.resolve("figures");
        // a report that fails half way (a figure it cannot draw) takes back what it added, never what was there
        return io.nclab.io.AtomicFiles.allOrNothing(target, () -> {
            Report.Section section = section(dir, figures);
            Path html = Report.writeHtml(target, "nclab report: " + dir.toAbsolutePath().normalize().getFileName(),
                    "Report of <code>" + dir + "</code>.", List.of(section));
            removeStaleFigures(figures, section);
            return html;
        });
    }

    /**
     * The names of the figure files a report wrote into its figures folder, one per line; its presence marks
     * the folder above as a report's, which a later report may write over.
     */
    static final String MANIFEST = ".nclab-figures";

    /**
     * Fails, before any work, where the report would write over what nclab did not write: {@code target} is
     * not a folder, or it is one that holds something and no earlier report's manifest (a folder of the
     * user's: report.html and figures/*.png would replace files of the same names).
     */
    private static void requireOwnFolder(Path target, String option) {
        io.nclab.experiment.Provenance.requireOutputFolder(target, option, java.util.Set.of(),
                t -> Files.isRegularFile(t.resolve("figures").resolve(MANIFEST)),
                t -> "is not empty and no nclab report wrote it (it has no figures/" + MANIFEST + ")");
    }

    /**
     * Marks the figures folder as a report's before any figure goes in, so that a report that stops half way
     * leaves a folder the next one may write over; an earlier report's manifest stays until this one's
     * replaces it (it names the figures that report wrote).
     */
    private static void markAsOwn(Path figures) {
        Path manifest = figures.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            io.nclab.io.AtomicFiles.writeString(manifest, "");
        }
    }

    /**
     * Figures an earlier report wrote into the same folder that this one did not (another sweep's maps, say):
     * left there, they would read as part of this report. Only names the earlier report listed in its
     * manifest are removed, never a file nclab did not write; then the manifest lists this report's.
     */
    private static void removeStaleFigures(Path figures, Report.Section section) {
        java.util.Set<String> kept = new java.util.TreeSet<>();
        for (var f : section.figures()) {
            kept.add(f.png().getFileName().toString());
            if (f.svg() != null) {
                kept.add(f.svg().getFileName().toString());
            }
        }
        Path manifest = figures.resolve(MANIFEST);
        try {
            if (Files.isRegularFile(manifest)) {
                for (String name : Files.readAllLines(manifest)) {
                    if (!name.isBlank() && !kept.contains(name) && !name.contains("/") && !name.startsWith(".")) {
                        Files.deleteIfExists(figures.resolve(name));
                    }
                }
            }
            io.nclab.io.AtomicFiles.writeString(manifest, String.join("\n", kept) + "\n");
        } catch (java.io.IOException e) {
            // a manifest that cannot be read or written only means old figures may stay
        }
    }

    /**
     * A sweep's or run's section of a report, its figures written under {@code figures}, which is marked as a
     * report's (and made) only once the sweep or run has been read.
     */
    static Report.Section section(Path dir, Path figures) {
        Path dbFile = dir.resolve(ResultsDb.FILE);
        if (Files.isRegularFile(dbFile)) {
            try (ResultsDb db = ResultsDb.openReadOnly(dbFile)) {
                SweepData d = SweepData.load(db, dir);
                if (d.runs().isEmpty()) {
                    throw new UserError(nothingComplete(dir, d));
                }
                markAsOwn(figures);
                return Report.sweep("Sweep " + d.meta().getOrDefault("name", dir.toString()), d, figures,
                        read(dir.resolve(Sweep.SPEC_FILE)));
            }
        }
        if (RunImport.isRunDir(dir)) {
            String command = io.nclab.experiment.Provenance.commandOf(dir);
            if (command != null && !command.equals("train") && !command.equals("ufm")) {
                // a landscape or convexity folder is its figures already: "no probe yet" said it was a run to wait for
                throw new UserError(dir + " holds the output of nclab " + command + ", whose figures are already"
                        + " there; report draws a sweep, or a train or ufm run");
            }
            RunImport.Status status = RunImport.status(dir);
            ProbeTable probes = ProbeTable.of(dir);
            if (!status.complete() && probes.rows().isEmpty()) {
                // as for a sweep with no complete run: nothing to draw, and no numbers to show
                throw new UserError("run " + dir + " has no probe yet, so there is nothing to report ("
                        + status.description() + ")");
            }
            if (!probes.probed()) {
                // a run that went further but whose probe file was deleted or replaced: a report of it would
                // draw nothing of its collapse and say nothing of why
                Path file = ProbeTable.file(dir, io.nclab.experiment.Provenance.commandOf(dir));
                String why = Files.isRegularFile(file) ? " holds no probe (no row with a number in its "
                        + probes.stepName() + " column)" : " is missing";
                throw new UserError("run " + dir + ": " + file + why + ", so there is nothing to report ("
                        + status.description() + ")");
            }
            try (ResultsDb db = ResultsDb.inMemory()) {
                RunImport.into(db, dir);
                markAsOwn(figures);
                return Report.run("Run " + dir.toAbsolutePath().normalize().getFileName(), SweepData.load(db), figures,
                        read(dir.resolve("config.json")), status.complete(), status.description());
            }
        }
        throw new UserError(dir + " is neither a sweep directory (results.db) nor a run directory (config.json)");
    }

    /** Most runs listed when a sweep has none complete; the rest are counted ({@code nclab results} lists all). */
    static final int LISTED = 20;

    /**
     * Why a sweep with no complete run has no report, with each run that is not complete on a line of its own:
     * its id, its status and the first line of its error (a sweep whose runs all failed says why they did).
     */
    static String nothingComplete(Path dir, SweepData d) {
        StringBuilder m = new StringBuilder("sweep " + dir + " has no complete run yet, so there is nothing to draw");
        if (d.unfinished().isEmpty()) {
            return m.toString();
        }
        java.util.Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        d.unfinished().forEach(u -> counts.merge(u.status(), 1, Integer::sum));
        m.append(" (");
        counts.forEach((status, n) -> m.append(n).append(' ').append(status).append(", "));
        m.setLength(m.length() - 2);
        m.append("):");
        int width = d.unfinished().stream().mapToInt(u -> u.id().length()).max().orElse(0);
        int statusWidth = counts.keySet().stream().mapToInt(String::length).max().orElse(0);
        for (SweepData.Unfinished u : d.unfinished().subList(0, Math.min(LISTED, d.unfinished().size()))) {
            String line = String.format(java.util.Locale.ROOT, "  %-" + width + "s  %-" + statusWidth + "s  %s", u.id(),
                    u.status(), u.errorLine());
            m.append('\n').append(line.stripTrailing());
        }
        if (d.unfinished().size() > LISTED) {
            m.append("\n  ... and ").append(d.unfinished().size() - LISTED).append(" more: nclab results ").append(dir);
        }
        return m.toString();
    }

    private static String read(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file) : null;
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + IoErrors.reason(e));
        }
    }
}
