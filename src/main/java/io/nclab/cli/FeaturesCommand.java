package io.nclab.cli;

import io.nclab.UserError;
import io.nclab.io.Json;
import io.nclab.train.FeatureExport;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nclab features}: a trained run's penultimate features as .npy files, for {@code nclab metrics} or NumPy. */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Write the penultimate features of a training run's model over one of its sets (clean images,"
                + " the probe's forward pass) as features.npy (N x d float32), labels.npy (N int64, the labels trained"
                + " on), W.npy (K x d) and b.npy (K; zeros without a bias): the files `nclab metrics` and NumPy read,"
                + " with the names the UFM's solution has, and config.json (which run, model, epoch and set).")
public final class FeaturesCommand implements Runnable {

    @Option(names = "--run", required = true, paramLabel = "DIR", description = "A training run's directory.")
    Path run;

    @Option(names = "--model", defaultValue = "best", paramLabel = "best|last",
            description = "Which model: best, the one with the best validation accuracy (best-model.params; the last"
                    + " probe's without a validation set), or last, the newest checkpoint's. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--set", defaultValue = "train", paramLabel = "train|validation|test",
            description = "Which of the run's sets, as the run cut them. Default: ${DEFAULT-VALUE}.")
    String set;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Folder for the files: new, empty, or an earlier export (whose files are replaced)."
                    + " Default: RUN/features-MODEL-SET.")
    Path out;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|gpu",
            description = "Where the forward pass runs. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Mixin
    ComputeOptions compute;

    @Override
    public void run() {
        FeatureExport.Model m = FeatureExport.Model.parse(model);
        FeatureExport.Set s = FeatureExport.Set.parse(set);
        String dev = device.toLowerCase(Locale.ROOT);
        if (!dev.equals("cpu") && !dev.equals("gpu")) {
            throw new UserError("--device must be cpu or gpu, got '" + device + "'");
        }
        compute.check();
        Path dir = out != null ? out
                : run.resolve("features-" + m.name().toLowerCase(Locale.ROOT) + "-" + s.label());
        int threads = compute.apply(Double.POSITIVE_INFINITY); // a forward pass over a whole set: every core unless told
        FeatureExport.Result r = FeatureExport.export(run, m, s, dir, dev);
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("out", r.out().toAbsolutePath().normalize().toString());
            j.put("model", m.name().toLowerCase(Locale.ROOT));
            j.put("epoch", r.epoch());
            j.put("set", s.label());
            j.put("samples", r.samples());
            j.put("dim", r.dim());
            j.put("classes", r.classes());
            j.put("accuracy", r.accuracy());
            j.put("loss", r.loss());
            j.put("files", r.files());
            j.put("probe_threads", r.threads());
            System.out.println(Json.result(j));
            return;
        }
        System.out.printf(Locale.ROOT, "%s set of %s, %s model (epoch %d): %d samples, d = %d, K = %d;"
                        + " accuracy %.4f, loss %.4g%n", s.label(), run, r.modelName(), r.epoch(), r.samples(), r.dim(), r.classes(),
                r.accuracy(), r.loss());
        System.out.println("wrote " + String.join(", ", r.files()) + " to " + dir);
        System.out.println("measure them: ./nclab metrics --features " + dir.resolve(FeatureExport.FEATURES)
                + " --labels " + dir.resolve(FeatureExport.LABELS) + " --weights "
                + dir.resolve(FeatureExport.WEIGHTS) + " --bias " + dir.resolve(FeatureExport.BIAS));
        if (r.threads() != threads) {
            System.out.println("(the run's probe ran its forward pass on " + r.threads()
                    + (r.threads() == 1 ? " thread" : " threads") + ", this one on " + threads
                    + ", which can change the features' last bits; --threads " + r.threads()
                    + " gives the probe's features, and its metrics to the bit)");
        }
    }
}
