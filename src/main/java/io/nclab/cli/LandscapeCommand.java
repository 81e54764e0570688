package io.nclab.cli;

import io.nclab.UserError;
import io.nclab.curvature.CurvatureFigures;
import io.nclab.experiment.Provenance;
import io.nclab.io.AtomicFiles;
import io.nclab.io.Json;
import io.nclab.landscape.LandscapeFigures;
import io.nclab.loss.Loss;
import io.nclab.loss.LossSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nclab landscape}: the MSE paper's polar landscapes (Figure 2) and K → ∞ gradient fields (Figure 8). */
@Command(name = "landscape", mixinStandardHelpOptions = true,
        description = "Draws the loss of one feature against a fixed simplex-ETF classifier over (s = |h|,"
                + " theta = angle to w_k), and the K -> infinity gradient fields, as PNG + SVG + CSV.")
public final class LandscapeCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ComputeOptions compute;

    @Option(names = "--classes", defaultValue = "4", paramLabel = "K",
            description = "Number of classes K, 3 to 1000. Default: ${DEFAULT-VALUE}.")
    int classes;

    @Option(names = "--losses", defaultValue = "mse,ce,mse:alpha=1,m=5,mse:alpha=5,m=5", paramLabel = "SPECS",
            description = "Comma-separated loss specs, one panel each: " + LossSpec.ACCEPTED
                    + ". Default: ${DEFAULT-VALUE}.")
    String losses;

    @Option(names = "--bound-losses", defaultValue = "ce,focal:gamma=3,ls:alpha=0.1", paramLabel = "SPECS",
            description = "Losses whose contrastive lower bound phi (Definition 1) is drawn. Default: ${DEFAULT-VALUE}.")
    String boundLosses;

    @Option(names = "--out", defaultValue = "out/landscape", paramLabel = "DIR",
            description = "Output folder. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--json", description = "Print one JSON object on standard output, alone (what the command otherwise prints goes to standard error).")
    boolean json;

    /** Above this K the grid's logits (K per point, 121 × 121 points) stop fitting comfortably in memory. */
    static final int MAX_CLASSES = 1000;

    @Override
    public Integer call() {
        compute.check();
        if (classes < 3) {
            throw new UserError("--classes must be at least 3 (Proposition C.1 needs K - 1 > 1), got " + classes);
        }
        if (classes > MAX_CLASSES) {
            throw new UserError("--classes must be at most " + MAX_CLASSES + " (every grid point holds K logits; the"
                    + " K -> infinity panel shows the limit), got " + classes);
        }
        List<Loss> list = LossSpec.parseList(losses, "--losses");
        if (list.isEmpty()) {
            throw new UserError("--losses names no loss");
        }
        List<Loss> bound = new ArrayList<>();
        for (Loss loss : LossSpec.parseList(boundLosses, "--bound-losses")) {
            if (!loss.contrastive()) {
                throw new UserError("--bound-losses: " + loss.spec() + " is not a contrastive loss (Definition 1), so"
                        + " phi bounds nothing; accepted: ce, focal and ls specs");
            }
            bound.add(loss);
        }
        if (bound.isEmpty()) {
            throw new UserError("--bound-losses names no loss");
        }
        // every output checked before the first is written: a folder in the way of one file would leave the
        // others half written
        io.nclab.experiment.Provenance.requireOutputFolder(out, "landscape", "--out");
        List<Path> outputs = new ArrayList<>(LandscapeFigures.files(out));
        outputs.addAll(CurvatureFigures.files(out, "contrastive-bound"));
        outputs.add(out.resolve("config.json"));
        for (Path f : outputs) {
            AtomicFiles.requireWritableFile(f, "--out");
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("classes", classes);
        settings.put("losses", list.stream().map(Loss::spec).toList());
        settings.put("out", out.toString());
        settings.put("bound_losses", bound.stream().map(Loss::spec).toList());
        settings.put("threads_used", compute.apply(Double.POSITIVE_INFINITY));
        List<Path> files = Provenance.writing(out, "landscape", settings, () -> {
            List<Path> written = new ArrayList<>(LandscapeFigures.writeAll(out, classes, list,
                    LandscapeFigures.Grid.standard()));
            written.addAll(CurvatureFigures.contrastiveBound(out, classes, bound, 3000, 0));
            return written;
        });
        files.add(out.resolve("config.json"));
        for (Path f : files) {
            Main.text(json).println("wrote " + f);
        }
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>(settings);
            result.put("files", files.stream().map(Path::toString).toList());
            System.out.println(Json.result(result));
        }
        return 0;
    }
}
