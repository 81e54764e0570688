package io.nclab.cli;

import io.nclab.UserError;
import io.nclab.curvature.CurvatureFigures;
import io.nclab.curvature.LossConvexity;
import io.nclab.experiment.Provenance;
import io.nclab.io.AtomicFiles;
import io.nclab.io.Json;
import io.nclab.loss.Loss;
import io.nclab.loss.LossSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nclab convexity}: where a loss is convex in logit space, and the focal loss's p_k threshold. */
@Command(name = "convexity", mixinStandardHelpOptions = true,
        description = "Samples logits and reports the smallest eigenvalue of the loss's Hessian in logit space;"
                + " maps where it fails to be PSD against p_k and reports the threshold found.")
public final class ConvexityCommand implements Callable<Integer> {

    @Option(names = "--loss", required = true, paramLabel = "SPECS",
            description = "One or more comma-separated loss specs: " + LossSpec.ACCEPTED + ".")
    String losses;

    @Option(names = "--classes", defaultValue = "10", paramLabel = "K",
            description = "Number of classes K, at most 100,000. Default: ${DEFAULT-VALUE}.")
    int classes;

    @Option(names = "--samples", defaultValue = "20000", paramLabel = "N",
            description = "Logit vectors sampled; K x N at most 20,000,000. Default: ${DEFAULT-VALUE}.")
    int samples;

    /** The most p_k bins a map has: a row per bin in the figure's data, the CSV and the JSON. */
    static final int MAX_BINS = 100_000;

    @Option(names = "--bins", defaultValue = "20", paramLabel = "N",
            description = "Number of p_k bins of the map, at most 100,000. Default: ${DEFAULT-VALUE}.")
    int bins;

    @picocli.CommandLine.Mixin
    ComputeOptions compute;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write convexity.png/.svg/.csv there.")
    Path out;

    @Option(names = "--json", description = "Print one JSON object on standard output, alone (what the command otherwise prints goes to standard error).")
    boolean json;

    /** From 128 classes on a sample costs O(K) (bisection on its Hessian's structure), so K is bounded by the logits. */
    static final int MAX_CLASSES = 100_000;
    /** Logits (samples × K) the analysis holds at most: 20,000,000, as saddle's limit. */
    static final long MAX_LOGITS = 20_000_000L;

    @Override
    public Integer call() {
        compute.check();
        if (classes < 2) {
            throw new UserError("--classes must be at least 2, got " + classes);
        }
        if (classes > MAX_CLASSES) {
            throw new UserError("--classes must be at most " + MAX_CLASSES + ", got " + classes);
        }
        if (samples < 1 || bins < 1) {
            throw new UserError("--samples and --bins must be at least 1");
        }
        if (bins > MAX_BINS) {
            throw new UserError(String.format(java.util.Locale.ROOT, "--bins must be at most %,d (one row of the map,"
                    + " the CSV and the JSON per bin), got %,d", MAX_BINS, bins));
        }
        if ((long) samples * classes > MAX_LOGITS) {
            throw new UserError(String.format(java.util.Locale.ROOT, "--samples %,d x --classes %,d is %,d logits; at"
                    + " most %,d are held (a few arrays of that many numbers): lower --samples", samples, classes,
                    (long) samples * classes, MAX_LOGITS));
        }
        if (out != null) {
            // every output checked before the (long) analysis: a folder in the way of one file would otherwise
            // be found at the end, with the others written
            io.nclab.experiment.Provenance.requireOutputFolder(out, "convexity", "--out");
            List<Path> outputs = new ArrayList<>(CurvatureFigures.files(out, "convexity"));
            outputs.add(out.resolve("config.json"));
            for (Path f : outputs) {
                AtomicFiles.requireWritableFile(f, "--out");
            }
        }
        List<Loss> parsed = LossSpec.parseList(losses, "--loss");
        if (parsed.isEmpty()) {
            throw new UserError("--loss needs at least one loss");
        }
        double seconds = 0;
        for (Loss loss : parsed) {
            seconds += LossConvexity.estimatedSeconds(loss, classes, samples);
        }
        LongWork.noteIfLong(seconds, String.format(
                Locale.ROOT, "%,d samples x %,d classes: each sample's Hessian and its extreme eigenvalues, for each"
                + " of %d loss(es) (fewer --samples is quicker)", samples, classes, parsed.size()));
        int threadsUsed = compute.apply(Double.POSITIVE_INFINITY);
        List<LossConvexity.Report> reports = new ArrayList<>();
        for (Loss loss : parsed) {
            reports.add(LossConvexity.analyse(loss, classes, samples, bins, seed));
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (LossConvexity.Report r : reports) {
            // each line is written whole, its newline included: printf writes its pieces one at a time, so a row
            // could stand without its newline when an error (--out unwritable) was printed after it
            Main.text(json).println(String.format(Locale.ROOT, "%-18s K=%d  %d samples  smallest eigenvalue %.4g  %s",
                    r.loss(), r.classes(), r.samples(), r.minEigenvalue(), r.psdEverywhere() ? "PSD everywhere sampled"
                            : String.format(Locale.ROOT, "not PSD for p_k up to %.6f; PSD above", r.threshold())));
            if (!r.psdEverywhere()) {
                StringBuilder map = new StringBuilder("  not-PSD fraction by p_k bin:");
                for (LossConvexity.Bin b : r.bins()) {
                    map.append(String.format(Locale.ROOT, " [%.2f,%.2f) %.2f", b.lo(), b.hi(),
                            b.samples() == 0 ? 0.0 : b.notPsd() / (double) b.samples()));
                }
                Main.text(json).println(map);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("loss", r.loss());
            m.put("samples", r.samples());
            m.put("min_eigenvalue", r.minEigenvalue());
            m.put("psd_everywhere", r.psdEverywhere());
            m.put("threshold_p_k", Double.isNaN(r.threshold()) ? null : r.threshold());
            List<Map<String, Object>> bins = new ArrayList<>();
            for (LossConvexity.Bin b : r.bins()) {
                Map<String, Object> bm = new LinkedHashMap<>();
                bm.put("p_k_lo", b.lo());
                bm.put("p_k_hi", b.hi());
                bm.put("samples", b.samples());
                bm.put("not_psd", b.notPsd());
                bm.put("min_eigenvalue", Double.isNaN(b.minEigenvalue()) ? null : b.minEigenvalue());
                bins.add(bm);
            }
            m.put("bins", bins);
            results.add(m);
        }
        if (out != null) {
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("losses", reports.stream().map(LossConvexity.Report::loss).toList());
            settings.put("classes", classes);
            settings.put("samples", samples);
            settings.put("bins", bins);
            settings.put("seed", seed);
            settings.put("threads_used", threadsUsed);
            for (Path f : Provenance.writing(out, "convexity", settings, () -> CurvatureFigures.convexity(out, reports))) {
                Main.text(json).println("wrote " + f);
            }
        }
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("classes", classes);
            j.put("seed", seed);
            j.put("losses", results);
            System.out.println(Json.result(j));
        }
        return 0;
    }
}
